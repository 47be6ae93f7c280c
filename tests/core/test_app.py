"""The core's own endpoints and cross-cutting behaviour: health, readiness, request ids, errors."""

import asyncio
import gc
import logging
import subprocess
import sys
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from anyio.to_thread import current_default_thread_limiter
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.postgres import TemporaryPostgres
from starlette.types import ASGIApp, Message

from core import __version__
from core.config import Settings
from core.main import create_app, serveable, start_modules, stop_modules
from core.platform import create_platform
from tests.throwaway_modules import run_cli

REPOSITORY = Path(__file__).resolve().parents[2]


def test_root_names_the_service_and_its_modules(client: TestClient) -> None:
    body = client.get("/").json()
    assert body == {"name": "HobbyMatch", "version": __version__, "modules": body["modules"]}
    assert body["modules"][0] == "users"


def test_an_app_stopped_and_let_go_is_freed(settings: Settings) -> None:
    # A process that makes many apps (a test session) must not keep the ones it let go: FastAPI
    # caches the endpoints it has seen, so an endpoint that closes over its app would keep it.
    app = create_app(settings)
    start_modules(app)
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 200
        assert client.get("/redoc").status_code == 200
    stop_modules(app)
    let_go = weakref.ref(app)
    del app, client
    gc.collect()
    assert let_go() is None


def test_health_and_ready_answer_200(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"]["title"] == "HobbyMatch"
    assert schema["paths"]["/users"]["post"]["tags"] == ["users"]
    assert client.get("/docs").status_code == 200


def test_operations_that_read_a_body_document_400_and_413(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"400", "413"} <= set(paths["/users"]["post"]["responses"])
    assert {"400", "413"} <= set(paths["/auth/token"]["post"]["responses"])
    assert {"400", "413"}.isdisjoint(paths["/users/me"]["get"]["responses"])
    unparsable = client.post(
        "/users", content=b"\xff{", headers={"Content-Type": "application/json"}
    )
    assert unparsable.status_code == 400


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32
    assert (
        client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    unsafe = client.get("/health", headers={"X-Request-ID": "bad id\nwith newline"})
    assert unsafe.headers["x-request-id"] != "bad id\nwith newline"


def test_one_access_log_line_per_request(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hobbymatch.access"):
        client.get("/health", headers={"X-Request-ID": "trace-me"})
    lines = [record.getMessage() for record in caplog.records if record.name == "hobbymatch.access"]
    assert len(lines) == 1
    method, path, status, duration, request_id = lines[0].split()
    assert (method, path, status, request_id) == ("GET", "/health", "200", "id=trace-me")
    assert duration.endswith("ms")


def test_body_over_the_limit_is_413_json(client: TestClient) -> None:
    response = client.post(
        "/users", content=b"x" * (1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "request body is larger than 1048576 bytes"}


def test_unknown_path_is_404_json(client: TestClient) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def every_hookspec(folder: Path) -> dict[str, Callable[..., object]]:
    """Every hook specification: the core's and every discovered module's."""
    platform = create_platform(make_test_settings(f"sqlite:///{folder / 'specs.db'}"))
    platform.close()
    return {
        name: caller.spec.function
        for name, caller in vars(platform.hook).items()
        if caller.spec is not None
    }


def test_every_hookspec_is_documented_in_the_module_guide(tmp_path: Path) -> None:
    guide = (REPOSITORY / "docs" / "modules.md").read_text()
    specs = every_hookspec(tmp_path)
    assert len(specs) >= 15
    for name, function in specs.items():
        assert (function.__doc__ or "").strip(), f"{name} has no docstring"
        assert f"`{name}(" in guide, f"{name} is not documented in docs/modules.md"


def test_every_hookspec_is_implemented_by_a_module_that_a_test_builds(tmp_path: Path) -> None:
    test_sources = "\n".join(
        path.read_text()
        for folder in (REPOSITORY / "tests", REPOSITORY / "examples")
        for path in folder.rglob("test_*.py")
    )
    untested = [name for name in every_hookspec(tmp_path) if f"def {name}(" not in test_sources]
    assert untested == []


def test_module_boundaries_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_embedded_default_is_announced_in_one_line(tmp_path: Path) -> None:
    result = run_cli("db", "init", cwd=tmp_path, env={"HOBBYMATCH_DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    announcements = [
        line for line in result.stderr.splitlines() if "HOBBYMATCH_DATABASE_URL is unset" in line
    ]
    assert len(announcements) == 1
    assert announcements[0].endswith("using the embedded SQLite file ./hobbymatch.db")
    assert (tmp_path / "hobbymatch.db").exists()
    assert oct((tmp_path / "hobbymatch.db.secret").stat().st_mode & 0o777) == "0o600"


def test_ready_is_503_while_postgres_is_down_and_200_after(
    own_postgres: TemporaryPostgres,
) -> None:
    settings = make_test_settings(own_postgres.url)
    app = create_app(settings)
    start_modules(app)
    client = TestClient(app)
    assert client.get("/ready").status_code == 200
    own_postgres.stop()
    down = client.get("/ready")
    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "detail": "the database does not answer"}
    assert client.get("/health").status_code == 200
    api = client.get("/skills")
    assert api.status_code == 503
    assert api.json() == {"detail": "the database is unavailable; try again shortly"}
    own_postgres.start()
    assert client.get("/ready").status_code == 200
    assert client.get("/skills").status_code == 200
    stop_modules(app)


def test_a_served_app_runs_sync_work_on_a_few_threads(settings: Settings) -> None:
    async def threads_allowed() -> float:
        return current_default_thread_limiter().total_tokens

    with TestClient(create_app(settings)) as client:  # runs the lifespan, as Uvicorn does
        assert client.get("/health").status_code == 200
        assert client.portal is not None
        assert client.portal.call(threads_allowed) == 4


async def start_then_stop(app: ASGIApp) -> int:
    """Run ``app``'s lifespan as Uvicorn does, startup then shutdown; return how many objects
    were frozen out of garbage collection when it said its startup was complete."""
    messages: asyncio.Queue[Message] = asyncio.Queue()
    await messages.put({"type": "lifespan.startup"})
    frozen: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            frozen.append(gc.get_freeze_count())
            await messages.put({"type": "lifespan.shutdown"})

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, messages.get, send)
    return frozen[0]


def test_a_served_app_freezes_the_heap_of_its_startup(settings: Settings) -> None:
    gc.unfreeze()
    try:
        frozen = asyncio.run(start_then_stop(serveable(create_app(settings))))
    finally:
        gc.unfreeze()
    # The modules' code, routes, schemas and tables: full collections no longer walk them.
    assert frozen > 10_000

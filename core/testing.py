"""The per-module test kit: a pytest plugin (entry point ``pytest11``) for module authors.

Every test that uses these fixtures runs on each selected backend: SQLite in a temporary file,
and a real PostgreSQL server started from the machine's binaries (``--backend`` picks;
default both). Where PostgreSQL's binaries are missing its half is skipped with the reason,
except under ``CI=true``, where that fails the run.

Fixtures:

- ``enabled_modules``: override it in your ``conftest.py`` to build the app with only the
  modules you name (default: every discovered module).
- ``app``: the app, its tables created and startup hooks run, every table emptied first.
- ``client``: a ``TestClient`` for ``app``.
- ``db``: a ``Session`` on the same database, closed after the test.
- ``database_url``: the URL of the current backend's database.
- ``postgres_server``: the session's :class:`~core.postgres_server.TemporaryPostgres`.
"""

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from core.config import Settings, load_settings
from core.database import Base, SessionLocal, configure_engine
from core.main import create_app, start_modules
from core.postgres_server import PostgresUnavailableError, TemporaryPostgres

BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--backend`` to choose the databases the tests run on."""
    parser.addoption(
        "--backend",
        choices=[*BACKENDS, "both"],
        default="both",
        help="HobbyMatch: run database tests on sqlite, postgresql, or both (default)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that needs a database once per selected backend."""
    if "hobbymatch_backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--backend")
        backends = BACKENDS if chosen == "both" else (chosen,)
        metafunc.parametrize("hobbymatch_backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def hobbymatch_backend(request: pytest.FixtureRequest) -> str:
    """The backend of the current parametrization: ``sqlite`` or ``postgresql``."""
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server for the whole session, in a temporary folder on a loopback port."""
    try:
        server = TemporaryPostgres()
    except PostgresUnavailableError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but PostgreSQL cannot run: {error}")
        pytest.skip(str(error))
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def database_url(
    hobbymatch_backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """The URL of the current backend's test database."""
    if hobbymatch_backend == "postgresql":
        server: TemporaryPostgres = request.getfixturevalue("postgres_server")
        return server.url
    folder: Path = tmp_path_factory.mktemp("sqlite")
    return f"sqlite:///{folder / 'hobbymatch-test.db'}"


@pytest.fixture(scope="session")
def secret_key() -> str:
    """A signing key made for this test session."""
    return secrets.token_urlsafe(48)


@pytest.fixture
def enabled_modules() -> list[str] | None:
    """The modules the test app is built with; ``None`` means every discovered module."""
    return None


@pytest.fixture
def settings(database_url: str, enabled_modules: list[str] | None, secret_key: str) -> Settings:
    """Settings for the test app; the environment and ``.env`` are ignored."""
    return load_settings(
        _env_file=None,
        database_url=database_url,
        modules=enabled_modules,
        disabled_modules=[],
        secret_key=secret_key,
    )


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The app with the enabled modules: every table emptied, then created and started."""
    application = create_app(settings)
    empty_all_tables(settings.effective_database_url)
    start_modules(application)
    return application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A ``TestClient`` for ``app`` (already started, so its lifespan is not run again)."""
    test_client = TestClient(app, raise_server_exceptions=False)
    yield test_client
    test_client.close()


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    """A ``Session`` on the test database, closed after the test."""
    session = SessionLocal()
    try:
        yield session
    finally:
        session.close()


def empty_all_tables(url: str) -> None:
    """Delete every row of every table known to ``Base`` that exists in the database at ``url``."""
    engine = configure_engine(url)
    existing = set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in existing:
                connection.execute(table.delete())

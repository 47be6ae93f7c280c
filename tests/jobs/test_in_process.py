"""``hobbymatch serve`` runs a worker in its own process when HOBBYMATCH_JOBS_IN_PROCESS says
so (by default on SQLite, so that the embedded default runs its jobs with one command), and a
worker behind PgBouncer in transaction mode is woken through a direct LISTEN connection."""

import threading
import time

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.postgres import TemporaryPgBouncer, TemporaryPostgres

from core.config import Settings, load_settings
from core.exceptions import SettingsError
from core.main import create_app
from tests.jobs.conftest import DoneKeys
from tests.throwaway_modules import ModuleFolder


def wait_until_done(done_keys: DoneKeys, key: str) -> None:
    """Wait for the in-process worker to run the job of ``key`` (at most a minute)."""
    deadline = time.monotonic() + 60
    while key not in done_keys("record"):
        assert time.monotonic() < deadline, f"the job of {key!r} never ran"
        time.sleep(0.05)


def test_the_served_app_runs_jobs_in_its_own_process_when_the_setting_says_so(
    settings: Settings, done_keys: DoneKeys
) -> None:
    served = create_app(settings.model_copy(update={"jobs_in_process": True}))
    with TestClient(served) as client:
        assert client.post("/errands", json={"label": "served"}).status_code == 201
        wait_until_done(done_keys, "served")


def test_a_served_app_whose_modules_declare_no_job_runs_no_worker(settings: Settings) -> None:
    without_jobs = settings.model_copy(update={"jobs_in_process": True, "modules": []})
    with TestClient(create_app(without_jobs)) as client:
        assert client.get("/health").status_code == 200
        assert [t.name for t in threading.enumerate() if t.name.startswith("jobs-")] == []


def test_jobs_run_in_process_by_default_on_sqlite_only() -> None:
    assert load_settings(None, database_url="sqlite:///./a.db").runs_jobs_in_process
    assert not load_settings(None, database_url="postgresql://h@localhost/h").runs_jobs_in_process
    assert not load_settings(
        None, database_url="sqlite:///./a.db", jobs_in_process=False
    ).runs_jobs_in_process


def test_a_listen_url_that_is_not_postgresql_stops_startup_with_one_line() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(None, jobs_listen_url="sqlite:///./jobs.db")
    assert str(raised.value) == (
        "invalid setting HOBBYMATCH_JOBS_LISTEN_URL: workers listen on PostgreSQL: "
        "postgresql://... (a direct connection)"
    )


@pytest.fixture
def pooled(hobbymatch_backend: str, request: pytest.FixtureRequest) -> TemporaryPgBouncer:
    """The PgBouncer in front of the session's PostgreSQL (PostgreSQL backend only)."""
    if hobbymatch_backend != "postgresql":
        pytest.skip("PgBouncer pools PostgreSQL connections")
    bouncer: TemporaryPgBouncer = request.getfixturevalue("pgbouncer")
    return bouncer


def test_a_worker_behind_pgbouncer_is_woken_by_a_deferral_committed_elsewhere(
    pooled: TemporaryPgBouncer,
    settings: Settings,
    module_folder: ModuleFolder,
    postgres_server: TemporaryPostgres,
    done_keys: DoneKeys,
) -> None:
    # Polling alone would take a minute: only the NOTIFY, heard on the direct connection, can
    # wake the worker sooner.
    through_pgbouncer = make_test_settings(
        pooled.url,
        modules=["errands"],
        module_paths=[module_folder.root],
        jobs_in_process=True,
        jobs_poll_seconds=60,
        jobs_listen_url=postgres_server.url,
    )
    with (
        TestClient(create_app(through_pgbouncer)) as working,
        TestClient(create_app(settings)) as writing,
    ):
        assert working.get("/health").status_code == 200
        assert writing.post("/errands", json={"label": "pooled"}).status_code == 201
        wait_until_done(done_keys, "pooled")

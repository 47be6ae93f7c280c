"""HobbyMatch's test kit for module authors: a pytest plugin, loaded by the tests that ask for
it, never by an unrelated pytest run. A ``conftest.py`` at the root of the tests asks::

    pytest_plugins = ["hobbymatch_testkit", "hobbymatch_testkit.accounts"]


Every test that uses these fixtures runs on each selected backend: SQLite in a temporary file,
and a real PostgreSQL server started from the machine's binaries (``--backend`` picks;
default both). Where PostgreSQL's binaries are missing its half is skipped with the reason,
except under ``CI=true``, where that fails the run.

Fixtures:

- ``enabled_modules``: override it in your ``conftest.py`` to build the app with only the
  modules you name (default: every discovered module).
- ``module_settings``: override it to set modules' settings, by module name then field.
- ``app``: the app, its tables created and startup hooks run, every table emptied first; its
  connections go back to the process's :class:`SharedEngines` after the test.
- ``client``: a ``TestClient`` for ``app``.
- ``db``: a ``Session`` of ``app``, closed after the test.
- ``database_url``: the URL of the current backend's database.
- ``clock``: the app's clock for jobs, a :class:`~hobbymatch_testkit.jobs.MovableClock` at
  the current time that only the test moves (``clock.move(days=14)``).
- ``run_jobs``: ``run_jobs()`` runs the app's due jobs in the test's thread until none is
  due, and says how many ran. Test apps run no worker of their own.
- ``postgres_server``: the session's :class:`~hobbymatch_testkit.postgres.TemporaryPostgres`.
- ``shared_engines``: the process's :class:`SharedEngines`, which the ``app`` fixture's apps
  share.

Test apps get every module's :meth:`~core.config.ModuleSettings.test_overrides`; the environment
and ``.env`` are ignored (:func:`make_test_settings`).
"""

import gc
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, QueuePool, inspect
from sqlalchemy.orm import Session

from core.config import Settings, load_settings
from core.engine import Base, utc_now
from core.main import create_app, start_modules, stop_modules
from core.platform import Engines, Platform, create_engines
from core.worker import Worker
from hobbymatch_testkit.jobs import MovableClock
from hobbymatch_testkit.postgres import (
    PostgresUnavailableError,
    TemporaryPostgres,
    remove_leftovers,
)

BACKENDS = ("sqlite", "postgresql")

# The ``start_app`` fixture's type: ``start_app(settings)`` gives a started app.
StartApp = Callable[[Settings], FastAPI]


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


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move what the imports and the collection made out of the garbage collector's sight
    (``gc.freeze``): those objects live for the whole run, and every full collection during
    the tests would otherwise walk them all again."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def hobbymatch_backend(request: pytest.FixtureRequest) -> str:
    """The backend of the current parametrization: ``sqlite`` or ``postgresql``."""
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server for the whole session, in a temporary folder (in memory where there
    is room) on a loopback port; first, the servers that earlier runs left behind are stopped.
    The server stops when the session ends, however it ends (see
    :mod:`hobbymatch_testkit.postgres`)."""
    try:
        for folder in remove_leftovers():
            warnings.warn(
                f"stopped a PostgreSQL server left by an earlier run: {folder}", stacklevel=1
            )
        server = TemporaryPostgres(in_memory=True)
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


@pytest.fixture
def enabled_modules() -> list[str] | None:
    """The modules the test app is built with; ``None`` means every discovered module."""
    return None


@pytest.fixture
def module_settings() -> dict[str, dict[str, Any]]:
    """Modules' settings for the test app, by module name, then field name."""
    return {}


def make_test_settings(
    database_url: str,
    *,
    modules: list[str] | None = None,
    module_settings: Mapping[str, Mapping[str, Any]] | None = None,
    **overrides: Any,
) -> Settings:
    """Settings for a test app on ``database_url``: the environment and ``.env`` are ignored,
    every module's test overrides apply (``module_settings`` beat them), and no worker runs
    in the app's process (a test runs jobs with ``run_jobs``)."""
    return load_settings(
        None,
        module_settings=module_settings,
        for_tests=True,
        database_url=database_url,
        modules=modules,
        disabled_modules=[],
        **{"jobs_in_process": False, **overrides},
    )


@pytest.fixture
def settings(
    database_url: str,
    enabled_modules: list[str] | None,
    module_settings: dict[str, dict[str, Any]],
) -> Settings:
    """Settings for the test app (see :func:`make_test_settings`)."""
    return make_test_settings(
        database_url, modules=enabled_modules, module_settings=module_settings
    )


class SharedEngines:
    """The engines that the test apps of one process share, a pair per database and pool
    settings (``create_app(settings, engines=...)``): a test's app opens no connection and
    compiles no statement that an app before it opened or compiled. The apps stay each the
    test's own (their modules, settings, sessions and state); only the pools and the
    statement caches carry over."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, int, int, int], Engines] = {}

    def for_settings(self, settings: Settings) -> Engines:
        """The engines for ``settings``' database and pool settings, made on first use."""
        # What create_engines reads of the settings.
        key = (
            settings.effective_database_url,
            settings.database_connect_timeout,
            settings.database_pool_size,
            settings.database_max_overflow,
        )
        if key not in self._engines:
            self._engines[key] = create_engines(settings)
        return self._engines[key]

    def release(self, engines: Engines) -> None:
        """Take ``engines`` back after their app stopped. If a connection is still out (a
        session the test left open, which may hold a transaction and its locks), they are
        closed and the next app gets new ones, as it would without sharing."""
        if not any(_checked_out(engine) for engine in (engines.engine, engines.read_engine)):
            return
        for key in [key for key, kept in self._engines.items() if kept is engines]:
            del self._engines[key]
        engines.dispose()

    def dispose(self) -> None:
        """Close every engine kept."""
        for engines in self._engines.values():
            engines.dispose()
        self._engines.clear()


def _checked_out(engine: Engine) -> bool:
    pool = engine.pool
    return isinstance(pool, QueuePool) and pool.checkedout() > 0


@pytest.fixture(scope="session")
def shared_engines() -> Iterator[SharedEngines]:
    """The engines that the ``app`` fixture's apps share in this process."""
    shared = SharedEngines()
    yield shared
    shared.dispose()


@pytest.fixture
def app(settings: Settings, shared_engines: SharedEngines) -> Iterator[FastAPI]:
    """The app with the enabled modules: every table emptied, then created and started, on the
    process's shared engines."""
    engines = shared_engines.for_settings(settings)
    application = create_app(settings, engines=engines)
    empty_all_tables(engines.engine)
    start_modules(application)
    yield application
    stop_modules(application)
    shared_engines.release(engines)


@pytest.fixture
def start_app() -> Iterator[StartApp]:
    """``start_app(settings)``: an app of the test's own, created and started (its startup
    hooks run); every app it started is stopped after the test (shutdown hooks, connections
    closed), so that no background thread outlives it."""
    started: list[FastAPI] = []

    def start(settings: Settings) -> FastAPI:
        application = create_app(settings)
        start_modules(application)
        started.append(application)
        return application

    yield start
    for application in reversed(started):
        stop_modules(application)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A ``TestClient`` for ``app`` (already started, so its lifespan is not run again).

    Its requests share one event loop, as a served process's do: without it, each request
    would start a loop and a thread of its own, which costs more than most requests."""
    with start_blocking_portal() as portal:
        test_client = TestClient(app, raise_server_exceptions=False)
        test_client.portal = portal
        yield test_client
        test_client.close()


@pytest.fixture
def db(app: FastAPI) -> Iterator[Session]:
    """A ``Session`` of ``app``, closed after the test."""
    session = Platform.of(app).session_factory()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def clock(app: FastAPI) -> MovableClock:
    """The app's clock for jobs, at the current time; only the test moves it."""
    moved = MovableClock(utc_now())
    Platform.of(app).clock = moved
    return moved


@pytest.fixture
def run_jobs(app: FastAPI) -> Callable[[], int]:
    """``run_jobs()``: run the app's due jobs in this thread until none is due (periodic jobs
    whose period began included); return how many ran, failures included."""
    worker = Worker(Platform.of(app), name="test-worker")
    return worker.run_until_idle


def empty_all_tables(engine: Engine) -> None:
    """Delete every row of every table known to ``Base`` that exists in ``engine``'s database.

    On PostgreSQL every ``DELETE`` goes in one round trip, the rest of a test's setup costing
    less than forty of them."""
    with engine.begin() as connection:
        existing = set(inspect(connection).get_table_names())
        ordered = reversed(Base.metadata.sorted_tables)
        tables = [table for table in ordered if table.name in existing]
        if not tables:
            return
        if connection.dialect.name != "postgresql":
            for table in tables:
                connection.execute(table.delete())
            return
        quote = connection.dialect.identifier_preparer.format_table
        deletes = [f"DELETE FROM {quote(table)}" for table in tables]  # noqa: S608 (the models' names, quoted)
        connection.exec_driver_sql("; ".join(deletes))

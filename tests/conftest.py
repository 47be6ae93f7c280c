"""Fixtures shared by every test folder; the database fixtures and signed-up people come from
the test kit (:mod:`hobbymatch_testkit`), which these tests ask for."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI

from core.platform import Platform
from modules.users import UsersSettings
from tests.throwaway_modules import ModuleFolder, throwaway_module_folder

if TYPE_CHECKING:
    from hobbymatch_testkit.postgres import TemporaryPgBouncer, TemporaryPostgres

# The kit, asked for here rather than imported, so that pytest rewrites its asserts.
pytest_plugins = ["hobbymatch_testkit", "hobbymatch_testkit.accounts", "hobbymatch_testkit.mail"]


@pytest.fixture
def module_folder(tmp_path: Path) -> Iterator[ModuleFolder]:
    """A folder of throwaway modules for the test's duration (``HOBBYMATCH_MODULE_PATHS``)."""
    with throwaway_module_folder(tmp_path) as folder:
        yield folder


@pytest.fixture
def secret_key(app: FastAPI) -> str:
    """The key that signs the test app's tokens."""
    return Platform.of(app).settings_of(UsersSettings).signing_key


@pytest.fixture
def own_postgres() -> Iterator["TemporaryPostgres"]:
    """A PostgreSQL server of the test's own, in memory where there is room, which it may stop
    and start."""
    from hobbymatch_testkit.postgres import PostgresUnavailableError, TemporaryPostgres

    try:
        server = TemporaryPostgres(in_memory=True)
    except PostgresUnavailableError as error:
        pytest.skip(str(error))
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def pgbouncer(postgres_server: "TemporaryPostgres") -> Iterator["TemporaryPgBouncer"]:
    """A PgBouncer in transaction mode with a server pool of 10, in front of the session's
    PostgreSQL; stopped after the test, however it ends."""
    from hobbymatch_testkit.postgres import PgBouncerUnavailableError, TemporaryPgBouncer

    try:
        bouncer = TemporaryPgBouncer(postgres_server, pool_size=10)
    except PgBouncerUnavailableError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but PgBouncer cannot run: {error}")
        pytest.skip(str(error))
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.cleanup()

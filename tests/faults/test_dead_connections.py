"""Pooled connections that died while idle (a restarted server, a dropped link): connections
are not pinged before use, so an ordinary route, served in one hop, meets the dead one; a read
is answered again, once, on a fresh connection, and a write is answered 503."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.accounts import Account, sign_up_through
from hobbymatch_testkit.postgres import TemporaryPostgres

from core.main import create_app, start_modules, stop_modules
from tests.faults.servers import run_sql

KILL_THE_APPS_CONNECTIONS = (
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
    "WHERE application_name = 'hobbymatch'"
)


@pytest.fixture
def client(own_postgres: TemporaryPostgres) -> Iterator[TestClient]:
    """The app on a PostgreSQL of the test's own."""
    app = create_app(make_test_settings(own_postgres.url, modules=["users", "skills"]))
    start_modules(app)
    yield TestClient(app, raise_server_exceptions=False)
    stop_modules(app)


@pytest.fixture
def signed_up(client: TestClient) -> Account:
    """Someone signed up, whose profile was read once (the read pool holds a connection)."""
    account = sign_up_through(client)
    assert client.get("/users/me", headers=account.headers).status_code == 200
    return account


def test_a_read_that_meets_a_dead_connection_is_answered_again(
    client: TestClient, signed_up: Account, own_postgres: TemporaryPostgres
) -> None:
    assert run_sql(own_postgres, KILL_THE_APPS_CONNECTIONS)
    response = client.get("/users/me", headers=signed_up.headers)
    assert response.status_code == 200
    assert response.json()["id"] == str(signed_up.id)


def test_a_write_that_meets_a_dead_connection_is_503_and_changes_nothing(
    client: TestClient, signed_up: Account, own_postgres: TemporaryPostgres
) -> None:
    assert run_sql(own_postgres, KILL_THE_APPS_CONNECTIONS)
    response = client.patch("/users/me", json={"bio": "lost"}, headers=signed_up.headers)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert client.get("/users/me", headers=signed_up.headers).json()["bio"] != "lost"

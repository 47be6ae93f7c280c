"""What a read sends to PostgreSQL, read from the server's own statement log: a read-only
request sends its queries and nothing else (no BEGIN, no ROLLBACK, no ping before use)."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.accounts import sign_up_through
from hobbymatch_testkit.postgres import TemporaryPostgres

from core.main import create_app, start_modules, stop_modules
from tests.faults.servers import run_sql

MARKER = "SELECT 'hobbymatch-test-marker'"


@pytest.fixture
def logged_app(own_postgres: TemporaryPostgres) -> Iterator[FastAPI]:
    """The app on a PostgreSQL that logs every statement, with the application's name."""
    run_sql(own_postgres, "ALTER SYSTEM SET log_statement = 'all'")
    run_sql(own_postgres, "ALTER SYSTEM SET log_line_prefix = '%a| '")
    run_sql(own_postgres, "SELECT pg_reload_conf()")
    application = create_app(make_test_settings(own_postgres.url, modules=["users", "skills"]))
    start_modules(application)
    yield application
    stop_modules(application)


def statements_of_the_app(server: TemporaryPostgres, between_markers: int) -> list[str]:
    """The statements the app sent after the ``between_markers``-th marker and before the
    next one, from the server log."""
    lines = (server.folder / "server.log").read_text().splitlines()
    markers = [number for number, line in enumerate(lines) if "hobbymatch-test-marker" in line]
    start, end = markers[between_markers], markers[between_markers + 1]
    return [
        line.split("statement: ", 1)[1]
        for line in lines[start:end]
        if line.startswith("hobbymatch| ") and "statement: " in line
    ]


def test_reads_send_their_queries_and_nothing_else(
    logged_app: FastAPI, own_postgres: TemporaryPostgres
) -> None:
    client = TestClient(logged_app)
    alice = sign_up_through(client)
    # The first reads open the read pool's connection (and SQLAlchemy reads the server's
    # version, types and settings on its first connection): not what is measured.
    client.get("/skills?q=gu")
    client.get("/users/me", headers=alice.headers)
    run_sql(own_postgres, MARKER)
    assert client.get("/skills?q=gu").status_code == 200  # the hot read path
    run_sql(own_postgres, MARKER)
    assert client.get("/users/me", headers=alice.headers).status_code == 200  # an ordinary route
    run_sql(own_postgres, MARKER)

    hot, ordinary = statements_of_the_app(own_postgres, 0), statements_of_the_app(own_postgres, 1)
    assert len(hot) == 1
    assert hot[0].startswith("SELECT skills.id, skills.name")
    assert len(ordinary) == 1
    assert ordinary[0].startswith("SELECT users.")

"""What a read sends to PostgreSQL, read from the server's own statement log: a read-only
request sends its queries and nothing else (no BEGIN, no ROLLBACK, no ping before use), and a
profile that other modules add to and hide is still one query."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.accounts import sign_up_through
from hobbymatch_testkit.postgres import TemporaryPostgres

from core.main import create_app, start_modules, stop_modules
from tests.faults.servers import run_sql

MARKER = "SELECT 'hobbymatch-test-marker'"


@contextmanager
def logging_app(server: TemporaryPostgres, modules: Sequence[str]) -> Iterator[FastAPI]:
    """An app of ``modules`` on a PostgreSQL that logs every statement, with the
    application's name."""
    run_sql(server, "ALTER SYSTEM SET log_statement = 'all'")
    run_sql(server, "ALTER SYSTEM SET log_line_prefix = '%a| '")
    run_sql(server, "SELECT pg_reload_conf()")
    application = create_app(make_test_settings(server.url, modules=list(modules)))
    start_modules(application)
    yield application
    stop_modules(application)


@pytest.fixture
def logged_app(own_postgres: TemporaryPostgres) -> Iterator[FastAPI]:
    """The users and skills modules' app, logging every statement."""
    with logging_app(own_postgres, ["users", "skills"]) as application:
        yield application


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


def test_a_profile_with_extras_and_hiding_is_one_query(own_postgres: TemporaryPostgres) -> None:
    # blocks hides people (users_hidden_from), meetups and references add to the profile
    # (users_profile_extras): all of it is folded into the profile's own query.
    modules = ["users", "skills", "places", "notifications", "matches", "messages", "meetups"]
    with logging_app(own_postgres, [*modules, "blocks", "references"]) as application:
        client = TestClient(application)
        alice, bob = sign_up_through(client), sign_up_through(client)
        client.get(f"/users/{bob.id}", headers=alice.headers)  # opens the read pool
        run_sql(own_postgres, MARKER)
        profile = client.get(f"/users/{bob.id}", headers=alice.headers)
        run_sql(own_postgres, MARKER)

    assert set(profile.json()["extras"]) == {"meetups_reliability", "references"}
    caller, read = statements_of_the_app(own_postgres, 0)  # (the log's first line of each)
    assert caller.startswith("SELECT users.")  # the token's user
    assert read.startswith("SELECT users.")
    assert "(SELECT count(*)" in read  # the extras' columns

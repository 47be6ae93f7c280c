"""Reads from a streaming replica: a client always reads its own writes, other clients' reads
are served by the replica, and a replica that stops loses no request."""

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit import empty_all_tables, make_test_settings
from hobbymatch_testkit.accounts import sign_up_through
from hobbymatch_testkit.postgres import TemporaryPostgres

from core.main import create_app, start_modules, stop_modules
from core.platform import Platform
from tests.faults.servers import run_sql


@pytest.fixture
def replica(postgres_server: TemporaryPostgres) -> Iterator[TemporaryPostgres]:
    """A hot standby streaming from the session's PostgreSQL."""
    standby = TemporaryPostgres(primary=postgres_server, in_memory=True)
    try:
        standby.start()
        yield standby
    finally:
        standby.cleanup()


@pytest.fixture
def replica_app(
    postgres_server: TemporaryPostgres, replica: TemporaryPostgres
) -> Iterator[FastAPI]:
    """The app on the primary, reading from ``replica`` where its routes allow it."""
    settings = make_test_settings(
        postgres_server.url,
        modules=["users", "skills"],
        replica_urls=[replica.url],
        replica_max_lag=60,
    )
    application = create_app(settings)
    empty_all_tables(Platform.of(application).engine)
    start_modules(application)
    yield application
    stop_modules(application)


def wait_until(condition: str, server: TemporaryPostgres) -> None:
    """Wait until ``condition`` (SQL) holds on ``server``, for at most 30 s."""
    deadline = time.monotonic() + 30
    while not run_sql(server, f"SELECT {condition}"):
        if time.monotonic() > deadline:
            raise TimeoutError(condition)
        time.sleep(0.02)


def catch_up(primary: TemporaryPostgres, replica: TemporaryPostgres) -> None:
    """Wait until ``replica`` has replayed everything ``primary`` has written so far."""
    position = run_sql(primary, "SELECT pg_current_wal_lsn()::text")
    wait_until(f"pg_last_wal_replay_lsn() >= '{position}'::pg_lsn", replica)


def skill_ids(answer: list[dict[str, object]]) -> list[object]:
    """The skill ids of a ``GET .../skills`` answer."""
    return [entry["skill"]["id"] for entry in answer]  # type: ignore[index]


def test_a_client_reads_its_own_writes_while_others_read_the_replica(
    replica_app: FastAPI, postgres_server: TemporaryPostgres, replica: TemporaryPostgres
) -> None:
    writer, reader = TestClient(replica_app), TestClient(replica_app)
    # Bob signs up on a client of his own: a client that wrote reads the primary for a while.
    alice, bob = sign_up_through(writer), sign_up_through(TestClient(replica_app))
    catalog = [skill["id"] for skill in reader.get("/skills?limit=20").json()["items"]]
    catch_up(postgres_server, replica)
    # The replica stops replaying: whatever alice writes from now on, only the primary has.
    run_sql(replica, "SELECT pg_wal_replay_pause()")
    scans = "SELECT seq_scan + idx_scan FROM pg_stat_user_tables WHERE relname = 'user_skills'"
    scans_before = run_sql(replica, scans)

    own_reads, others_reads = [], []
    for skill_id in catalog[:10]:
        chosen = [{"skill_id": skill_id, "intent": "teach"}]
        assert writer.put("/users/me/skills", json=chosen, headers=alice.headers).status_code == 200
        own_reads.append(skill_ids(writer.get("/users/me/skills", headers=alice.headers).json()))
        theirs = reader.get(f"/users/{alice.id}/skills", headers=bob.headers)
        others_reads.append(skill_ids(theirs.json()))

    assert own_reads == [[skill_id] for skill_id in catalog[:10]]
    assert others_reads == [[]] * 10  # the paused replica answered them
    replicas = Platform.of(replica_app).replicas
    assert replicas is not None
    replicas.stop()  # the replica's backends end, and report what they read
    wait_until(f"({scans}) > {scans_before}", replica)
    run_sql(replica, "SELECT pg_wal_replay_resume()")


def test_stopping_the_replica_loses_no_request(
    replica_app: FastAPI, postgres_server: TemporaryPostgres, replica: TemporaryPostgres
) -> None:
    reader = TestClient(replica_app)
    alice, bob = sign_up_through(TestClient(replica_app)), sign_up_through(reader)
    catch_up(postgres_server, replica)
    statuses: list[int] = []
    stopped = threading.Event()

    def read_on() -> None:
        while not stopped.is_set() or len(statuses) < 40:
            statuses.append(reader.get(f"/users/{alice.id}", headers=bob.headers).status_code)
            statuses.append(reader.get("/skills?q=gu").status_code)

    readers = threading.Thread(target=read_on)
    readers.start()
    while len(statuses) < 20:
        time.sleep(0.01)
    replica.stop()
    stopped.set()
    count_at_stop = len(statuses)
    readers.join(timeout=60)

    assert not readers.is_alive()
    assert len(statuses) > count_at_stop
    assert statuses == [200] * len(statuses)

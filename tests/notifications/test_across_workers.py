"""A notification committed through one server process reaches a stream held open on another
within a second: PostgreSQL's NOTIFY across processes (and machines), polling on SQLite."""

import time
from pathlib import Path

import httpx2
from fastapi import FastAPI

from modules.users.testing import sign_up_through
from tests.faults.servers import serving
from tests.notifications.streams import EventReader

SECRET = "a-shared-secret-key-for-both-test-servers-0123456789"


def test_a_notification_reaches_a_stream_on_another_worker(
    app: FastAPI, database_url: str, tmp_path: Path
) -> None:
    shared = {"HOBBYMATCH_DATABASE_URL": database_url, "HOBBYMATCH_USERS_SECRET_KEY": SECRET}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        serving(tmp_path / "a", shared) as (first_worker, _),
        serving(tmp_path / "b", shared) as (second_worker, _),
        httpx2.Client(base_url=first_worker) as first,
        httpx2.Client(base_url=second_worker) as second,
    ):
        ana, ben = sign_up_through(second), sign_up_through(first)  # type: ignore[arg-type]
        ticket = first.post("/notifications/stream-tickets", headers=ben.headers).json()["ticket"]
        reader = EventReader(first_worker, f"/notifications/stream?ticket={ticket}")
        try:
            time.sleep(0.5)  # the stream is open and listening
            sent = second.post(
                "/matches/requests", json={"user_id": str(ben.id)}, headers=ana.headers
            )
            committed = time.monotonic()
            assert sent.status_code == 201, sent.text
            event = reader.next_event(timeout=5)
            assert event.data["subject_id"] == sent.json()["id"]
            assert event.received_at - committed < 1.0
        finally:
            reader.close()

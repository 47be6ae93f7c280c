"""Live notifications when the app's database URL points at PgBouncer in transaction mode:
``LISTEN`` cannot work through it, so each worker listens on its own direct connection
(``HOBBYMATCH_NOTIFICATIONS_LISTEN_URL``), while the ``NOTIFY`` of each notification goes
through PgBouncer inside its transaction."""

import time
from pathlib import Path

import httpx2

from core.postgres_server import TemporaryPgBouncer, TemporaryPostgres
from modules.users.testing import sign_up_through
from tests.faults.servers import serving_many
from tests.notifications.streams import EventReader

SECRET = "a-secret-key-shared-by-the-pooled-test-servers-0123456789"


def test_a_notification_reaches_a_stream_through_pgbouncer(
    tmp_path: Path, postgres_server: TemporaryPostgres, pgbouncer: TemporaryPgBouncer
) -> None:
    settings = {
        "HOBBYMATCH_DATABASE_URL": pgbouncer.url,
        "HOBBYMATCH_NOTIFICATIONS_LISTEN_URL": postgres_server.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
    }
    with serving_many(tmp_path, 2, settings) as servers:
        (listening, _), (writing, _) = servers
        with httpx2.Client(base_url=listening) as first, httpx2.Client(base_url=writing) as second:
            ana, ben = sign_up_through(second), sign_up_through(first)  # type: ignore[arg-type]
            ticket = first.post("/notifications/stream-tickets", headers=ben.headers)
            reader = EventReader(
                listening, f"/notifications/stream?ticket={ticket.json()['ticket']}"
            )
            try:
                time.sleep(0.5)  # the stream is open and its worker listening
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

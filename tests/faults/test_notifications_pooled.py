"""Live notifications when the app's database URL points at PgBouncer in transaction mode:
``LISTEN`` cannot work through it, so each worker listens on its own direct connection
(``HOBBYMATCH_NOTIFICATIONS_LISTEN_URL``), while the ``NOTIFY`` of each notification goes
through PgBouncer inside its transaction."""

from pathlib import Path

from hobbymatch_testkit.postgres import TemporaryPgBouncer, TemporaryPostgres

from tests.faults.servers import serving_many
from tests.notifications.streams import assert_request_reaches_stream_on_other_server

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
        assert_request_reaches_stream_on_other_server(listening, writing)

"""A notification committed through one server process reaches a stream held open on another
within a second: PostgreSQL's NOTIFY across processes (and machines), polling on SQLite."""

from pathlib import Path

from fastapi import FastAPI

from tests.faults.servers import serving
from tests.notifications.streams import assert_request_reaches_stream_on_other_server

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
    ):
        assert_request_reaches_stream_on_other_server(first_worker, second_worker)

"""A notification committed through one server process reaches a stream held open on another
within a second: PostgreSQL's NOTIFY across processes (and machines), polling on SQLite. A
password changed through one ends, within a second, the stream held open on another."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.faults.servers import serving
from tests.notifications.streams import (
    assert_password_change_ends_stream_on_other_server,
    assert_request_reaches_stream_on_other_server,
)

SECRET = "a-shared-secret-key-for-both-test-servers-0123456789"


@pytest.fixture
def two_workers(app: FastAPI, database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two ``hobbymatch serve`` processes on the test's database; their base URLs."""
    shared = {"HOBBYMATCH_DATABASE_URL": database_url, "HOBBYMATCH_USERS_SECRET_KEY": SECRET}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        serving(tmp_path / "a", shared) as (first_worker, _),
        serving(tmp_path / "b", shared) as (second_worker, _),
    ):
        yield first_worker, second_worker


def test_a_notification_reaches_a_stream_on_another_worker(two_workers: tuple[str, str]) -> None:
    assert_request_reaches_stream_on_other_server(*two_workers)


def test_a_password_change_on_one_worker_ends_a_stream_on_another(
    two_workers: tuple[str, str],
) -> None:
    assert_password_change_ends_stream_on_other_server(*two_workers)

"""A notification committed through one server process reaches a stream held open on another
within a second: PostgreSQL's NOTIFY across processes (and machines), polling on SQLite. A
password changed through one ends, within a second, the stream held open on another."""

from collections.abc import Iterator

import pytest

from tests.faults.servers import serving_many
from tests.notifications.streams import (
    assert_password_change_ends_stream_on_other_server,
    assert_request_reaches_stream_on_other_server,
)

SECRET = "a-shared-secret-key-for-both-test-servers-0123456789"


@pytest.fixture(scope="module")
def two_workers(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """Two ``hobbymatch serve`` processes on the tests' database (they create its tables),
    started at once and serving both tests of this file on a backend; their base URLs."""
    shared = {"HOBBYMATCH_DATABASE_URL": database_url, "HOBBYMATCH_USERS_SECRET_KEY": SECRET}
    folder = tmp_path_factory.mktemp("two-workers")
    with serving_many(folder, 2, shared) as [(first_worker, _), (second_worker, _)]:
        yield first_worker, second_worker


@pytest.mark.usefixtures("app")  # an app of the test's own empties the tables first
def test_a_notification_reaches_a_stream_on_another_worker(two_workers: tuple[str, str]) -> None:
    assert_request_reaches_stream_on_other_server(*two_workers)


@pytest.mark.usefixtures("app")
def test_a_password_change_on_one_worker_ends_a_stream_on_another(
    two_workers: tuple[str, str],
) -> None:
    assert_password_change_ends_stream_on_other_server(*two_workers)

"""Workers that start at the same moment on a fresh database all start (``--workers N``)."""

from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from hobbymatch_testkit import make_test_settings

from core.main import create_app, start_modules
from tests.fresh_processes import fresh_processes

WORKERS = 3


def start_worker(database_url: str, barrier: Barrier) -> None:
    """Build the app, wait for the other workers, then prepare the schema and start."""
    app = create_app(make_test_settings(database_url))
    barrier.wait()
    start_modules(app)


@pytest.mark.parametrize("attempt", range(2))
def test_workers_starting_together_on_a_fresh_sqlite_file_all_start(
    tmp_path: Path, attempt: int
) -> None:
    url = f"sqlite:///{tmp_path / f'fresh-{attempt}.db'}"
    context = fresh_processes()
    barrier = context.Barrier(WORKERS)
    workers = [context.Process(target=start_worker, args=(url, barrier)) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * WORKERS

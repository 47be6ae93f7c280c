"""The measurement behind the jobs' queue (issue 26): procrastinate against the core's own
table claimed with ``FOR UPDATE SKIP LOCKED``, on the test kit's throwaway PostgreSQL, in one
run, one after the other, three rounds each.

Each round defers N jobs that do nothing inside one SQLAlchemy transaction — procrastinate
through its SQLAlchemy connector on the session's own connection (``configure(connection=)``,
procrastinate 3.8+), as a module's request would — then one worker in this process drains them
(procrastinate's async worker with ``wait=False``; the core's :class:`core.worker.Worker`).
Prints the microseconds per deferral and the jobs per second of the drain, best of the rounds.

procrastinate is not a dependency of the project; run this in an environment of its own::

    python3 -m venv /tmp/queue-choice
    /tmp/queue-choice/bin/pip install -e . -e ./testkit 'procrastinate>=3.10' \
        'psycopg[binary,pool]>=3.2'
    /tmp/queue-choice/bin/python bench/queue_choice.py
"""

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import procrastinate
from hobbymatch_testkit.postgres import TemporaryPostgres
from job_module import write_job_module
from procrastinate.contrib.sqlalchemy import SQLAlchemyPsycopg2Connector
from sqlalchemy import create_engine

from core import defer
from core.config import load_settings
from core.main import create_app, start_modules
from core.platform import Platform
from core.worker import Worker


def main() -> None:
    """Measure both queues and print one JSON line per queue."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    server = TemporaryPostgres()
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="hobbymatch-queue-choice-") as folder:
            queues = {
                "skip_locked_table": _core_queue(server.url, Path(folder)),
                "procrastinate": _procrastinate_queue(server.url),
            }
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in queues}
            for _round in range(arguments.rounds):
                for name, queue in queues.items():
                    results[name].append(queue(arguments.jobs))
            for name, rounds in results.items():
                defer_us = min(defer_seconds for defer_seconds, _ in rounds) / arguments.jobs
                drain = min(drain_seconds for _, drain_seconds in rounds)
                print(
                    json.dumps(
                        {
                            "queue": name,
                            "jobs": arguments.jobs,
                            "defer_us_per_job": round(defer_us * 1e6),
                            "jobs_per_second_one_worker": round(arguments.jobs / drain),
                        }
                    )
                )
    finally:
        server.cleanup()


Queue = Callable[[int], tuple[float, float]]


def _core_queue(url: str, folder: Path) -> Queue:
    settings = load_settings(
        None,
        database_url=url,
        modules=["bench_jobs"],
        module_paths=[write_job_module(folder)],
        jobs_in_process=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    start_modules(app)
    platform = Platform.of(app)
    worker = Worker(platform)

    def run(jobs: int) -> tuple[float, float]:
        started = time.perf_counter()
        with platform.session_factory() as db:
            for key in range(jobs):
                defer(db, "bench_jobs.noop", {"key": key})
            db.commit()
        deferred = time.perf_counter()
        assert worker.run_until_idle() == jobs
        return deferred - started, time.perf_counter() - deferred

    return run


def _procrastinate_queue(url: str) -> Queue:
    engine = create_engine(url)
    deferring = procrastinate.App(connector=SQLAlchemyPsycopg2Connector())
    deferring.open(engine)
    libpq_url = url.replace("postgresql+psycopg2://", "postgresql://")
    working = deferring.with_connector(procrastinate.PsycopgConnector(conninfo=libpq_url))
    # Through psycopg 3: procrastinate 3.10's SQLAlchemy connector fails on its own schema
    # ("too many parameters specified for RAISE": it doubles the schema's % signs).
    asyncio.run(_apply_schema(working))

    noop = deferring.task(name="noop")(_do_nothing)

    def run(jobs: int) -> tuple[float, float]:
        started = time.perf_counter()
        with engine.connect() as connection:
            deferrer = noop.configure(connection=connection)
            for key in range(jobs):
                deferrer.defer(key=key)
            connection.commit()
        deferred = time.perf_counter()
        asyncio.run(_drain(working))
        return deferred - started, time.perf_counter() - deferred

    return run


async def _apply_schema(app: Any) -> None:
    async with app.open_async():
        await app.schema_manager.apply_schema_async()


def _do_nothing(key: int) -> None:
    """procrastinate's job: nothing, so that the queue's own cost is what is measured."""


async def _drain(app: Any) -> None:
    async with app.open_async():
        await app.run_worker_async(
            wait=False,
            concurrency=1,
            install_signal_handlers=False,
            listen_notify=False,
            delete_jobs="successful",
        )


if __name__ == "__main__":
    main()

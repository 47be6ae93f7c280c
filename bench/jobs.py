"""Benchmark: jobs through the PostgreSQL queue (issue 26), beside ``GET /health`` in the same
run.

Starts a throwaway PostgreSQL and writes a throwaway module whose job notes when it started
(bench/job_module.py), then starts ``hobbymatch worker`` processes on it, which ``LISTEN`` for
deferrals. For one worker, then two, prints:

- ``jobs_per_second``: N jobs deferred in one transaction, from its commit until the queue is
  empty;
- ``commit_to_start_ms``: one job at a time, from its deferral's commit returning to the job's
  first line (the wall clock of one machine), median and 95th percentile;

each over ``GET /health`` sent straight to the ASGI app in process (every middleware,
FastAPI; no database) in the same run, as bench/request_cost.py sends it: its requests per
second, and its milliseconds per request. Both workers start at once; the second is stopped
(SIGSTOP) while the first is measured alone. ``--quick``: 200 jobs and 20 latencies, in well
under 15 s on the 2-core machine.
"""

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI
from hobbymatch_testkit.postgres import TemporaryPostgres
from job_module import write_job_module
from serving import BIN
from sqlalchemy import text
from starlette.types import Message

from core import defer
from core.config import load_settings
from core.job_queue import CHANNEL
from core.main import create_app, start_modules, stop_modules
from core.platform import Platform

POLL_SECONDS = 0.005


def main() -> None:
    """Measure and print one JSON line per figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=3000)
    parser.add_argument("--latencies", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="200 jobs, 20 latencies")
    arguments = parser.parse_args()
    jobs, latencies = (200, 20) if arguments.quick else (arguments.jobs, arguments.latencies)
    server = TemporaryPostgres()
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="hobbymatch-bench-jobs-") as folder:
            modules = write_job_module(Path(folder))
            # The workers start while this process builds its app; /health is measured once
            # they wait, and the second waits stopped while the first is measured alone.
            with _workers(server.url, modules, count=2) as (_first, second):
                app = _started_app(server.url, modules)
                _wait_for_listeners(Platform.of(app), 2)
                second.send_signal(signal.SIGSTOP)
                health_seconds = asyncio.run(_health_seconds(app, requests=jobs * 5))
                _measure(app, 1, jobs, latencies, health_seconds)
                second.send_signal(signal.SIGCONT)
                _measure(app, 2, jobs, latencies, health_seconds)
            stop_modules(app)
    finally:
        server.cleanup()


def _started_app(url: str, modules: Path) -> FastAPI:
    settings = load_settings(
        None,
        database_url=url,
        modules=["bench_jobs"],
        module_paths=[modules],
        jobs_in_process=False,
        log_level="WARNING",
    )
    app = create_app(settings)
    start_modules(app)
    return app


async def _health_seconds(app: FastAPI, requests: int) -> float:
    """Mean seconds of ``GET /health`` sent straight to the ASGI app, after a warm-up."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/health",
        "raw_path": b"/health",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }
    statuses: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for round_requests in (100, requests):
        started = time.perf_counter()
        for _ in range(round_requests):
            await app(dict(scope), receive, send)
        seconds = (time.perf_counter() - started) / round_requests
    assert set(statuses) == {200}, statuses
    return seconds


@contextmanager
def _workers(url: str, modules: Path, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` ``hobbymatch worker`` processes, started at once, stopped (SIGTERM) after."""
    environment = {key: value for key, value in os.environ.items() if "HOBBYMATCH" not in key}
    environment.update(
        HOBBYMATCH_DATABASE_URL=url,
        HOBBYMATCH_MODULES="bench_jobs",
        HOBBYMATCH_MODULE_PATHS=str(modules),
        HOBBYMATCH_LOG_LEVEL="WARNING",
    )
    command = [str(BIN / "hobbymatch"), "worker"]
    processes = [subprocess.Popen(command, env=environment) for _ in range(count)]
    try:
        yield processes
    finally:
        for process in processes:
            process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def _measure(app: FastAPI, workers: int, jobs: int, latencies: int, health_seconds: float) -> None:
    platform = Platform.of(app)
    _empty(platform)
    _drain(platform, _defer_notes(platform, range(workers * 10)))  # warm up
    _empty(platform)
    committed = _defer_notes(platform, range(jobs))
    seconds = _drain(platform, committed)
    per_second = jobs / seconds
    health_per_second = 1 / health_seconds
    print(
        json.dumps(
            {
                "measure": "jobs_per_second",
                "workers": workers,
                "value": round(per_second),
                "health_per_second": round(health_per_second),
                "over_health": round(per_second / health_per_second, 4),
            }
        )
    )
    _empty(platform)
    waits = [_commit_to_start(platform, key) for key in range(latencies)]
    median, p95 = statistics.median(waits), statistics.quantiles(waits, n=20)[-1]
    print(
        json.dumps(
            {
                "measure": "commit_to_start_ms",
                "workers": workers,
                "p50": round(median * 1000, 2),
                "p95": round(p95 * 1000, 2),
                "health_ms": round(health_seconds * 1000, 3),
                "p50_over_health": round(median / health_seconds, 1),
            }
        )
    )


def _wait_for_listeners(platform: Platform, workers: int) -> None:
    """Wait until ``workers`` worker processes listen for deferrals: they are up."""
    query = text("SELECT count(*) FROM pg_stat_activity WHERE query = 'LISTEN ' || :channel")
    with platform.engine.connect() as connection:
        while connection.execute(query, {"channel": CHANNEL}).scalar_one() < workers:
            connection.rollback()
            time.sleep(POLL_SECONDS)


def _defer_notes(platform: Platform, keys: range) -> float:
    """Defer a ``note`` job for each key in one transaction; when its commit returned."""
    with platform.session_factory() as db:
        for key in keys:
            defer(db, "bench_jobs.note", {"key": key})
        db.commit()
    return time.time()


def _drain(platform: Platform, committed: float) -> float:
    """Wait until the queue is empty; the seconds from ``committed`` until the last job
    started."""
    with platform.engine.connect() as connection:
        while connection.execute(text("SELECT count(*) FROM hobbymatch_jobs")).scalar_one():
            connection.rollback()
            time.sleep(POLL_SECONDS)
        last: float = connection.execute(
            text("SELECT max(started_at) FROM bench_jobs_ran")
        ).scalar_one()
    return last - committed


def _commit_to_start(platform: Platform, key: int) -> float:
    committed = _defer_notes(platform, range(key, key + 1))
    query = text("SELECT started_at FROM bench_jobs_ran WHERE key = :key")
    with platform.engine.connect() as connection:
        while (started := connection.execute(query, {"key": key}).scalar()) is None:
            connection.rollback()
            time.sleep(POLL_SECONDS)
    return float(started) - committed


def _empty(platform: Platform) -> None:
    with platform.engine.begin() as connection:
        connection.execute(text("DELETE FROM bench_jobs_ran"))


if __name__ == "__main__":
    main()

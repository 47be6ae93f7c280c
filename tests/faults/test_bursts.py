"""Bursts: far more concurrent requests than database connections neither fail nor freeze.

Sync FastAPI apps are known to freeze here: every thread of the pool blocks waiting for a
database connection, while the sessions that would free one need a thread to close. Requests
beyond the connection pool now wait in the event loop instead.
"""

import os
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.database import POOL_SIZE
from tests.faults.test_shutdown import HOBBYMATCH, free_port, wait_until_healthy

CONCURRENT = POOL_SIZE * 6


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_burst_beyond_the_pool_is_served_without_errors(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")
    }
    environment["HOBBYMATCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'burst.db'}"
    server = subprocess.Popen(
        [HOBBYMATCH, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_healthy(base, time.monotonic() + 60)
        urls = [f"{base}/skills?q=guitar", f"{base}/users", f"{base}/ready"] * (CONCURRENT // 3)
        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            statuses = list(pool.map(status_of, urls))
        assert statuses == [200] * len(urls)
    finally:
        server.terminate()
        server.wait(timeout=30)

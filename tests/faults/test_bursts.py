"""Bursts: far more concurrent requests than database connections neither fail nor freeze.

Sync FastAPI apps are known to freeze here: every thread of the pool blocks waiting for a
database connection, while the sessions that would free one need a thread to close. Requests
beyond the connection pool now wait in the event loop instead.
"""

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.config import load_settings
from tests.faults.servers import serving

CONCURRENT = load_settings(None).database_pool_size * 6


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_burst_beyond_the_pool_is_served_without_errors(tmp_path: Path) -> None:
    with serving(tmp_path) as (base, _server):
        urls = [f"{base}/skills?q=guitar", f"{base}/skills/1", f"{base}/ready"] * (CONCURRENT // 3)
        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            statuses = list(pool.map(status_of, urls))
    assert statuses == [200] * len(urls)

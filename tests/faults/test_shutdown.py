"""Shutdown: on SIGTERM, Uvicorn finishes the requests in flight and the process exits 0."""

import json
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.faults.servers import serving


def register(base: str, number: int) -> int:
    body = json.dumps(
        {
            "email": f"late{number}@example.com",
            "password": "slow argon2 hash",
            "display_name": "Late",
        }
    )
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/users",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return int(response.status)


def test_sigterm_finishes_in_flight_requests_and_exits_0(tmp_path: Path) -> None:
    with serving(tmp_path) as (base, server), ThreadPoolExecutor(max_workers=6) as pool:
        # Six Argon2 hashes on two cores keep requests in flight for a second or more.
        in_flight = [pool.submit(register, base, number) for number in range(6)]
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        statuses = [future.result() for future in in_flight]
        assert statuses == [201] * 6
        assert server.wait(timeout=30) == 0
    assert "Finished server process" in (tmp_path / "server.log").read_text()

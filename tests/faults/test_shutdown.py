"""Shutdown: on SIGTERM, Uvicorn finishes the requests in flight and the process exits 0."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HOBBYMATCH = str(Path(sys.executable).parent / "hobbymatch")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the server did not become healthy")


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
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")
    }
    environment["HOBBYMATCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'shutdown.db'}"
    server = subprocess.Popen(
        [HOBBYMATCH, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until_healthy(base, time.monotonic() + 60)
        with ThreadPoolExecutor(max_workers=6) as pool:
            # Six Argon2 hashes on two cores keep requests in flight for a second or more.
            in_flight = [pool.submit(register, base, number) for number in range(6)]
            time.sleep(0.3)
            server.send_signal(signal.SIGTERM)
            statuses = [future.result() for future in in_flight]
        assert statuses == [201] * 6
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
        output = server.communicate()[0]
    assert "Finished server process" in output

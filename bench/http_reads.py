"""Benchmark: GET /users/{id} served by HobbyMatch beside the floor, in the same run.

Starts a throwaway PostgreSQL, seeds N users, then for 1 and 2 Uvicorn workers serves the same
read twice — the floor (bench/floor_app.py: bare Starlette, one raw psycopg query, async pool)
and HobbyMatch (`hobbymatch serve`) — and drives each with wrk from this machine (random user
ids). Prints requests/s, p50, p99 and errors, and HobbyMatch's ratio to the floor.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/http_reads.py --users 10000

Needs Debian's wrk (installed when missing).
"""

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

from core.postgres_server import TemporaryPostgres

BENCH = Path(__file__).resolve().parent
ROW = "{:<11} {:>7} {:>5} {:>8} {:>8} {:>8} {:>7} {:>7}"
BIN = Path(sys.executable).parent


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 256])
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    server = TemporaryPostgres()
    server.start()
    try:
        run(server, arguments.users, arguments.seconds, arguments.connections)
    finally:
        server.cleanup()


def run(server: TemporaryPostgres, users: int, seconds: int, connection_counts: list[int]) -> None:
    """Seed, then measure the floor and HobbyMatch at 1 and 2 workers."""
    environment = {
        **os.environ,
        "HOBBYMATCH_DATABASE_URL": server.url,
        "HOBBYMATCH_SECRET_KEY": "bench-" + "k" * 40,
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
        "BENCH_DSN": f"host=127.0.0.1 port={server.port} user=postgres dbname={server.database}",
    }
    subprocess.run(
        [str(BIN / "hobbymatch"), "seed", "--users", str(users)],
        env=environment,
        check=True,
        capture_output=True,
    )
    engine = create_engine(server.url)
    with engine.connect() as connection:
        ids = [str(row[0]) for row in connection.execute(text("SELECT id FROM users"))]
    engine.dispose()
    script = _wrk_script(random.Random(1).sample(ids, min(1000, len(ids))))
    print(f"GET /users/{{id}}: {users} users, wrk -t1 for {seconds} s, PostgreSQL 15 on loopback\n")
    print(ROW.format("app", "workers", "conns", "req/s", "p50 ms", "p99 ms", "errors", "/floor"))
    floor_command = [
        str(BIN / "uvicorn"),
        "floor_app:app",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    for workers in (1, 2):
        for connections in connection_counts:
            floor = measure(floor_command, workers, connections, environment, script, seconds)
            ours = measure(
                [str(BIN / "hobbymatch"), "serve"],
                workers,
                connections,
                environment,
                script,
                seconds,
            )
            for name, figures in (("floor", floor), ("hobbymatch", ours)):
                ratio = figures["rps"] / floor["rps"] if floor["rps"] else 0.0
                print(
                    ROW.format(
                        name,
                        workers,
                        connections,
                        f"{figures['rps']:.0f}",
                        f"{figures['p50']:.2f}",
                        f"{figures['p99']:.2f}",
                        f"{figures['errors']:.0f}",
                        f"{ratio:.2f}",
                    )
                )


def measure(
    command: list[str],
    workers: int,
    connections: int,
    environment: dict[str, str],
    script: Path,
    seconds: int,
) -> dict[str, float]:
    """Serve with ``command`` on a free port, drive it with wrk, stop it, return the figures."""
    port = _free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        env=environment,
        cwd=BENCH,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/users/00000000-0000-0000-0000-000000000000")
        output = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "5s",
                "--latency",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        process.terminate()
        process.wait(timeout=30)
    return _parse_wrk(output)


def _parse_wrk(output: str) -> dict[str, float]:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
        if match is None:
            return float("nan")
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    requests = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(value) for value in socket_errors.groups()) if socket_errors else 0
    return {
        "rps": float(requests.group(1)) if requests else 0.0,
        "p50": latency("50"),
        "p99": latency("99"),
        "errors": errors,
    }


def _wrk_script(ids: list[str]) -> Path:
    listed = ",".join(f'"{user_id}"' for user_id in ids)
    script = Path(tempfile.mkdtemp()) / "users.lua"
    script.write_text(
        f"local ids = {{{listed}}}\n"
        "request = function() return wrk.format('GET', '/users/' .. ids[math.random(#ids)]) end\n"
    )
    return script


def _wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (loopback)
            return
        except urllib.error.HTTPError:
            return  # a 404 answer means the server is up
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    main()

"""Benchmark: HobbyMatch's endpoints over HTTP beside three baselines measured in the same run.

Starts a throwaway PostgreSQL, seeds it (``hobbymatch seed``), then for 1 and 2 Uvicorn
workers serves each app in turn on the same data and drives it with wrk from this machine:

- floor (bench/floor_app.py): bare Starlette, one raw psycopg query, async pool;
- single-file (bench/single_file_app.py): our endpoint code without the module system;
- plain (bench/plain_app.py): the endpoint as a first FastAPI tutorial writes it;
- hobbymatch: ``hobbymatch serve``, every endpoint of the table.

Prints requests/s, p50 and p99 latency and errors, each HobbyMatch figure as a ratio to the
baselines that serve the same endpoint, whether two workers shared the load, and a 256-connection
run; writes bench/results/http-load-<time>.json and .png.

    python3 -m venv .venv && .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/http_load.py

Needs Debian's wrk (installed when missing).
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from serving import BENCH, BIN, SECRET, free_port, wait_until_up
from sqlalchemy import create_engine, text

from core.postgres_server import TemporaryPostgres
from modules.users.security import issue_token

BASELINES = ("floor", "single-file", "plain")
UVICORN = [str(BIN / "uvicorn"), "--no-access-log", "--log-level", "warning"]
COMMANDS = {
    "floor": [*UVICORN, "floor_app:app"],
    "single-file": [*UVICORN, "single_file_app:app"],
    "plain": [*UVICORN, "plain_app:app"],
    "hobbymatch": [str(BIN / "hobbymatch"), "serve"],
}
SEARCHES = ("ch", "gu", "pa", "sw", "ro", "da", "yo", "co", "te", "ca", "pi", "ru")


@dataclass(frozen=True)
class Endpoint:
    """One row group of the table: what wrk sends, and which apps serve it."""

    name: str
    lua: str  # the body of wrk's request() function
    apps: tuple[str, ...]
    connections: int = 32


@dataclass
class Figures:
    """One wrk run."""

    app: str
    endpoint: str
    workers: int
    connections: int
    seconds: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    worker_share: float | None  # the busier worker's share of CPU, with 2 workers


def main() -> None:
    """Run the benchmark; print the table; write JSON and PNG results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--burst-seconds", type=int, default=30)
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    server = TemporaryPostgres()
    server.start()
    try:
        results = run(server, arguments.users, arguments.seconds, arguments.burst_seconds)
    finally:
        server.cleanup()
    write_results(results, arguments.users)


def run(server: TemporaryPostgres, users: int, seconds: int, burst_seconds: int) -> list[Figures]:
    """Seed, then measure every endpoint of every app at 1 and 2 workers, then the burst."""
    environment = {
        **os.environ,
        "HOBBYMATCH_DATABASE_URL": server.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
        "BENCH_DSN": f"host=127.0.0.1 port={server.port} user=postgres dbname={server.database}",
    }
    started = time.perf_counter()
    seed = [str(BIN / "hobbymatch"), "seed", "--users", str(users)]
    subprocess.run(seed, env=environment, check=True, capture_output=True)
    print(f"seeded {users} users x 10 skills in {time.perf_counter() - started:.0f} s")
    endpoints = endpoints_for(server.url)
    results: list[Figures] = []
    print(f"\nwrk -t1, {seconds} s per run, PostgreSQL 15 on loopback, {os.cpu_count()} cores\n")
    print_header()
    for workers in (1, 2):
        for endpoint in endpoints:
            row = [
                measure(app, endpoint, workers, endpoint.connections, seconds, environment)
                for app in endpoint.apps
            ]
            results += row
            print_rows(row)
    burst = endpoints[1]
    print(f"\nburst: {burst.name}, 256 connections, {burst_seconds} s, 2 workers")
    print_header()
    row = [measure("hobbymatch", burst, 2, 256, burst_seconds, environment)]
    results += row
    print_rows(row)
    return results


def endpoints_for(url: str) -> list[Endpoint]:
    """The endpoints of the table, with wrk scripts over the seeded data."""
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = [str(row[0]) for row in connection.execute(text("SELECT id FROM users LIMIT 2000"))]
        skill_ids = [int(row[0]) for row in connection.execute(text("SELECT id FROM skills"))]
    engine.dispose()
    draw = random.Random(1)
    sample = draw.sample(ids, min(1000, len(ids)))
    tokens = [
        issue_token(
            user_id=uuid.UUID(user_id),
            token_version=0,
            secret_key=SECRET,
            lifetime=timedelta(hours=2),
        )
        for user_id in sample[:300]
    ]
    lists = [
        json.dumps(
            [
                {"skill_id": skill, "intent": draw.choice(["share", "teach", "learn"])}
                for skill in draw.sample(skill_ids, 3)
            ]
        )
        for _ in range(100)
    ]
    data = (
        f"local ids = {lua_list(sample)}\n"
        f"local tokens = {lua_list(tokens)}\n"
        f"local searches = {lua_list(SEARCHES)}\n"
        f"local lists = {lua_list(lists)}\n"
        "local function pick(t) return t[math.random(#t)] end\n"
        "local function auth() return {Authorization = 'Bearer ' .. pick(tokens),"
        " ['Content-Type'] = 'application/json'} end\n"
    )
    everyone = (*BASELINES, "hobbymatch")
    specs = [
        Endpoint("GET /health", "return wrk.format('GET', '/health')", everyone),
        Endpoint("GET /users/{id}", "return wrk.format('GET', '/users/' .. pick(ids))", everyone),
        Endpoint("GET /users/me", "return wrk.format('GET', '/users/me', auth())", ("hobbymatch",)),
        Endpoint(
            "GET /skills?q=",
            "return wrk.format('GET', '/skills?q=' .. pick(searches))",
            ("hobbymatch",),
        ),
        Endpoint(
            "PUT /users/me/skills",
            "return wrk.format('PUT', '/users/me/skills', auth(), pick(lists))",
            ("hobbymatch",),
        ),
        Endpoint(
            "GET /matches",
            "return wrk.format('GET', '/matches?type=shared', auth())",
            ("hobbymatch",),
            connections=8,
        ),
    ]
    return [
        Endpoint(
            spec.name, data + f"request = function() {spec.lua} end\n", spec.apps, spec.connections
        )
        for spec in specs
    ]


def lua_list(values: list[str] | tuple[str, ...]) -> str:
    """A Lua table literal of strings."""
    return "{" + ",".join(json.dumps(value) for value in values) + "}"


def measure(
    app: str,
    endpoint: Endpoint,
    workers: int,
    connections: int,
    seconds: int,
    environment: dict[str, str],
) -> Figures:
    """Serve ``app`` on a free port, drive ``endpoint`` with wrk, stop it, return the figures."""
    port = free_port()
    process = subprocess.Popen(
        [*COMMANDS[app], "--port", str(port), "--workers", str(workers)],
        env=environment,
        cwd=BENCH,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    script = Path(tempfile.mkdtemp()) / "request.lua"
    script.write_text(endpoint.lua)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process)
        if workers > 1:
            # /health answered from the first worker up; let the others finish their startup
            # too, or the first one takes every connection wrk opens.
            time.sleep(5)
        before = _worker_cpu(process.pid)
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
        after = _worker_cpu(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)
    share = None
    if workers > 1:
        used = [after[pid] - before.get(pid, 0) for pid in after]
        share = max(used) / sum(used) if sum(used) else None
    rps, p50, p99, errors = _parse_wrk(output)
    return Figures(app, endpoint.name, workers, connections, seconds, rps, p50, p99, errors, share)


def print_header() -> None:
    """The table's header."""
    print(
        ROW.format(
            "endpoint",
            "app",
            "wk",
            "conns",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "busiest",
            "/floor",
            "/single",
            "/plain",
        )
    )


ROW = "{:<21} {:<12} {:>2} {:>5} {:>7} {:>7} {:>7} {:>6} {:>7} {:>6} {:>7} {:>6}"


def print_rows(row: list[Figures]) -> None:
    """One group of the table: the apps serving one endpoint, each with its ratios."""
    by_app = {figures.app: figures for figures in row}
    for figures in row:
        ratios = [
            f"{figures.rps / by_app[base].rps:.2f}"
            if base in by_app and base != figures.app and by_app[base].rps
            else "-"
            for base in BASELINES
        ]
        share = f"{figures.worker_share:.0%}" if figures.worker_share else "-"
        print(
            ROW.format(
                figures.endpoint,
                figures.app,
                figures.workers,
                figures.connections,
                f"{figures.rps:.0f}",
                f"{figures.p50_ms:.1f}",
                f"{figures.p99_ms:.1f}",
                figures.errors,
                share,
                *ratios,
            )
        )


def write_results(results: list[Figures], users: int) -> None:
    """bench/results/http-load-<time>.json and a PNG chart of requests/s beside it."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = BENCH / "results"
    folder.mkdir(exist_ok=True)
    meta = {
        "when": stamp,
        "users": users,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.platform(),
    }
    path = folder / f"http-load-{stamp}.json"
    path.write_text(json.dumps({"meta": meta, "runs": [asdict(r) for r in results]}, indent=1))
    chart(results, folder / f"http-load-{stamp}.png")
    print(f"\nwrote {path.relative_to(BENCH.parent)} and its .png")


def chart(results: list[Figures], path: Path) -> None:
    """Grouped bars: requests/s per endpoint and worker count, one bar per app."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(dict.fromkeys((r.endpoint, r.workers, r.connections) for r in results))
    apps = (*BASELINES, "hobbymatch")
    figure, axes = plt.subplots(figsize=(12, 5))
    width = 0.2
    for offset, app in enumerate(apps):
        values = [
            next(
                (
                    r.rps
                    for r in results
                    if (r.endpoint, r.workers, r.connections) == group and r.app == app
                ),
                0,
            )
            for group in groups
        ]
        positions = [index + (offset - 1.5) * width for index in range(len(groups))]
        axes.bar(positions, values, width, label=app)
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels(
        [f"{e}\n{w} wk, {c} conn" for e, w, c in groups], fontsize=7, rotation=30, ha="right"
    )
    axes.set_yscale("log")
    axes.set_ylabel("requests/s (log)")
    axes.set_title("HobbyMatch and its baselines, same run, same data (wrk, PostgreSQL 15)")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _worker_cpu(master: int) -> dict[int, int]:
    """CPU ticks used so far by each worker process of ``master`` (or by itself, alone)."""
    listed = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    pids = [int(pid) for pid in listed.stdout.split()] or [master]
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def _parse_wrk(output: str) -> tuple[float, float, float, int]:
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
    rps = float(requests.group(1)) if requests else 0.0
    return rps, latency("50"), latency("99"), errors


if __name__ == "__main__":
    main()

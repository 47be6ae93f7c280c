"""Benchmark: HobbyMatch's endpoints over HTTP beside four baselines measured in the same run.

Starts a throwaway PostgreSQL, seeds it (``hobbymatch seed``), then, in rounds (three by
default), for 1 and 2 Uvicorn workers serves each app in turn on the same data and drives it
with wrk from this machine; each round serves the apps in another order, so that a noisy
moment of the machine does not always fall on the same app:

- floor (bench/floor_app.py): bare Starlette, one raw psycopg query, async pool;
- single-file (bench/single_file_app.py): our endpoint code without the module system;
- plain (bench/plain_app.py): the endpoint as a first FastAPI tutorial writes it;
- users-only: ``hobbymatch serve`` with the users module alone (``HOBBYMATCH_MODULES=users``),
  the modules of the single-file app: beside it, the module system's own cost; beside
  hobbymatch, what the other modules add to the endpoint (their hooks' queries);
- hobbymatch: ``hobbymatch serve``, every endpoint of the table;
- before (with ``--before DIR``): the same, from the code in DIR (a checkout of an earlier
  commit, put first on ``PYTHONPATH``), to compare a change with the code before it.

Prints each round's requests/s, p50 and p99 latency and errors, then for every endpoint the
median over the rounds of HobbyMatch's requests/s and p99 as ratios to each baseline measured
in the same round, with the spread (lowest and highest round), and a 256-connection run; writes
bench/results/http-load-<time>.json and .png. ``--quick`` runs one short round on one worker,
each app served once for all its endpoints, into a temporary folder, in well under a minute.

    python3 -m venv .venv && .venv/bin/pip install -e '.[bench]' -e ./testkit
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
import statistics
import subprocess
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hobbymatch_testkit.postgres import TemporaryPostgres
from serving import BENCH, BIN, SECRET, free_port, wait_until_up
from sqlalchemy import create_engine, text

from modules.users.security import issue_token

BASELINES: tuple[str, ...] = ("floor", "single-file", "plain", "users-only")
UVICORN = [str(BIN / "uvicorn"), "--no-access-log", "--log-level", "warning"]
COMMANDS = {
    "floor": [*UVICORN, "floor_app:app"],
    "single-file": [*UVICORN, "single_file_app:app"],
    "plain": [*UVICORN, "plain_app:app"],
    "users-only": [str(BIN / "hobbymatch"), "serve"],
    "hobbymatch": [str(BIN / "hobbymatch"), "serve"],
}
# The checkout that the app "before" is served from (--before), if any.
BEFORE_PATH: list[str] = []
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
    round: int = 0


def main() -> None:
    """Run the benchmark; print the table; write JSON and PNG results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--burst-seconds", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="one short round, one worker, temporary results"
    )
    parser.add_argument(
        "--before", type=Path, help="a checkout of earlier code, served as the app 'before'"
    )
    parser.add_argument(
        "--endpoints",
        help="comma-separated endpoint names to measure (e.g. 'GET /health,GET /users/{id}'); "
        "all by default",
    )
    arguments = parser.parse_args()
    if arguments.before is not None:
        global BASELINES  # this run's baselines, read by every function below
        BASELINES = (*BASELINES, "before")
        COMMANDS["before"] = COMMANDS["hobbymatch"]
        BEFORE_PATH.append(str(arguments.before.resolve()))
    plan = Plan(
        users=200 if arguments.quick else arguments.users,
        seconds=1 if arguments.quick else arguments.seconds,
        burst_seconds=0 if arguments.quick else arguments.burst_seconds,
        rounds=1 if arguments.quick else arguments.rounds,
        workers=(1,) if arguments.quick else (1, 2),
        reuse_servers=arguments.quick,
        endpoints=tuple(name.strip() for name in (arguments.endpoints or "").split(",") if name),
    )
    if shutil.which("wrk") is None:
        install_wrk()
    server = TemporaryPostgres()
    server.start()
    try:
        results = run(server, plan)
    finally:
        server.cleanup()
    summary = summarize(results)
    folder = Path(tempfile.mkdtemp()) if arguments.quick else BENCH / "results"
    write_results(results, summary, plan, folder)


def install_wrk() -> None:
    """Install Debian's wrk, reading the package lists first when they are stale."""
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(install, check=True)


@dataclass(frozen=True)
class Plan:
    """How much to measure."""

    users: int
    seconds: int
    burst_seconds: int
    rounds: int
    workers: tuple[int, ...]
    reuse_servers: bool
    # The names of the endpoints to measure; empty: every one.
    endpoints: tuple[str, ...] = ()


class Servers:
    """The app servers of a run. Each measurement gets a server started for it, unless
    ``reuse`` (the quick mode): then one server per app and worker count serves every endpoint
    of the round, as a check that the benchmark runs needs no more."""

    def __init__(self, environment: dict[str, str], *, reuse: bool) -> None:
        self.environment = environment
        self.reuse = reuse
        self.running: dict[tuple[str, int], tuple[int, subprocess.Popen[bytes]]] = {}

    def get(self, app: str, workers: int) -> tuple[int, subprocess.Popen[bytes]]:
        """A healthy server of ``app`` with ``workers`` workers: its port and process."""
        if (app, workers) in self.running:
            return self.running[app, workers]
        port = free_port()
        environment = self.environment
        if app == "before":
            environment = {**environment, "PYTHONPATH": BEFORE_PATH[0]}
        if app == "users-only":
            environment = {**environment, "HOBBYMATCH_MODULES": "users"}
        process = subprocess.Popen(
            [*COMMANDS[app], "--port", str(port), "--workers", str(workers)],
            env=environment,
            cwd=BENCH,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.running[app, workers] = port, process
        wait_until_up(f"http://127.0.0.1:{port}/health", process)
        if workers > 1:
            # /health answered from the first worker up; let the others finish their startup
            # too, or the first one takes every connection wrk opens.
            time.sleep(5)
        return port, process

    def done_with(self, app: str, workers: int) -> None:
        """Stop that server, unless servers are reused."""
        if not self.reuse:
            self.stop(app, workers)

    def stop(self, app: str, workers: int) -> None:
        """Stop that server, if it runs."""
        _port, process = self.running.pop((app, workers), (0, None))
        if process is not None:
            process.terminate()
            process.wait(timeout=30)

    def stop_all(self) -> None:
        """Stop every server still running."""
        for app, workers in list(self.running):
            self.stop(app, workers)


def run(server: TemporaryPostgres, plan: Plan) -> list[Figures]:
    """Seed, then measure every endpoint of every app at each worker count, round after round
    (the apps in a new order each round), then the burst."""
    environment = {
        **os.environ,
        "HOBBYMATCH_DATABASE_URL": server.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
        "BENCH_DSN": f"host=127.0.0.1 port={server.port} user=postgres dbname={server.database}",
    }
    started = time.perf_counter()
    seed = [str(BIN / "hobbymatch"), "seed", "--users", str(plan.users)]
    subprocess.run(seed, env=environment, check=True, capture_output=True)
    print(f"seeded {plan.users} users x 10 skills in {time.perf_counter() - started:.0f} s")
    endpoints = [
        endpoint
        for endpoint in endpoints_for(server.url)
        if not plan.endpoints or endpoint.name in plan.endpoints
    ]
    servers = Servers(environment, reuse=plan.reuse_servers)
    try:
        return measure_rounds(servers, endpoints, plan)
    finally:
        servers.stop_all()


def measure_rounds(servers: Servers, endpoints: list[Endpoint], plan: Plan) -> list[Figures]:
    """Every endpoint of every app at each worker count, round after round (the apps in a new
    order each round), then the burst; each row printed as it is measured."""
    results: list[Figures] = []
    print(f"\nwrk -t1, {plan.seconds} s per run, PostgreSQL on loopback, {os.cpu_count()} cores")
    for round_number in range(plan.rounds):
        print(f"\nround {round_number + 1} of {plan.rounds}")
        print_header()
        for workers in plan.workers:
            for endpoint in endpoints:
                shift = round_number % len(endpoint.apps)
                order = [*endpoint.apps[shift:], *endpoint.apps[:shift]]
                row = [
                    measure(servers, app, endpoint, workers, endpoint.connections, plan.seconds)
                    for app in order
                ]
                for figures in row:
                    figures.round = round_number
                results += row
                print_rows(row)
        servers.stop_all()
    burst = next((e for e in endpoints if e.name == "GET /users/{id}"), None)
    if plan.burst_seconds and burst is not None:
        print(f"\nburst: {burst.name}, 256 connections, {plan.burst_seconds} s, 2 workers")
        print_header()
        row = [measure(servers, "hobbymatch", burst, 2, 256, plan.burst_seconds)]
        results += row
        print_rows(row)
    return results


def summarize(results: list[Figures]) -> list[dict[str, object]]:
    """For each endpoint and worker count: HobbyMatch's requests/s over each baseline's in the
    same round, and its p99 over theirs, each as the median over the rounds and the spread
    (lowest, highest); printed."""
    summary: list[dict[str, object]] = []
    groups = dict.fromkeys((r.endpoint, r.workers, r.connections) for r in results)
    lines: dict[str, list[str]] = {"rps": [], "p99_ms": []}
    for endpoint, workers, connections in groups:
        runs = [
            r
            for r in results
            if (r.endpoint, r.workers, r.connections) == (endpoint, workers, connections)
        ]
        row: dict[str, object] = {
            "endpoint": endpoint,
            "workers": workers,
            "connections": connections,
        }
        for measure, line in lines.items():
            described = []
            for base, values in _ratios(runs, measure).items():
                spread = {
                    "median": statistics.median(values),
                    "low": min(values),
                    "high": max(values),
                }
                row[base if measure == "rps" else f"{base} p99"] = spread
                described.append(
                    f"/{base} {spread['median']:.2f} ({spread['low']:.2f}-{spread['high']:.2f})"
                )
            if described:
                line.append(f"{endpoint:<21} {workers} wk  " + "   ".join(described))
        summary.append(row)
    print("\nHobbyMatch's req/s over each baseline's, same round: median (lowest-highest)")
    print("\n".join(lines["rps"]))
    print("\nHobbyMatch's p99 over each baseline's, same round: median (lowest-highest)")
    print("\n".join(lines["p99_ms"]))
    return summary


def _ratios(runs: list[Figures], measure: str) -> dict[str, list[float]]:
    """HobbyMatch's ``measure`` (``rps`` or ``p99_ms``) over each baseline's, round by round."""
    ratios: dict[str, list[float]] = {}
    for base in BASELINES:
        for round_number in sorted({r.round for r in runs}):
            ours = [r for r in runs if r.round == round_number and r.app == "hobbymatch"]
            theirs = [r for r in runs if r.round == round_number and r.app == base]
            if ours and theirs and getattr(theirs[0], measure):
                value = getattr(ours[0], measure) / getattr(theirs[0], measure)
                ratios.setdefault(base, []).append(value)
    return ratios


def tokens_of(user_ids: list[str]) -> list[str]:
    """A two-hour access token for each seeded user, signed with the servers' SECRET."""
    return [
        issue_token(
            user_id=uuid.UUID(user_id),
            token_version=0,
            secret_key=SECRET,
            lifetime=timedelta(hours=2),
        )
        for user_id in user_ids
    ]


def endpoints_for(url: str) -> list[Endpoint]:
    """The endpoints of the table, with wrk scripts over the seeded data."""
    engine = create_engine(url)
    with engine.connect() as connection:
        ids = [str(row[0]) for row in connection.execute(text("SELECT id FROM users LIMIT 2000"))]
        skill_ids = [int(row[0]) for row in connection.execute(text("SELECT id FROM skills"))]
    engine.dispose()
    draw = random.Random(1)
    sample = draw.sample(ids, min(1000, len(ids)))
    tokens = tokens_of(sample[:300])
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
    ours = ("hobbymatch", "before") if "before" in BASELINES else ("hobbymatch",)
    specs = [
        Endpoint("GET /health", "return wrk.format('GET', '/health')", everyone),
        # Signed in (people are visible to signed-in people only); the baselines ignore it.
        Endpoint(
            "GET /users/{id}", "return wrk.format('GET', '/users/' .. pick(ids), auth())", everyone
        ),
        Endpoint("GET /users/me", "return wrk.format('GET', '/users/me', auth())", ours),
        Endpoint(
            "GET /skills?q=",
            "return wrk.format('GET', '/skills?q=' .. pick(searches))",
            ours,
        ),
        Endpoint(
            "PUT /users/me/skills",
            "return wrk.format('PUT', '/users/me/skills', auth(), pick(lists))",
            ours,
        ),
        Endpoint(
            "GET /matches",
            "return wrk.format('GET', '/matches?type=shared', auth())",
            ours,
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
    servers: Servers, app: str, endpoint: Endpoint, workers: int, connections: int, seconds: int
) -> Figures:
    """Drive ``endpoint`` of a server of ``app`` with wrk; return the figures."""
    script = Path(tempfile.mkdtemp()) / "request.lua"
    script.write_text(endpoint.lua)
    try:
        port, process = servers.get(app, workers)
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
        servers.done_with(app, workers)
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
            "/users",
            "/before",
        )
    )


ROW = "{:<21} {:<12} {:>2} {:>5} {:>7} {:>7} {:>7} {:>6} {:>7} {:>6} {:>7} {:>6} {:>6} {:>7}"
RATIO_COLUMNS = ("floor", "single-file", "plain", "users-only", "before")


def print_rows(row: list[Figures]) -> None:
    """One group of the table: the apps serving one endpoint, each with its ratios."""
    by_app = {figures.app: figures for figures in row}
    for figures in row:
        ratios = [
            f"{figures.rps / by_app[base].rps:.2f}"
            if base in by_app and base != figures.app and by_app[base].rps
            else "-"
            for base in RATIO_COLUMNS
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


def write_results(
    results: list[Figures], summary: list[dict[str, object]], plan: Plan, folder: Path
) -> None:
    """``folder``/http-load-<time>.json and a PNG chart of requests/s beside it."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder.mkdir(exist_ok=True)
    meta = {
        "when": stamp,
        "users": plan.users,
        "rounds": plan.rounds,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.platform(),
    }
    path = folder / f"http-load-{stamp}.json"
    runs = [asdict(r) for r in results]
    path.write_text(json.dumps({"meta": meta, "summary": summary, "runs": runs}, indent=1))
    chart(results, folder / f"http-load-{stamp}.png")
    print(f"\nwrote {path} and its .png")


def chart(results: list[Figures], path: Path) -> None:
    """Grouped bars: median requests/s per endpoint and worker count, one bar per app."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(dict.fromkeys((r.endpoint, r.workers, r.connections) for r in results))
    apps = (*BASELINES, "hobbymatch")
    figure, axes = plt.subplots(figsize=(12, 5))
    width = 0.2
    for offset, app in enumerate(apps):
        values = [
            statistics.median(
                [
                    r.rps
                    for r in results
                    if (r.endpoint, r.workers, r.connections) == group and r.app == app
                ]
                or [0]
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

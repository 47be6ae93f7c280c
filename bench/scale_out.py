"""Benchmark: four app processes standing for four machines, on one PostgreSQL, side by side:

- direct: every process connects straight to the primary;
- pgbouncer-N: through PgBouncer in transaction mode with a server pool of N (default 10: far
  smaller than the processes' pools, 4 x 20);
- replica: straight to the primary, ``GET`` routes that opt in read from a hot standby
  (``pg_basebackup -R``);
- pgbouncer-N+replica: both.

Starts a throwaway primary, its streaming replica and PgBouncer, seeds the primary
(``hobbymatch seed``), then in rounds (three by default; the configurations in a new order
each round) serves four ``hobbymatch serve --workers 1`` processes per configuration and drives
each with its own ``wrk -t1 -c32`` on ``GET /users/{id}`` at once. Prints each run's summed
requests/s, the worst p99 of the four wrk runs, errors (non-2xx, socket errors, timeouts),
the most server connections seen on the primary and on the replica, and then each
configuration's requests/s as a ratio to direct in the same round: the median over the rounds
and the spread. Writes bench/results/scale-out-<time>.json and .txt; ``--quick`` runs one
short round of two processes into a temporary folder.

    python3 -m venv .venv && .venv/bin/pip install -e '.[bench]' -e ./testkit
    .venv/bin/python bench/scale_out.py

Needs Debian's wrk and pgbouncer (each installed when missing).
"""

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from hobbymatch_testkit.postgres import TemporaryPgBouncer, TemporaryPostgres, find_pgbouncer
from http_load import _parse_wrk, install_wrk, lua_list, tokens_of
from serving import BENCH, BIN, SECRET, free_port, wait_until_up

PROCESSES = 4
CONNECTIONS = 32


@dataclass
class Run:
    """One configuration in one round: four processes, four wrk runs at once."""

    configuration: str
    round: int
    seconds: int
    rps: float
    worst_p99_ms: float
    errors: int
    primary_connections: int
    replica_connections: int


def main() -> None:
    """Run the benchmark; print the table; write JSON and text results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server-pool", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="one short round, temporary results")
    arguments = parser.parse_args()
    # A plain SIGTERM would skip the finally blocks that stop the servers and processes.
    signal.signal(signal.SIGTERM, lambda _number, _frame: sys.exit(1))
    users = 200 if arguments.quick else arguments.users
    seconds = 1 if arguments.quick else arguments.seconds
    if arguments.quick:
        global PROCESSES  # this run's process count, read by every function below
        PROCESSES = 2
    rounds = 1 if arguments.quick else arguments.rounds
    if shutil.which("wrk") is None:
        install_wrk()
    _install_pgbouncer_if_missing()
    primary = TemporaryPostgres()
    servers: list[TemporaryPostgres | TemporaryPgBouncer] = [primary]
    try:
        primary.start()
        seed(primary, users)
        replica = TemporaryPostgres(primary=primary)
        servers.append(replica)
        replica.start()
        bouncer = TemporaryPgBouncer(primary, pool_size=arguments.server_pool)
        servers.append(bouncer)
        bouncer.start()
        small = f"pgbouncer-{arguments.server_pool}"
        configurations = {
            "direct": (primary.url, ""),
            small: (bouncer.url, ""),
            "replica": (primary.url, replica.url),
            f"{small}+replica": (bouncer.url, replica.url),
        }
        runs = measure_rounds(primary, replica, configurations, seconds, rounds)
    finally:
        for server in reversed(servers):
            server.cleanup()
    lines = report(runs)
    folder = Path(tempfile.mkdtemp()) if arguments.quick else BENCH / "results"
    write_results(runs, lines, users, arguments.server_pool, folder)


def _install_pgbouncer_if_missing() -> None:
    try:
        find_pgbouncer()
    except RuntimeError:
        install = ["apt-get", "install", "-y", "-qq", "pgbouncer"]
        if subprocess.run(install, check=False, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(install, check=True)


def seed(primary: TemporaryPostgres, users: int) -> None:
    """``hobbymatch seed`` on the primary (which creates the tables first)."""
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "hobbymatch"), "seed", "--users", str(users)],
        env=_environment(primary.url, ""),
        check=True,
        capture_output=True,
    )
    print(f"seeded {users} users in {time.perf_counter() - started:.0f} s")


def _environment(url: str, replica_url: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOBBYMATCH_")}
    environment.update(
        {
            "HOBBYMATCH_DATABASE_URL": url,
            "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
            "HOBBYMATCH_LOG_LEVEL": "WARNING",
            "HOBBYMATCH_MODULES": "users,skills",
        }
    )
    if replica_url:
        environment["HOBBYMATCH_REPLICA_URLS"] = replica_url
    return environment


def measure_rounds(
    primary: TemporaryPostgres,
    replica: TemporaryPostgres,
    configurations: dict[str, tuple[str, str]],
    seconds: int,
    rounds: int,
) -> list[Run]:
    """Every configuration once per round, in a new order each round."""
    script = wrk_script(primary)
    names = list(configurations)
    runs: list[Run] = []
    print(f"\n{PROCESSES} processes x wrk -t1 -c{CONNECTIONS}, {seconds} s, GET /users/{{id}}")
    print(ROW.format("configuration", "round", "req/s", "p99 ms", "errors", "pg conns", "replica"))
    for number in range(rounds):
        shift = number % len(names)
        for name in [*names[shift:], *names[:shift]]:
            url, replica_url = configurations[name]
            run = measure(name, number, url, replica_url, primary, replica, script, seconds)
            runs.append(run)
            print(
                ROW.format(
                    name,
                    number + 1,
                    f"{run.rps:.0f}",
                    f"{run.worst_p99_ms:.1f}",
                    run.errors,
                    run.primary_connections,
                    run.replica_connections,
                )
            )
    return runs


ROW = "{:<22} {:>5} {:>7} {:>7} {:>6} {:>8} {:>7}"


def wrk_script(primary: TemporaryPostgres) -> Path:
    """A wrk script requesting random seeded profiles, each as a random seeded reader."""
    connection = psycopg2.connect(
        host="127.0.0.1", port=primary.port, user="postgres", dbname=primary.database
    )
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM users LIMIT 2000")
        ids = [str(row[0]) for row in cursor.fetchall()]
    connection.close()
    sample = random.Random(1).sample(ids, min(1000, len(ids)))
    # People are visible to signed-in people only: each request carries a reader's token.
    tokens = tokens_of(sample[:100])
    script = Path(tempfile.mkdtemp()) / "profiles.lua"
    script.write_text(
        f"local ids = {lua_list(sample)}\n"
        f"local tokens = {lua_list(tokens)}\n"
        "request = function() return wrk.format('GET', '/users/' .. ids[math.random(#ids)],"
        " {Authorization = 'Bearer ' .. tokens[math.random(#tokens)]}) end\n"
    )
    return script


def measure(
    name: str,
    number: int,
    url: str,
    replica_url: str,
    primary: TemporaryPostgres,
    replica: TemporaryPostgres,
    script: Path,
    seconds: int,
) -> Run:
    """Start the processes on ``url``, drive each with wrk at once, stop them."""
    environment = _environment(url, replica_url)
    ports = [free_port() for _ in range(PROCESSES)]
    processes = [
        subprocess.Popen(
            [str(BIN / "hobbymatch"), "serve", "--port", str(port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_until_up(f"http://127.0.0.1:{port}/health", process)
        sampler = ConnectionSampler(primary, replica)
        sampler.start()
        drivers = [
            subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{CONNECTIONS}",
                    f"-d{seconds}s",
                    "--timeout",
                    "5s",
                    "--latency",
                    "-s",
                    str(script),
                    f"http://127.0.0.1:{port}",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for port in ports
        ]
        outputs = [driver.communicate()[0] for driver in drivers]
        sampler.stop()
        still_answering = all(_answers(port) for port in ports)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    figures = [_parse_wrk(output) for output in outputs]
    errors = sum(errors for _rps, _p50, _p99, errors in figures)
    return Run(
        configuration=name,
        round=number,
        seconds=seconds,
        rps=sum(rps for rps, _p50, _p99, _errors in figures),
        worst_p99_ms=max(p99 for _rps, _p50, p99, _errors in figures),
        errors=errors + (0 if still_answering else PROCESSES),
        primary_connections=sampler.most[0],
        replica_connections=sampler.most[1],
    )


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=10) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


class ConnectionSampler:
    """The most client connections seen on the primary and the replica, twice a second."""

    QUERY = (
        "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND datname = current_database() AND pid <> pg_backend_pid()"
    )

    def __init__(self, primary: TemporaryPostgres, replica: TemporaryPostgres) -> None:
        self.servers = (primary, replica)
        self.most = [0, 0]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """Start sampling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        connections = [
            psycopg2.connect(
                host="127.0.0.1", port=server.port, user="postgres", dbname=server.database
            )
            for server in self.servers
        ]
        for connection in connections:
            connection.autocommit = True
        while not self._stop.wait(0.5):
            for index, connection in enumerate(connections):
                with connection.cursor() as cursor:
                    cursor.execute(self.QUERY)
                    row = cursor.fetchone()
                    self.most[index] = max(self.most[index], int(row[0]) if row else 0)
        for connection in connections:
            connection.close()


def report(runs: list[Run]) -> list[str]:
    """Each configuration's req/s over direct's in the same round: median (lowest-highest)."""
    lines = ["", "req/s over direct's, same round: median (lowest-highest); medians of the rest"]
    for name in dict.fromkeys(run.configuration for run in runs):
        ratios = []
        for run in runs:
            if run.configuration != name:
                continue
            base = next(r for r in runs if r.round == run.round and r.configuration == "direct")
            ratios.append(run.rps / base.rps if base.rps else 0.0)
        mine = [run for run in runs if run.configuration == name]
        lines.append(
            f"{name:<22} x{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
            f"  {statistics.median(r.rps for r in mine):.0f} req/s"
            f"  p99 {statistics.median(r.worst_p99_ms for r in mine):.0f} ms"
            f"  errors {sum(r.errors for r in mine)}"
            f"  primary conns {max(r.primary_connections for r in mine)}"
            f"  replica conns {max(r.replica_connections for r in mine)}"
        )
    for line in lines:
        print(line)
    return lines


def write_results(
    runs: list[Run], lines: list[str], users: int, server_pool: int, folder: Path
) -> None:
    """``folder``/scale-out-<time>.json and .txt."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder.mkdir(exist_ok=True)
    meta = {
        "when": stamp,
        "users": users,
        "processes": PROCESSES,
        "connections_per_process": CONNECTIONS,
        "server_pool": server_pool,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.platform(),
    }
    path = folder / f"scale-out-{stamp}.json"
    path.write_text(json.dumps({"meta": meta, "runs": [asdict(r) for r in runs]}, indent=1))
    table = [
        ROW.format("configuration", "round", "req/s", "p99 ms", "errors", "pg conns", "replica")
    ]
    table += [
        ROW.format(
            r.configuration,
            r.round + 1,
            f"{r.rps:.0f}",
            f"{r.worst_p99_ms:.1f}",
            r.errors,
            r.primary_connections,
            r.replica_connections,
        )
        for r in runs
    ]
    (folder / f"scale-out-{stamp}.txt").write_text(
        "\n".join([json.dumps(meta), *table, *lines]) + "\n"
    )
    print(f"\nwrote {path} and its .txt")


if __name__ == "__main__":
    main()

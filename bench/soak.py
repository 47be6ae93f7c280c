"""Soak: one ``hobbymatch serve`` process under a steady mixed load for a minute.

Starts a throwaway PostgreSQL, seeds it (``hobbymatch seed``), serves HobbyMatch with one
worker, and has client threads send a mix of reads and writes over keep-alive connections:
the catalog search, public profiles, the caller's profile, skill-list replacements, match
lists and connection requests. Every five seconds it samples the server: requests answered,
p50 and p99 latency, 5xx and transport errors, resident memory, open file descriptors,
threads and PostgreSQL connections.

The verdict fails (exit status 1) on any 5xx or transport error, on memory growing by more
than MAX_RSS_GROWTH_MIB from the second window (the first one warms caches up) to the last,
on file descriptors or PostgreSQL connections growing by more than MAX_LEAKED_HANDLES, or
on the last window's p99 exceeding MAX_P99_DRIFT times the second's. It writes
bench/results/soak-<time>.json and .txt.

    python3 -m venv .venv && .venv/bin/pip install -e .
    .venv/bin/python bench/soak.py [--seconds 60] [--clients 8] [--users 1000]
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from serving import BENCH, BIN, SECRET, free_port, wait_until_up
from sqlalchemy import Engine, create_engine, text

from core.postgres_server import TemporaryPostgres
from modules.users.security import issue_token

WINDOW_SECONDS = 5
MAX_RSS_GROWTH_MIB = 30.0
MAX_LEAKED_HANDLES = 5
MAX_P99_DRIFT = 3.0
SEARCHES = ("ch", "gu", "pa", "sw", "ro", "da", "yo", "co", "te", "ca", "pi", "ru")


@dataclass(frozen=True)
class Answer:
    """One request: when it finished, how long it took, its status (0: transport error)."""

    finished: float
    milliseconds: float
    status: int


@dataclass
class Window:
    """What the server did and held during one sampling window."""

    second: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    client_errors: int  # 4xx: expected (a repeated connection request is 409)
    server_errors: int  # 5xx or transport errors: never expected
    rss_mib: float
    file_descriptors: int
    threads: int
    database_connections: int


@dataclass
class Fixture:
    """The seeded data the clients act on."""

    user_ids: list[str]
    skill_ids: list[int]
    tokens: list[str]


@dataclass
class Load:
    """The clients' shared state: answers so far, and when to stop."""

    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def main() -> None:
    """Run the soak; print one line per window and the verdict; write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--users", type=int, default=1000)
    arguments = parser.parse_args()
    database = TemporaryPostgres()
    database.start()
    try:
        windows = soak(database, arguments.seconds, arguments.clients, arguments.users)
    finally:
        database.cleanup()
    failures = verdict(windows)
    write_results(windows, failures, arguments)
    raise SystemExit(1 if failures else 0)


def soak(database: TemporaryPostgres, seconds: int, clients: int, users: int) -> list[Window]:
    """Seed, serve, load for ``seconds`` and return the sampled windows."""
    environment = {
        **os.environ,
        "HOBBYMATCH_DATABASE_URL": database.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
    }
    seed = [str(BIN / "hobbymatch"), "seed", "--users", str(users)]
    subprocess.run(seed, env=environment, check=True, capture_output=True)
    engine = create_engine(database.url)
    fixture = load_fixture(engine)
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "hobbymatch"), "serve", "--port", str(port)],
        env=environment,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", server)
        return drive(port, server.pid, engine, fixture, seconds, clients)
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()


def load_fixture(engine: Engine) -> Fixture:
    """Seeded people, the catalog's skills, and tokens for some of the people."""
    with engine.connect() as connection:
        user_ids = [str(row[0]) for row in connection.execute(text("SELECT id FROM users"))]
        skill_ids = [int(row[0]) for row in connection.execute(text("SELECT id FROM skills"))]
    tokens = [
        issue_token(
            user_id=uuid.UUID(user_id),
            token_version=0,
            secret_key=SECRET,
            lifetime=timedelta(hours=2),
        )
        for user_id in user_ids[:200]
    ]
    return Fixture(user_ids=user_ids, skill_ids=skill_ids, tokens=tokens)


def drive(
    port: int, pid: int, engine: Engine, fixture: Fixture, seconds: int, clients: int
) -> list[Window]:
    """Run ``clients`` client threads for ``seconds``, sampling the server every window."""
    load = Load()
    threads = [
        threading.Thread(target=client, args=(port, fixture, load, random.Random(number)))
        for number in range(clients)
    ]
    for thread in threads:
        thread.start()
    windows: list[Window] = []
    print(HEADER, flush=True)
    started = time.monotonic()
    try:
        for end in range(WINDOW_SECONDS, seconds + 1, WINDOW_SECONDS):
            time.sleep(max(0.0, started + end - time.monotonic()))
            windows.append(sample(end, started, load, pid, engine))
            print(format_window(windows[-1]), flush=True)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join()
    return windows


def client(port: int, fixture: Fixture, load: Load, draw: random.Random) -> None:
    """Send requests from the mix over one keep-alive connection until told to stop."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    requests = mix(fixture, draw)
    while not load.stop.is_set():
        method, path, body, token = draw.choice(requests)()
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            status = 0
        finished = time.perf_counter()
        load.answers.append(Answer(time.monotonic(), (finished - started) * 1000, status))


Request = tuple[str, str, str | None, str | None]


def mix(fixture: Fixture, draw: random.Random) -> list[Callable[[], Request]]:
    """The request mix, as makers of (method, path, body, token); repeats set the weights."""

    def search() -> Request:
        return "GET", f"/skills?q={draw.choice(SEARCHES)}", None, None

    def profile() -> Request:
        return "GET", f"/users/{draw.choice(fixture.user_ids)}", None, None

    def me() -> Request:
        return "GET", "/users/me", None, draw.choice(fixture.tokens)

    def replace_skills() -> Request:
        skills = [
            {"skill_id": skill, "intent": draw.choice(["share", "teach", "learn"])}
            for skill in draw.sample(fixture.skill_ids, 3)
        ]
        return "PUT", "/users/me/skills", json.dumps(skills), draw.choice(fixture.tokens)

    def matches() -> Request:
        return "GET", "/matches?type=trade", None, draw.choice(fixture.tokens)

    def connection_request() -> Request:
        body = json.dumps({"user_id": draw.choice(fixture.user_ids), "message": "soak"})
        return "POST", "/matches/requests", body, draw.choice(fixture.tokens)

    return (
        [search] * 6
        + [profile] * 5
        + [me] * 3
        + [replace_skills] * 2
        + [
            matches,
            connection_request,
        ]
    )


def sample(end: int, started: float, load: Load, pid: int, engine: Engine) -> Window:
    """The window ending ``end`` seconds after ``started``: the answers in it and the server."""
    since = started + end - WINDOW_SECONDS
    answers = [answer for answer in list(load.answers) if answer.finished >= since]
    latencies = sorted(answer.milliseconds for answer in answers) or [0.0]
    process = read_process_status(pid)
    return Window(
        second=end,
        requests=len(answers),
        rps=len(answers) / WINDOW_SECONDS,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        client_errors=sum(400 <= answer.status < 500 for answer in answers),
        server_errors=sum(answer.status == 0 or answer.status >= 500 for answer in answers),
        rss_mib=process["VmRSS"] / 1024,
        file_descriptors=len(os.listdir(f"/proc/{pid}/fd")),
        threads=process["Threads"],
        database_connections=count_server_connections(engine),
    )


def read_process_status(pid: int) -> dict[str, int]:
    """``VmRSS`` (KiB) and ``Threads`` of a process, from ``/proc/<pid>/status``."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "Threads"):
            values[name] = int(value.split()[0])
    return values


def count_server_connections(engine: Engine) -> int:
    """Connections to the database other than this script's own."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def verdict(windows: list[Window]) -> list[str]:
    """What went wrong, one line each; empty when the soak passed."""
    if len(windows) < 3:
        return ["too short: at least three windows are needed"]
    warm, last = windows[1], windows[-1]
    failures = [
        f"{window.server_errors} 5xx or transport errors in the window ending at {window.second} s"
        for window in windows
        if window.server_errors
    ]
    if last.rss_mib - warm.rss_mib > MAX_RSS_GROWTH_MIB:
        failures.append(f"memory grew from {warm.rss_mib:.0f} to {last.rss_mib:.0f} MiB")
    if last.file_descriptors - warm.file_descriptors > MAX_LEAKED_HANDLES:
        failures.append(f"file descriptors {warm.file_descriptors} -> {last.file_descriptors}")
    if last.database_connections - warm.database_connections > MAX_LEAKED_HANDLES:
        failures.append(
            f"database connections {warm.database_connections} -> {last.database_connections}"
        )
    if last.p99_ms > MAX_P99_DRIFT * max(warm.p99_ms, 1.0):
        failures.append(f"p99 drifted from {warm.p99_ms:.0f} to {last.p99_ms:.0f} ms")
    return failures


HEADER = "    s   req/s  p50 ms  p99 ms   4xx  5xx/err  RSS MiB  fds  threads  db conns"


def format_window(window: Window) -> str:
    """One line of the table under HEADER."""
    return (
        f"{window.second:5d} {window.rps:7.0f} {window.p50_ms:7.1f} {window.p99_ms:7.1f} "
        f"{window.client_errors:5d} {window.server_errors:8d} {window.rss_mib:8.1f} "
        f"{window.file_descriptors:4d} {window.threads:8d} {window.database_connections:9d}"
    )


def write_results(
    windows: list[Window], failures: list[str], arguments: argparse.Namespace
) -> None:
    """Print the verdict; write the windows and verdict as JSON and as the printed table."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    title = (
        f"soak: {arguments.seconds} s, {arguments.clients} clients, {arguments.users} users, "
        f"1 worker, PostgreSQL on loopback, {os.cpu_count()} cores"
    )
    outcome = ["verdict: pass"] if not failures else ["verdict: FAIL", *failures]
    table = "\n".join([title, "", HEADER, *map(format_window, windows), "", *outcome])
    print("\n".join(outcome))
    results = BENCH / "results"
    (results / f"soak-{stamp}.txt").write_text(table + "\n")
    document = {"settings": vars(arguments), "windows": [asdict(w) for w in windows]}
    document["failures"] = failures
    (results / f"soak-{stamp}.json").write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()

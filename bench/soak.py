"""Soak: ``hobbymatch serve --workers 2`` under a steady mixed load for a minute.

Starts a throwaway PostgreSQL, seeds it (``hobbymatch seed``), serves HobbyMatch with two
workers, and has 256 client threads send a mix over keep-alive connections: the catalog
search, public profiles, the caller's profile, skill-list replacements (each client on its
own person's list), match lists, connection requests, logins, and registrations whose body
trickles in over SLOW_UPLOAD_SECONDS. Every five seconds it samples the server (its workers
summed): requests answered, p50 and p99 latency, 5xx, timeouts and other transport errors,
resident memory, open file descriptors, threads and PostgreSQL connections. Resident memory
is sampled four times a second, and a window keeps the lowest and the highest: a password hash
(Argon2id at its standard cost) holds 64 MiB while it runs, so that one sample swings by
multiples of it with the logins and registrations in flight. Each sample is also taken without
the mappings of a hash's size (``/proc/<pid>/smaps``): the memory that stays, which the
verdict judges.

Afterwards it checks the database for every acknowledged write: each 201 registration's
account, each 201 connection request, and each client's list as its last acknowledged PUT
left it (a client whose last PUT went unanswered is not judged).

It also checks what an operator gets: the server logs in JSON (``HOBBYMATCH_LOG_FORMAT=json``)
and answers Prometheus on a port of its own (``HOBBYMATCH_METRICS_PORT``). Halfway through the
load one scrape must show every metric of EXPECTED_METRICS, and a start time for each worker;
afterwards every line the server logged must be one JSON object, every access line must carry
its request id, and no line may hold a secret (the signing key, a password sent, a token).

The verdict fails (exit status 1) on any 5xx, timeout or transport error, on any lost
acknowledged write, on a metric missing from the scrape or a log line failing its checks, on
memory growing by more than MAX_RSS_GROWTH_MIB (the median of the windows' lowest without the
hashes in flight in the last third of the run, over that in the first third after the first
window, which warms caches up), on file descriptors or PostgreSQL connections
growing by more than MAX_LEAKED_HANDLES, or on the last window's p99 exceeding MAX_P99_DRIFT
times the second's. It writes bench/results/soak-<time>.json and .txt.

    python3 -m venv .venv && .venv/bin/pip install -e . -e ./testkit
    .venv/bin/python bench/soak.py [--seconds 60] [--clients 256] [--workers 2] [--users 1000]
"""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import argon2
from hobbymatch_testkit.postgres import TemporaryPostgres
from prometheus_client.parser import text_string_to_metric_families
from serving import BENCH, BIN, SECRET, free_port, wait_until_up
from sqlalchemy import Engine, create_engine, text

from modules.users.security import issue_token

WINDOW_SECONDS = 5
MAX_RSS_GROWTH_MIB = 30.0
SAMPLE_SECONDS = 0.25
# A password hash in flight: Argon2id at its standard cost, a mapping of its memory (64 MiB)
# and one page, freed when the hash is done.
HASH_MAPPING_KIB = argon2.DEFAULT_MEMORY_COST + 4
MAX_LEAKED_HANDLES = 5
MAX_P99_DRIFT = 3.0
SLOW_UPLOAD_SECONDS = 2.0
CLIENT_TIMEOUT = 30
DEMO_PASSWORD = "hobbymatch-demo"  # noqa: S105 (hobbymatch seed's documented demo password)
SEARCHES = ("ch", "gu", "pa", "sw", "ro", "da", "yo", "co", "te", "ca", "pi", "ru")
REGISTRATION_PASSWORD = "soak password"  # noqa: S105 (the soak's own registrations)
# Every metric docs/operations.md lists (counters without their _total), which one scrape
# during the load must show.
EXPECTED_METRICS = (
    "hobbymatch_http_requests",
    "hobbymatch_http_request_duration_seconds",
    "hobbymatch_http_requests_in_flight",
    "hobbymatch_db_pool_checked_out",
    "hobbymatch_db_pool_capacity",
    "hobbymatch_db_pool_wait_seconds",
    "hobbymatch_jobs",
    "hobbymatch_process_start_time_seconds",
    "hobbymatch_matches_index_ready",
    "hobbymatch_matches_index_users",
    "hobbymatch_matches_index_entries",
    "hobbymatch_matches_index_memory_bytes",
    "hobbymatch_matches_index_changed_since_build",
    "hobbymatch_matches_index_build_duration_seconds",
    "hobbymatch_matches_index_last_build_timestamp_seconds",
    "hobbymatch_matches_index_last_sync_timestamp_seconds",
    "hobbymatch_notifications_open_streams",
    "hobbymatch_users_throttle_refusals",
)
# An access token (a JWT: its header, base64url of '{"'), wherever it would appear in a line.
_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


@dataclass(frozen=True)
class Answer:
    """One request: when it finished, how long it took, its status (0: transport error,
    -1: no answer within CLIENT_TIMEOUT)."""

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
    timeouts: int  # no answer within CLIENT_TIMEOUT: never expected
    rss_mib: float  # the lowest resident memory sampled in the window, the workers summed
    rss_peak_mib: float  # the highest
    rss_settled_mib: float  # the lowest without the password hashes in flight
    file_descriptors: int
    threads: int
    database_connections: int


@dataclass
class Fixture:
    """The seeded data the clients act on: ``tokens[i]`` is ``user_ids[i]``'s."""

    user_ids: list[str]
    emails: list[str]
    skill_ids: list[int]
    tokens: list[str]


@dataclass
class Acknowledged:
    """The writes the server acknowledged, to look for in the database afterwards."""

    accounts: list[str] = field(default_factory=list)  # emails of 201 registrations
    requests: list[str] = field(default_factory=list)  # ids of 201 connection requests
    # Per client's own person: the last list written, or None when the last PUT went
    # unanswered (what the database holds then is undecided).
    lists: dict[str, list[tuple[int, str]] | None] = field(default_factory=dict)


class MemorySampler(threading.Thread):
    """Samples the server's resident memory (its workers summed) every SAMPLE_SECONDS, until
    stopped: all of it, and without the password hashes in flight."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float, float]] = []  # (monotonic time, MiB, MiB)
        self.stop = threading.Event()

    def run(self) -> None:
        """Sample until stopped; a worker gone between listing and reading is skipped."""
        while not self.stop.wait(SAMPLE_SECONDS):
            kib = hashing_kib = 0
            for worker in worker_pids(self.pid):
                try:
                    resident = read_process_status(worker)["VmRSS"]
                    hashing = resident_in_hashes(worker)
                except (OSError, KeyError):
                    continue
                kib, hashing_kib = kib + resident, hashing_kib + hashing
            self.samples.append((time.monotonic(), kib / 1024, (kib - hashing_kib) / 1024))

    def between(self, since: float, until: float) -> list[tuple[float, float]]:
        """The samples taken from ``since`` to ``until`` (monotonic times): MiB, and MiB
        without the hashes in flight."""
        return [
            (mib, settled) for taken, mib, settled in list(self.samples) if since <= taken <= until
        ]


@dataclass
class Load:
    """The clients' shared state: answers so far, and when to stop."""

    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    acknowledged: Acknowledged = field(default_factory=Acknowledged)


def main() -> None:
    """Run the soak; print one line per window and the verdict; write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=256)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--users", type=int, default=1000)
    arguments = parser.parse_args()
    database = TemporaryPostgres()
    database.start()
    try:
        windows, problems, notes = soak(database, arguments)
    finally:
        database.cleanup()
    failures = verdict(windows) + problems
    write_results(windows, failures, notes, arguments)
    raise SystemExit(1 if failures else 0)


def soak(
    database: TemporaryPostgres, arguments: argparse.Namespace
) -> tuple[list[Window], list[str], list[str]]:
    """Seed, serve, load for ``arguments.seconds``; return the sampled windows, the problems
    (lost acknowledged writes, metrics missing, log lines failing), one line each, and what the
    scrape and the logs showed."""
    metrics_port = free_port()
    environment = {
        **os.environ,
        "HOBBYMATCH_DATABASE_URL": database.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        # Every request's access line, as production writes it: checked afterwards.
        "HOBBYMATCH_LOG_LEVEL": "INFO",
        "HOBBYMATCH_LOG_FORMAT": "json",
        "HOBBYMATCH_METRICS_PORT": str(metrics_port),
        # Every client signs up from this machine's one address: the soak measures the
        # server, not the per-address sign-up limit.
        "HOBBYMATCH_USERS_MAX_SIGNUPS_PER_ADDRESS_PER_HOUR": "1000000",
    }
    seed = [str(BIN / "hobbymatch"), "seed", "--users", str(arguments.users)]
    subprocess.run(seed, env=environment, check=True, capture_output=True)
    engine = create_engine(database.url)
    fixture = load_fixture(engine, arguments.clients)
    port = free_port()
    serve = ["serve", "--port", str(port), "--workers", str(arguments.workers)]
    log_path = database.folder / "hobbymatch.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen([str(BIN / "hobbymatch"), *serve], env=environment, stderr=log)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", server)
        load = Load()
        windows, scraped = drive(port, server.pid, engine, fixture, load, arguments, metrics_port)
        problems = scraped[1] + lost_writes(engine, load.acknowledged)
    finally:
        server.terminate()
        server.wait(timeout=30)
        engine.dispose()
    logged = check_logs(log_path, [SECRET, DEMO_PASSWORD, REGISTRATION_PASSWORD])
    return windows, problems + logged[1], [scraped[0], logged[0]]


def load_fixture(engine: Engine, clients: int) -> Fixture:
    """Seeded people, the catalog's skills, and tokens: one person of its own per client."""
    with engine.connect() as connection:
        people = connection.execute(text("SELECT id, email FROM users ORDER BY email")).all()
        skill_ids = [int(row[0]) for row in connection.execute(text("SELECT id FROM skills"))]
    user_ids = [str(row[0]) for row in people]
    if len(user_ids) < clients:
        raise SystemExit(f"--users must be at least --clients ({clients})")
    tokens = [
        issue_token(
            user_id=uuid.UUID(user_id),
            token_version=0,
            secret_key=SECRET,
            lifetime=timedelta(hours=2),
        )
        for user_id in user_ids[:clients]
    ]
    emails = [str(row[1]) for row in people]
    return Fixture(user_ids=user_ids, emails=emails, skill_ids=skill_ids, tokens=tokens)


def drive(
    port: int,
    pid: int,
    engine: Engine,
    fixture: Fixture,
    load: Load,
    arguments: argparse.Namespace,
    metrics_port: int,
) -> tuple[list[Window], tuple[str, list[str]]]:
    """Run one client thread per connection for ``arguments.seconds``, sampling the server
    every window and scraping its metrics once halfway; the windows, and the scrape's
    :func:`check_scrape`."""
    threads = [
        threading.Thread(target=client, args=(port, fixture, load, number))
        for number in range(arguments.clients)
    ]
    for thread in threads:
        thread.start()
    windows: list[Window] = []
    scraped = ("scrape: none (the load ended before its middle)", ["the metrics were not scraped"])
    print(HEADER, flush=True)
    memory = MemorySampler(pid)
    memory.start()
    started = time.monotonic()
    try:
        for end in range(WINDOW_SECONDS, arguments.seconds + 1, WINDOW_SECONDS):
            time.sleep(max(0.0, started + end - time.monotonic()))
            windows.append(sample(end, started, load, memory, engine))
            print(format_window(windows[-1]), flush=True)
            if end == arguments.seconds // 2 // WINDOW_SECONDS * WINDOW_SECONDS:
                scraped = check_scrape(metrics_port, arguments.workers)
    finally:
        load.stop.set()
        memory.stop.set()
        for thread in [*threads, memory]:
            thread.join()
    return windows, scraped


def check_scrape(metrics_port: int, workers: int) -> tuple[str, list[str]]:
    """Scrape the metrics port as Prometheus would: a line saying what it showed, and what is
    missing from it, one line each."""
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=10) as answer:
        families = list(text_string_to_metric_families(answer.read().decode()))
    shown = {family.name: family for family in families if family.samples}
    missing = [
        f"metric {name} missing from the scrape" for name in EXPECTED_METRICS if name not in shown
    ]
    started = shown.get("hobbymatch_process_start_time_seconds")
    if started is not None and len(started.samples) != workers:
        missing.append(f"{len(started.samples)} workers' start times in the scrape, not {workers}")
    expected = [name for name in EXPECTED_METRICS if name in shown]
    workers_seen = len(started.samples) if started is not None else 0
    summary = (
        f"scrape halfway: {len(shown)} metrics with samples, {len(expected)} of the "
        f"{len(EXPECTED_METRICS)} expected, start times of {workers_seen} workers"
    )
    print(summary, flush=True)
    return summary, missing


def check_logs(path: Path, secrets: list[str]) -> tuple[str, list[str]]:
    """Every line of the server's log is a JSON object, every access line has its request
    id, and none holds one of ``secrets`` or a token: a line saying what the log held, and
    what fails, one line each (the first 20)."""
    lines = path.read_text(errors="replace").splitlines()
    failures: list[str] = []
    access = with_id = 0
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            failures.append(f"log line {number} is not JSON: {line[:80]!r}")
            continue
        if record.get("logger") == "hobbymatch.access":
            access += 1
            with_id += bool(record.get("request_id"))
        if any(secret in line for secret in secrets) or _TOKEN.search(line):
            failures.append(f"log line {number} holds a secret or a token")
    if with_id < access:
        failures.append(f"{access - with_id} of {access} access lines have no request id")
    if not access:
        failures.append("the server logged no access line")
    summary = (
        f"logs: {len(lines)} lines, {len(lines) - sum('is not JSON' in f for f in failures)} "
        f"of them JSON, {access} access lines, {with_id} with a request id, "
        f"{sum('secret' in f for f in failures)} holding a secret or a token"
    )
    print(summary, flush=True)
    return summary, failures[:20]


def client(port: int, fixture: Fixture, load: Load, number: int) -> None:
    """Send requests from the mix over one keep-alive connection until told to stop."""
    draw = random.Random(number)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT)
    requests = mix(fixture, draw, number)
    while not load.stop.is_set():
        request = draw.choice(requests)()
        started = time.perf_counter()
        status, body = send(connection, request)
        if status <= 0:
            connection.close()
        finished = time.perf_counter()
        load.answers.append(Answer(time.monotonic(), (finished - started) * 1000, status))
        remember(load.acknowledged, fixture.user_ids[number], request, status, body)


@dataclass(frozen=True)
class Request:
    """One request of the mix; ``slow``: its body trickles in over SLOW_UPLOAD_SECONDS."""

    method: str
    path: str
    body: str | None = None
    token: str | None = None
    form: bool = False
    slow: bool = False


def send(connection: http.client.HTTPConnection, request: Request) -> tuple[int, bytes]:
    """Send ``request``; return the status (0: transport error, -1: timeout) and body."""
    content_type = "application/x-www-form-urlencoded" if request.form else "application/json"
    headers = {"Content-Type": content_type}
    if request.token is not None:
        headers["Authorization"] = f"Bearer {request.token}"
    body = request.body.encode() if request.body is not None else None
    try:
        if request.slow and body is not None:
            send_slowly(connection, request.method, request.path, headers, body)
        else:
            connection.request(request.method, request.path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    except TimeoutError:
        return -1, b""
    except (OSError, http.client.HTTPException):
        return 0, b""


def send_slowly(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    """Send the head, then the body in ten pieces over SLOW_UPLOAD_SECONDS."""
    connection.putrequest(method, path)
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        connection.putheader(name, value)
    connection.endheaders()
    piece = -(-len(body) // 10)
    for start in range(0, len(body), piece):
        connection.send(body[start : start + piece])
        time.sleep(SLOW_UPLOAD_SECONDS / 10)


def remember(
    acknowledged: Acknowledged, own_id: str, request: Request, status: int, body: bytes
) -> None:
    """Note a write the server acknowledged (or a list write it left undecided)."""
    if request.method == "PUT":
        written = [
            (entry["skill_id"], entry["intent"]) for entry in json.loads(request.body or "[]")
        ]
        acknowledged.lists[own_id] = written if status == 200 else None
    elif request.path == "/users" and status == 201:
        acknowledged.accounts.append(json.loads(request.body or "{}")["email"])
    elif request.path == "/matches/requests" and status == 201:
        acknowledged.requests.append(json.loads(body)["id"])


def lost_writes(engine: Engine, acknowledged: Acknowledged) -> list[str]:
    """Every acknowledged write that the database does not hold, one line each."""
    with engine.connect() as connection:
        emails = set(connection.scalars(text("SELECT email FROM users")))
        request_ids = {
            str(row) for row in connection.scalars(text("SELECT id FROM match_requests"))
        }
        rows = connection.execute(
            text("SELECT user_id, skill_id, intent FROM user_skills ORDER BY user_id, rank")
        ).all()
    lists: dict[str, list[tuple[int, str]]] = {}
    for user_id, skill_id, intent in rows:
        lists.setdefault(str(user_id), []).append((int(skill_id), str(intent)))
    lost = [
        f"registration of {email} acknowledged, not stored"
        for email in acknowledged.accounts
        if email not in emails
    ]
    lost += [
        f"connection request {rid} acknowledged, not stored"
        for rid in acknowledged.requests
        if rid not in request_ids
    ]
    lost += [
        f"list of {user_id}: acknowledged {written}, stored {lists.get(user_id, [])}"
        for user_id, written in acknowledged.lists.items()
        if written is not None and lists.get(user_id, []) != written
    ]
    checked = len(acknowledged.accounts) + len(acknowledged.requests) + len(acknowledged.lists)
    print(f"acknowledged writes checked: {checked}, lost: {len(lost)}")
    return lost


def mix(fixture: Fixture, draw: random.Random, number: int) -> list[Callable[[], Request]]:
    """The request mix of client ``number``; repeats set the weights."""
    own_token = fixture.tokens[number]
    registrations = iter(range(10**9))

    def search() -> Request:
        return Request("GET", f"/skills?q={draw.choice(SEARCHES)}")

    def profile() -> Request:
        return Request(
            "GET", f"/users/{draw.choice(fixture.user_ids)}", token=draw.choice(fixture.tokens)
        )

    def me() -> Request:
        return Request("GET", "/users/me", token=draw.choice(fixture.tokens))

    def replace_skills() -> Request:
        skills = [
            {"skill_id": skill, "intent": draw.choice(["share", "teach", "learn"])}
            for skill in draw.sample(fixture.skill_ids, draw.randint(0, 4))
        ]
        return Request("PUT", "/users/me/skills", json.dumps(skills), own_token)

    def matches() -> Request:
        return Request("GET", "/matches?type=trade", token=draw.choice(fixture.tokens))

    def connection_request() -> Request:
        body = json.dumps({"user_id": draw.choice(fixture.user_ids), "message": "soak"})
        return Request("POST", "/matches/requests", body, draw.choice(fixture.tokens))

    def log_in() -> Request:
        form = urllib.parse.urlencode(
            {"username": draw.choice(fixture.emails), "password": DEMO_PASSWORD}
        )
        return Request("POST", "/auth/token", form, form=True)

    def slow_registration() -> Request:
        email = f"soak-{number}-{next(registrations)}@example.com"
        body = {"email": email, "password": REGISTRATION_PASSWORD, "display_name": "Soak"}
        return Request("POST", "/users", json.dumps(body), slow=True)

    return (
        [search] * 6
        + [profile] * 5
        + [me] * 3
        + [replace_skills] * 2
        + [matches, connection_request, log_in, slow_registration]
    )


def sample(end: int, started: float, load: Load, memory: MemorySampler, engine: Engine) -> Window:
    """The window ending ``end`` seconds after ``started``: the answers in it and the server."""
    since = started + end - WINDOW_SECONDS
    answers = [answer for answer in list(load.answers) if answer.finished >= since]
    latencies = sorted(answer.milliseconds for answer in answers) or [0.0]
    workers = worker_pids(memory.pid)
    processes = [read_process_status(worker) for worker in workers]
    resident = memory.between(since, started + end) or [
        (sum(process["VmRSS"] for process in processes) / 1024,) * 2
    ]
    return Window(
        second=end,
        requests=len(answers),
        rps=len(answers) / WINDOW_SECONDS,
        p50_ms=latencies[len(latencies) // 2],
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        client_errors=sum(400 <= answer.status < 500 for answer in answers),
        server_errors=sum(answer.status == 0 or answer.status >= 500 for answer in answers),
        timeouts=sum(answer.status == -1 for answer in answers),
        rss_mib=min(mib for mib, _ in resident),
        rss_peak_mib=max(mib for mib, _ in resident),
        rss_settled_mib=min(settled for _, settled in resident),
        file_descriptors=sum(len(os.listdir(f"/proc/{worker}/fd")) for worker in workers),
        threads=sum(process["Threads"] for process in processes),
        database_connections=count_server_connections(engine),
    )


def worker_pids(pid: int) -> list[int]:
    """The server's worker processes (its children), or the server itself with one worker."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children or [pid]


def resident_in_hashes(pid: int) -> int:
    """KiB resident in the process's mappings of a password hash's size (HASH_MAPPING_KIB),
    from ``/proc/<pid>/smaps``."""
    total, size = 0, 0
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        if line.startswith("Size:"):
            size = int(line.split()[1])
        elif line.startswith("Rss:") and size == HASH_MAPPING_KIB:
            total += int(line.split()[1])
    return total


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
    failures += [
        f"{window.timeouts} timeouts in the window ending at {window.second} s"
        for window in windows
        if window.timeouts
    ]
    early, late = memory_floors(windows)
    if late - early > MAX_RSS_GROWTH_MIB:
        failures.append(
            f"memory grew from {early:.0f} to {late:.0f} MiB (windows' lowest without the "
            "password hashes in flight, median)"
        )
    if last.file_descriptors - warm.file_descriptors > MAX_LEAKED_HANDLES:
        failures.append(f"file descriptors {warm.file_descriptors} -> {last.file_descriptors}")
    if last.database_connections - warm.database_connections > MAX_LEAKED_HANDLES:
        failures.append(
            f"database connections {warm.database_connections} -> {last.database_connections}"
        )
    if last.p99_ms > MAX_P99_DRIFT * max(warm.p99_ms, 1.0):
        failures.append(f"p99 drifted from {warm.p99_ms:.0f} to {last.p99_ms:.0f} ms")
    return failures


def memory_floors(windows: list[Window]) -> tuple[float, float]:
    """The median of the windows' lowest resident memory without the password hashes in
    flight, in the first third of the run after the first window, and in the last third."""
    settled = windows[1:]
    third = max(1, len(settled) // 3)
    return (
        statistics.median(window.rss_settled_mib for window in settled[:third]),
        statistics.median(window.rss_settled_mib for window in settled[-third:]),
    )


HEADER = (
    "    s   req/s  p50 ms  p99 ms   4xx  5xx/err  timeouts  RSS MiB (peak)  no hashes  fds"
    "  threads  db conns"
)


def format_window(window: Window) -> str:
    """One line of the table under HEADER."""
    return (
        f"{window.second:5d} {window.rps:7.0f} {window.p50_ms:7.1f} {window.p99_ms:7.1f} "
        f"{window.client_errors:5d} {window.server_errors:8d} {window.timeouts:9d} "
        f"{window.rss_mib:8.1f} ({window.rss_peak_mib:4.0f}) {window.rss_settled_mib:10.1f} "
        f"{window.file_descriptors:4d} {window.threads:8d} {window.database_connections:9d}"
    )


def write_results(
    windows: list[Window], failures: list[str], notes: list[str], arguments: argparse.Namespace
) -> None:
    """Print the verdict; write the windows, what the scrape and the logs showed (``notes``)
    and the verdict as JSON and as the printed table."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    title = (
        f"soak: {arguments.seconds} s, {arguments.clients} connections, {arguments.users} users, "
        f"{arguments.workers} workers, PostgreSQL on loopback, {os.cpu_count()} cores"
    )
    outcome = ["verdict: pass"] if not failures else ["verdict: FAIL", *failures]
    table = "\n".join([title, "", HEADER, *map(format_window, windows), "", *notes, *outcome])
    print("\n".join(outcome))
    results = BENCH / "results"
    (results / f"soak-{stamp}.txt").write_text(table + "\n")
    document = {"settings": vars(arguments), "windows": [asdict(w) for w in windows]}
    document["checks"] = notes
    document["failures"] = failures
    (results / f"soak-{stamp}.json").write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()

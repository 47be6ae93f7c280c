"""Benchmark: anonymous clients flooding ``POST /users`` with bodies of 60,000 unknown fields,
beside the same probes of the idle server, measured in the same run.

Starts a throwaway PostgreSQL, serves ``hobbymatch serve --workers 2`` on it and signs one
person up. A probe then alternates ``GET /health`` and that person's ``GET /users/me``, one
request at a time: first while the server is idle (the baseline), then while 16 anonymous
clients (threads of a process of their own) each send, back to back, a ``POST /users`` of
780 KB holding 60,000 unknown fields. Prints each probe's p50 and p99 in both phases and the
ratio of the flood's over idle, the flood's requests/s, statuses and answer sizes, and whether
the targets hold: ``/health`` p99 under 50 ms, ``/users/me`` p99 within 2x of idle. Writes
bench/results/hostile-bodies-<time>.json and .txt; ``--quick`` runs 1-second phases on one
worker into a temporary folder. ``--before DIR`` measures the code in DIR too, in the same
run (a checkout of an earlier commit, put first on ``PYTHONPATH``):

    python3 -m venv .venv && .venv/bin/pip install -e '.[bench]' -e ./testkit
    .venv/bin/python bench/hostile_bodies.py [--before /tmp/before]
"""

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from hobbymatch_testkit.postgres import TemporaryPostgres
from serving import BENCH, BIN, SECRET, free_port, wait_until_up

CLIENTS = 16
UNKNOWN_FIELDS = 60_000
HEALTH_P99_TARGET_MS = 50.0
ME_SLOWDOWN_TARGET = 2.0
PERSON = {"email": "probe@example.com", "password": "correct horse", "display_name": "Probe"}


@dataclass
class Phase:
    """One probe run: its latencies in ms, by path, and what the flood did meanwhile."""

    health_ms: list[float] = field(default_factory=list)
    me_ms: list[float] = field(default_factory=list)
    probe_errors: int = 0
    flood_requests: int = 0
    flood_statuses: dict[str, int] = field(default_factory=dict)
    flood_answer_bytes: int = 0
    seconds: float = 0.0


def main() -> None:
    """Run both phases for each code; print the table; write JSON and text results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="1 s phases, one worker")
    parser.add_argument("--before", type=Path, help="a checkout of earlier code, also measured")
    parser.add_argument(
        "--unknown-fields",
        type=int,
        default=UNKNOWN_FIELDS,
        help="fields per flood body (4600 stays under POST /users's 64 KiB limit)",
    )
    arguments = parser.parse_args()
    seconds, workers = (1.0, 1) if arguments.quick else (arguments.seconds, arguments.workers)
    codes = {"hobbymatch": ""}
    if arguments.before is not None:
        codes["before"] = str(arguments.before.resolve())
    body = hostile_body(arguments.unknown_fields)
    print(f"flood body: {len(body) / 1000:.0f} KB, {arguments.unknown_fields} unknown fields")
    print(f"{CLIENTS} anonymous clients, {seconds:.0f} s per phase, {workers} worker(s)")
    server = TemporaryPostgres()
    server.start()
    try:
        results = {
            code: measure(server, path, seconds, workers, body) for code, path in codes.items()
        }
    finally:
        server.cleanup()
    lines = report(results)
    folder = Path(tempfile.mkdtemp()) if arguments.quick else BENCH / "results"
    write_results(results, lines, seconds, workers, len(body), folder)


def hostile_body(count: int) -> bytes:
    """A sign-up that also carries ``count`` fields nobody declared."""
    unknown = {f"k{number:05d}": 1 for number in range(count)}
    return json.dumps({**PERSON, "email": "flood@example.com", **unknown}).encode()


def measure(
    server: TemporaryPostgres, pythonpath: str, seconds: float, workers: int, body: bytes
) -> dict[str, Phase]:
    """Serve the code on ``pythonpath`` (this checkout when empty); probe it idle, then under
    the flood."""
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")},
        "HOBBYMATCH_DATABASE_URL": server.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
    }
    if pythonpath:
        environment["PYTHONPATH"] = pythonpath
    port = free_port()
    serve = [str(BIN / "hobbymatch"), "serve", "--port", str(port), "--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            serve, env=environment, cwd=BENCH, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}/health", process)
            token = signed_up(port)
            idle = probe(port, token, seconds)
            flooded = probe_under_flood(port, token, seconds, body)
        finally:
            # SIGTERM, so that uvicorn stops its workers too: a killed supervisor leaves them
            # running, orphaned, on the cores the next measurement uses.
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
    return {"idle": idle, "flood": flooded}


def signed_up(port: int) -> str:
    """Sign the probe's person up (unless an earlier code did, on the same database) and in;
    their access token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    connection.request("POST", "/users", json.dumps(PERSON), headers)
    signing_up = connection.getresponse()
    signing_up.read()
    assert signing_up.status in (201, 409), signing_up.status
    form = urllib.parse.urlencode({"username": PERSON["email"], "password": PERSON["password"]})
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    connection.request("POST", "/auth/token", form, form_type)
    answer = connection.getresponse()
    token = json.loads(answer.read())["access_token"]
    connection.close()
    assert answer.status == 200
    return str(token)


def probe(port: int, token: str, seconds: float) -> Phase:
    """Alternate ``GET /health`` and ``GET /users/me``, one at a time, for ``seconds``."""
    phase = Phase()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    me = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for path, headers, latencies in (
            ("/health", {}, phase.health_ms),
            ("/users/me", me, phase.me_ms),
        ):
            sent = time.perf_counter()
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            latencies.append((time.perf_counter() - sent) * 1000)
            phase.probe_errors += answer.status != 200
    phase.seconds = time.perf_counter() - started
    connection.close()
    return phase


def probe_under_flood(port: int, token: str, seconds: float, body: bytes) -> Phase:
    """Start the flood in a process of its own, wait until each client had an answer, probe,
    then stop the flood and add what it did to the phase."""
    context = multiprocessing.get_context("fork")
    stop, answered = context.Event(), context.Value("i", 0)
    outcome = context.Queue()
    flood = context.Process(target=run_flood, args=(port, body, stop, answered, outcome))
    flood.start()
    while answered.value < CLIENTS and flood.is_alive():
        time.sleep(0.05)
    counted_from = answered.value
    phase = probe(port, token, seconds)
    flood_requests = answered.value - counted_from
    stop.set()
    statuses, answer_bytes = outcome.get(timeout=120)
    flood.join(timeout=120)
    phase.flood_requests = flood_requests
    phase.flood_statuses = statuses
    phase.flood_answer_bytes = answer_bytes
    return phase


def run_flood(
    port: int,
    body: bytes,
    stop: threading.Event,
    answered: "Synchronized[int]",
    outcome: "multiprocessing.Queue[tuple[dict[str, int], int]]",
) -> None:
    """``CLIENTS`` threads, each sending ``body`` to ``POST /users`` until ``stop`` is set; puts
    the statuses counted and the largest answer's size on ``outcome``."""
    statuses: Counter[str] = Counter()
    largest = [0]
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json"}
        while not stop.is_set():
            try:
                connection.request("POST", "/users", body, headers)
                answer = connection.getresponse()
                size = len(answer.read())
                status = str(answer.status)
            except (OSError, http.client.HTTPException):
                connection.close()
                size, status = 0, "error"
            with lock:
                statuses[status] += 1
                largest[0] = max(largest[0], size)
            with answered.get_lock():
                answered.value += 1
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcome.put((dict(statuses), largest[0]))


def percentile(values: list[float], percent: int) -> float:
    """The ``percent``-th percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * len(ordered)))]


def report(results: dict[str, dict[str, Phase]]) -> list[str]:
    """Print and return the table: each code's probes idle and flooded, with the ratios."""
    lines = [
        ROW.format(
            "code", "probe", "idle p50", "idle p99", "flood p50", "flood p99", "p50 x", "p99 x"
        )
    ]
    for code, phases in results.items():
        idle, flood = phases["idle"], phases["flood"]
        for name, attribute in (("GET /health", "health_ms"), ("GET /users/me", "me_ms")):
            before, during = getattr(idle, attribute), getattr(flood, attribute)
            p50s = (statistics.median(before), statistics.median(during))
            p99s = (percentile(before, 99), percentile(during, 99))
            lines.append(
                ROW.format(
                    code,
                    name,
                    f"{p50s[0]:.1f}",
                    f"{p99s[0]:.1f}",
                    f"{p50s[1]:.1f}",
                    f"{p99s[1]:.1f}",
                    f"{p50s[1] / p50s[0]:.2f}",
                    f"{p99s[1] / p99s[0]:.2f}",
                )
            )
        lines.append(
            f"{code}: flood {flood.flood_requests / flood.seconds:.0f} req/s, statuses "
            f"{flood.flood_statuses}, largest answer {flood.flood_answer_bytes} B; probe errors "
            f"idle {idle.probe_errors}, flood {flood.probe_errors}"
        )
        lines.append(f"{code}: {verdict(idle, flood)}")
    for line in lines:
        print(line)
    return lines


ROW = "{:<11} {:<14} {:>9} {:>9} {:>10} {:>10} {:>7} {:>7}"


def verdict(idle: Phase, flood: Phase) -> str:
    """Whether the targets hold: /health p99 under the flood, /users/me p99 over idle."""
    health_p99 = percentile(flood.health_ms, 99)
    slowdown = percentile(flood.me_ms, 99) / percentile(idle.me_ms, 99)
    health = "holds" if health_p99 < HEALTH_P99_TARGET_MS else "MISSED"
    me = "holds" if slowdown <= ME_SLOWDOWN_TARGET else "MISSED"
    return (
        f"/health p99 {health_p99:.1f} ms (target < {HEALTH_P99_TARGET_MS:.0f}: {health}); "
        f"/users/me p99 {slowdown:.2f}x idle (target <= {ME_SLOWDOWN_TARGET:.0f}x: {me})"
    )


def write_results(
    results: dict[str, dict[str, Phase]],
    lines: list[str],
    seconds: float,
    workers: int,
    body_bytes: int,
    folder: Path,
) -> None:
    """``folder``/hostile-bodies-<time>.json (every latency) and .txt (the table)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder.mkdir(exist_ok=True)
    meta = {
        "when": stamp,
        "clients": CLIENTS,
        "body_bytes": body_bytes,
        "seconds_per_phase": seconds,
        "workers": workers,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.platform(),
    }
    runs = {
        code: {name: asdict(phase) for name, phase in phases.items()}
        for code, phases in results.items()
    }
    path = folder / f"hostile-bodies-{stamp}.json"
    path.write_text(json.dumps({"meta": meta, "runs": runs}, indent=1))
    (folder / f"hostile-bodies-{stamp}.txt").write_text(
        json.dumps(meta) + "\n" + "\n".join(lines) + "\n"
    )
    print(f"\nwrote {path} and its .txt")


if __name__ == "__main__":
    main()

"""Benchmark: how the costly reads grow with data, and how start-up grows with modules.

Starts a throwaway PostgreSQL and grows one database through 10,000 and 100,000 demo users
(``--sizes``; the published run adds 1,000,000), ten skills each, vacuumed and analyzed as
autovacuum would leave it. At each size it serves three apps on that database (matches with its
index, matches in SQL, no matches) and times through them, in this process: GET /matches
(shared and trade, for sampled callers, from the index and in SQL), the bare SQL that any exact
shared ranking must run at the least (every row sharing a skill with the caller, summed per
person), GET /skills/{id}/users (sampled skills, popular ones included) and PUT
/users/me/skills with and without the change log, each beside GET /health (the framework's
floor, same run); it prints PostgreSQL's plan of each endpoint's costliest query. Then it times
`hobbymatch serve` from launch to its first answer with 2 modules and with 48 more made by
`hobbymatch new-module`, on an empty database and again on the created one. Writes
bench/results/scale-<time>.json and .png (``--quick``: grown from 300 to 600 users, to a temporary
folder).

    python3 -m venv .venv && .venv/bin/pip install -e '.[bench]' -e ./testkit
    .venv/bin/python bench/scale.py
"""

import argparse
import json
import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psycopg2
from fastapi.testclient import TestClient
from hobbymatch_testkit.postgres import TemporaryPostgres
from serving import BENCH, BIN, SECRET, free_port, wait_until_up
from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy.engine import Engine

from core.config import load_settings
from core.main import create_app, start_modules, stop_modules
from core.platform import Platform
from core.scaffold import create_module
from modules.matches.freshness import LiveIndex
from modules.skills import UserSkill

# p50 targets by number of users (issue: the matching engine).
TARGETS_MS = {
    100_000: {"GET /matches?type=shared": 15, "GET /matches?type=trade": 15},
    1_000_000: {"GET /matches?type=shared": 60, "GET /matches?type=trade": 60},
}
QUICK = {"sizes": [300, 600], "callers": 3, "repeats": 2, "generated_modules": 2}


def main() -> None:
    """Run both parts; print; write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--callers", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--generated-modules", type=int, default=48)
    parser.add_argument(
        "--quick", action="store_true", help="seconds, tiny sizes; results to a temporary folder"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        vars(arguments).update(QUICK)
    server = TemporaryPostgres()
    server.start()
    try:
        growth = [
            measure_size(server, users, arguments.callers, arguments.repeats)
            for users in arguments.sizes
        ]
        startup = measure_startup(server, arguments.generated_modules)
    finally:
        server.cleanup()
    results = Path(tempfile.mkdtemp()) if arguments.quick else BENCH / "results"
    write_results(growth, startup, results)


def measure_size(
    server: TemporaryPostgres, users: int, callers: int, repeats: int
) -> dict[str, Any]:
    """Grow the database to ``users`` demo users; time the endpoints, ranked by the index and
    by SQL in the same run; time a list change with and without the change log; print plans."""
    seeded = seed(server, users)
    administer(server, "VACUUM ANALYZE")
    indexed, in_sql, without_log = (
        started_app(server, modules, matches)
        for modules, matches in (
            (["users", "skills", "matches"], {}),
            (["users", "skills", "matches"], {"index": False}),
            (["users", "skills"], {}),
        )
    )
    index = Platform.of(indexed.app).state_of(LiveIndex)  # type: ignore[arg-type]
    index.wait_ready(600)
    platform = Platform.of(in_sql.app)  # type: ignore[arg-type]
    engine = platform.engine
    PLATFORMS[engine] = platform
    draw = random.Random(users)
    emails = [f"demo-0-{n}@example.com" for n in draw.sample(range(users), callers)]
    headers = [{"Authorization": f"Bearer {log_in(indexed, email)}"} for email in emails]
    rows = 10 * users
    stats = indexed.get("/matches/index").json()
    print(
        f"\n== {users} users, {rows} user-skill rows (seeded in {seeded:.0f} s); index built in "
        f"{stats['build_seconds']:.2f} s, {stats['memory_bytes'] / 1e6:.0f} MB"
    )

    def get(
        client: TestClient, path: str, headers: dict[str, str] | None = None
    ) -> Callable[[], object]:
        return lambda: client.get(path, headers=headers)

    floor = latencies([get(indexed, "/health")] * callers, repeats)
    figures: dict[str, Any] = {
        "users": users,
        "user_skill_rows": rows,
        "seed_seconds": seeded,
        "index": stats,
        "endpoints": {},
        "plans": {},
    }
    targets = TARGETS_MS.get(users, {})
    report(figures, "GET /health", floor, floor)
    for match_type in ("shared", "trade"):
        name, path = f"GET /matches?type={match_type}", f"/matches?type={match_type}"
        from_index = latencies([get(indexed, path, h) for h in headers], repeats)
        from_sql = latencies([get(in_sql, path, h) for h in headers], repeats)
        report(figures, f"{name} index", from_index, floor, target=targets.get(name))
        report(figures, f"{name} SQL", from_sql, floor, baseline=from_index)
        figures["plans"][name] = costliest_plan(engine, get(in_sql, path, headers[0]))
    report(figures, EXACT_FLOOR, latencies(pair_aggregations(engine, emails), repeats), floor)
    name, paths = (
        "GET /skills/{id}/users",
        [f"/skills/{skill}/users" for skill in skill_sample(engine, draw, callers)],
    )
    report(
        figures,
        name,
        latencies([get(in_sql, path, headers[0]) for path in paths], repeats),
        floor,
        target=10,
    )
    figures["plans"][name] = costliest_plan(engine, get(in_sql, paths[0], headers[0]))
    writes = list_changes(indexed, without_log, emails, repeats)
    report(figures, "PUT /users/me/skills", writes["with the change log"], floor)
    report(
        figures,
        "PUT, no change log",
        writes["without"],
        floor,
        baseline=writes["with the change log"],
    )
    for plan_name, plan in figures["plans"].items():
        print(f"\nplan of the costliest query of {plan_name} in SQL (EXPLAIN ANALYZE):\n{plan}")
    for client in (indexed, in_sql, without_log):
        stop_modules(client.app)  # type: ignore[arg-type]
    return figures


def skill_sample(engine: Engine, draw: random.Random, count: int) -> list[int]:
    """The three most listed skills, and ``count`` others drawn at random."""
    with engine.connect() as connection:
        by_use = connection.execute(
            select(UserSkill.skill_id).group_by(UserSkill.skill_id).order_by(func.count().desc())
        )
        skills = [row[0] for row in by_use]
    return skills[:3] + draw.sample(skills[3:], min(count, len(skills) - 3))


def seed(server: TemporaryPostgres, users: int) -> float:
    """Grow the database to ``users`` demo users with ``hobbymatch seed``; the seconds taken."""
    started = time.perf_counter()
    environment = {
        **os.environ,
        "HOBBYMATCH_DATABASE_URL": server.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        "HOBBYMATCH_MODULES": "users,skills,matches",
    }
    subprocess.run(
        [str(BIN / "hobbymatch"), "seed", "--users", str(users)],
        env=environment,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def started_app(
    server: TemporaryPostgres, modules: list[str], matches: Mapping[str, object]
) -> TestClient:
    """An app on the benchmark's database, started, with these modules and matches settings."""
    settings = load_settings(
        None,
        database_url=server.url,
        module_settings={"users": {"secret_key": SECRET}, "matches": matches},
        modules=modules,
        log_level="WARNING",
    )
    app = create_app(settings)
    start_modules(app)
    return TestClient(app)


def list_changes(
    with_log: TestClient, without_log: TestClient, emails: list[str], repeats: int
) -> dict[str, list[float]]:
    """Latencies of PUT /users/me/skills through an app whose matches module logs the change,
    and through one without matches (no change log), interleaved, alternating two lists."""
    skills = [item["id"] for item in with_log.get("/skills", params={"limit": 6}).json()["items"]]
    lists = [
        [{"skill_id": skill, "intent": "share"} for skill in skills[:3]],
        [{"skill_id": skill, "intent": "learn"} for skill in skills[3:]],
    ]
    samples: dict[str, list[float]] = {"with the change log": [], "without": []}
    for email in emails:
        headers = {"Authorization": f"Bearer {log_in(with_log, email)}"}
        for number in range(repeats + 1):
            for label, client in (("with the change log", with_log), ("without", without_log)):
                started = time.perf_counter()
                response = client.put("/users/me/skills", json=lists[number % 2], headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                if number:  # the first of each is a warm-up
                    samples[label].append(elapsed)
    return samples


EXACT_FLOOR = "  SQL floor, exact shared"
_PAIR_AGGREGATION = text(
    """
    SELECT COUNT(*) FROM (
        SELECT user_id, SUM(11 - rank) AS points FROM user_skills
        WHERE skill_id IN :skills AND user_id <> :me GROUP BY user_id
    ) candidates WHERE points > 0
    """
).bindparams(bindparam("skills", expanding=True))
_LIST_OF = text(
    "SELECT users.id, user_skills.skill_id FROM users"
    " JOIN user_skills ON user_skills.user_id = users.id WHERE users.email = :email"
)


def pair_aggregations(engine: Engine, emails: list[str]) -> list[Callable[[], object]]:
    """For each caller, the least work any exact shared ranking does, straight in SQL: read
    every user-skill row that shares a skill with the caller and add it up per person."""

    def aggregate(parameters: dict[str, Any]) -> object:
        with engine.connect() as connection:
            return connection.execute(_PAIR_AGGREGATION, parameters).scalar_one()

    calls: list[Callable[[], object]] = []
    with engine.connect() as connection:
        for email in emails:
            rows = connection.execute(_LIST_OF, {"email": email}).all()
            parameters = {"me": rows[0][0], "skills": [skill for _, skill in rows]}
            calls.append(partial(aggregate, parameters))
    return calls


def administer(server: TemporaryPostgres, statement: str) -> None:
    """Run a statement that cannot run in a transaction (VACUUM, CREATE DATABASE)."""
    connection = psycopg2.connect(server.url.replace("postgresql+psycopg2", "postgresql"))
    try:
        connection.autocommit = True
        connection.cursor().execute(statement)
    finally:
        connection.close()


def log_in(client: TestClient, email: str) -> str:
    """A bearer token for a demo user."""
    response = client.post("/auth/token", data={"username": email, "password": "hobbymatch-demo"})
    response.raise_for_status()
    return str(response.json()["access_token"])


def latencies(calls: list[Callable[[], object]], repeats: int) -> list[float]:
    """Milliseconds of each call: one warm-up, then ``repeats`` timed calls of each."""
    samples = []
    for call in calls:
        call()
        for _ in range(repeats):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(
    figures: dict[str, Any],
    name: str,
    samples: list[float],
    floor: list[float],
    *,
    target: float | None = None,
    baseline: list[float] | None = None,
) -> None:
    """Print and keep p50 and p99 of ``samples``, beside the floor's p50 (and, given, the p50
    of a ``baseline`` measured in the same run, as a ratio)."""
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    ratio = p50 / percentile(floor, 50)
    versus = f"{p50 / percentile(baseline, 50):6.2f}x the line above" if baseline else ""
    verdict = (
        f"target p50 <= {target} ms: {'met' if p50 <= target else 'NOT met'}" if target else ""
    )
    print(
        f"{name:<34} p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  {ratio:7.1f}x /health  {versus}{verdict}"
    )
    figures["endpoints"][name] = {
        "p50_ms": p50,
        "p99_ms": p99,
        "x_health": ratio,
        "samples": len(samples),
    }


# The platform of each app engine the run measures, to reach its read engine too.
PLATFORMS: dict[Engine, Platform] = {}


def percentile(samples: list[float], percent: int) -> float:
    """The ``percent``-th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, round(percent / 100 * len(ordered)) - 1)]


def costliest_plan(engine: Engine, request: Callable[[], object]) -> str:
    """PostgreSQL's EXPLAIN ANALYZE of the slowest SELECT that ``request`` sends, on the app's
    engine or on its autocommit engine for reads (which every GET uses)."""
    statements: list[tuple[str, Any]] = []
    read_engine = PLATFORMS[engine].read_engine
    with captured(engine, statements), captured(read_engine, statements):
        request()
    plans = []
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        for sql, parameters in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, parameters)
            lines = [row[0] for row in cursor.fetchall()]
            took = float(lines[-1].split(":")[1].split()[0])  # "Execution Time: X ms"
            plans.append((took, "\n".join(lines)))
        connection.rollback()
    return max(plans)[1]


@contextmanager
def captured(engine: Engine, statements: list[tuple[str, Any]]) -> Iterator[None]:
    """Record every statement (and its parameters) sent on ``engine`` meanwhile."""

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, *_: Any) -> None:
        statements.append((sql, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", record)


def measure_startup(server: TemporaryPostgres, count: int) -> dict[str, dict[str, float]]:
    """Seconds from launching `hobbymatch serve` to its first answer, with 2 modules and with
    ``count`` more made by `hobbymatch new-module`."""
    project = Path(tempfile.mkdtemp())
    (project / "modules").mkdir()
    (project / "tests").mkdir()
    generated = [f"generated_{number:02d}" for number in range(count)]
    for name in generated:
        create_module(name, project=project, depends_on=[])
    print("\n== start-up: launch of `hobbymatch serve` to its first answer on /health")
    results = {}
    for label, modules in (
        ("2 modules", ["users", "skills"]),
        (f"{count + 2} modules", ["users", "skills", *generated]),
    ):
        database = "startup_" + label.split()[0]
        administer(server, f"CREATE DATABASE {database}")
        url = server.url.rsplit("/", 1)[0] + "/" + database
        environment = {
            **os.environ,
            "HOBBYMATCH_DATABASE_URL": url,
            "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
            "HOBBYMATCH_MODULES": ",".join(modules),
            "HOBBYMATCH_MODULE_PATHS": str(project / "modules"),
            "HOBBYMATCH_LOG_LEVEL": "WARNING",
        }
        first, again = time_to_first_answer(environment), time_to_first_answer(environment)
        results[label] = {"empty_database_s": first, "existing_tables_s": again}
        print(f"{label:<11} empty database {first:5.2f} s   tables already there {again:5.2f} s")
    return results


def time_to_first_answer(environment: dict[str, str]) -> float:
    """Launch `hobbymatch serve`, wait for GET /health, stop it; return the seconds taken."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "hobbymatch"), "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def write_results(
    growth: list[dict[str, Any]], startup: dict[str, dict[str, float]], folder: Path
) -> None:
    """``folder``/scale-<time>.json, and a PNG of p50 against data size."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder.mkdir(exist_ok=True)
    path = folder / f"scale-{stamp}.json"
    path.write_text(
        json.dumps(
            {"when": stamp, "cores": os.cpu_count(), "growth": growth, "startup": startup}, indent=1
        )
    )
    chart(growth, folder / f"scale-{stamp}.png")
    print(f"\nwrote {path} and its .png")


def chart(growth: list[dict[str, Any]], path: Path) -> None:
    """p50 (line) and p99 (dotted) of each endpoint against data size, log-log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(8, 5))
    sizes = [size["user_skill_rows"] for size in growth]
    for number, name in enumerate(growth[0]["endpoints"]):
        color = f"C{number}"
        for key, style in (("p50_ms", "-o"), ("p99_ms", ":x")):
            values = [size["endpoints"][name][key] for size in growth]
            axes.plot(sizes, values, style, color=color, label=f"{name} {key[:3]}")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("user-skill rows")
    axes.set_ylabel("latency, ms (log)")
    axes.set_title("Latency against data size (PostgreSQL 15, same run)")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


if __name__ == "__main__":
    main()

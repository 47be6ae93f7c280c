"""Benchmark: the matching index's build, beside the same rows read through the cursor, in the
same run.

Starts a throwaway PostgreSQL, creates the tables of users, skills and matches, and fills them
in SQL with synthetic people (``generate_series``: ``--users`` people, ten list entries each,
their profiles; ``hobbymatch seed`` takes about ten minutes a million). Then, in interleaved
rounds, it times the index's build (``build_snapshot``: a binary ``COPY`` into numpy arrays)
and, as the baseline, the same two queries' rows fetched through psycopg2's cursor as tuples,
in batches (what the build spent most of its 76 s on at a million users, before the COPY);
it prints both, their ratio, the index's memory and the build's peak of resident memory.
Writes bench/results/index-build-<time>.json (``--quick``: 2,000 people, a temporary folder).

    python3 -m venv .venv && .venv/bin/pip install -e '.[bench]' -e ./testkit
    .venv/bin/python bench/index_build.py --users 1000000
"""

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hobbymatch_testkit.postgres import TemporaryPostgres
from serving import BENCH, SECRET
from sqlalchemy import text

from core.config import load_settings
from core.main import create_app, start_modules, stop_modules
from core.platform import Platform
from modules.matches.index import build_snapshot

ENTRIES_PER_USER = 10
# The rows the build reads, as it read them before the COPY.
BASELINE_QUERIES = (
    "SELECT user_id, skill_id, intent, rank FROM user_skills ORDER BY user_id",
    "SELECT user_id, category_mask FROM skill_profiles",
)
FILL = (
    """INSERT INTO users (id, email, password_hash, display_name, is_active, token_version,
       created_at)
       SELECT md5(n::text)::uuid, 'build-' || n || '@example.com', 'not a hash', 'Build ' || n,
              true, 0, now()
       FROM generate_series(1, :users) AS n""",
    """INSERT INTO user_skills (user_id, skill_id, intent, rank)
       SELECT md5(n::text)::uuid, skills.ids[1 + (n + rank) % cardinality(skills.ids)],
              (ARRAY['share', 'teach', 'learn'])[1 + (n * rank) % 3], rank
       FROM generate_series(1, :users) AS n, generate_series(1, :entries) AS rank,
            (SELECT array_agg(id ORDER BY id) AS ids FROM skills) AS skills""",
    """INSERT INTO skill_profiles (user_id, category_mask)
       SELECT md5(n::text)::uuid, n % 1024 FROM generate_series(1, :users) AS n""",
)


def main() -> None:
    """Fill, measure in rounds, print, write the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="2,000 people, one round")
    arguments = parser.parse_args()
    users, rounds = (2_000, 1) if arguments.quick else (arguments.users, arguments.rounds)
    server = TemporaryPostgres()
    server.start()
    try:
        figures = measure(server, users, rounds)
    finally:
        server.cleanup()
    folder = Path(tempfile.mkdtemp()) if arguments.quick else BENCH / "results"
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    (folder / f"index-build-{stamp}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {folder / f'index-build-{stamp}.json'}")


def measure(server: TemporaryPostgres, users: int, rounds: int) -> dict[str, object]:
    """Fill the database with ``users`` people, then time the build and the baseline, round
    after round."""
    settings = load_settings(
        None,
        database_url=server.url,
        module_settings={"users": {"secret_key": SECRET}},
        modules=["users", "skills", "matches"],
        log_level="WARNING",
    )
    app = create_app(settings)
    start_modules(app)
    platform = Platform.of(app)
    started = time.perf_counter()
    with platform.engine.begin() as connection:
        connection.execute(text("SET LOCAL statement_timeout = 0"))
        for statement in FILL:
            connection.execute(text(statement), {"users": users, "entries": ENTRIES_PER_USER})
    print(
        f"filled {users:,} people, {users * ENTRIES_PER_USER:,} entries in "
        f"{time.perf_counter() - started:.0f} s"
    )
    with platform.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    builds: list[float] = []
    fetches: list[float] = []
    memory = peak = 0
    for number in range(rounds):
        resident = _resident_kib()
        started = time.perf_counter()
        with platform.session_factory() as db:
            snapshot = build_snapshot(db)
        builds.append(time.perf_counter() - started)
        memory, peak = snapshot.nbytes, max(peak, _peak_kib() - resident)
        del snapshot
        fetches.append(_fetch_through_the_cursor(platform))
        print(
            f"round {number + 1}: build {builds[-1]:.1f} s, the same rows through the cursor "
            f"{fetches[-1]:.1f} s ({builds[-1] / fetches[-1]:.2f}x)"
        )
    stop_modules(app)
    build, fetch = statistics.median(builds), statistics.median(fetches)
    print(
        f"\n{users:,} people: build {build:.1f} s (median of {rounds}; {min(builds):.1f}-"
        f"{max(builds):.1f}), {build / fetch:.2f}x the rows through the cursor alone "
        f"({fetch:.1f} s); index {memory / 1e6:.0f} MB; the build's peak over resident "
        f"memory at its start {peak / 1024:.0f} MiB"
    )
    return {
        "users": users,
        "entries": users * ENTRIES_PER_USER,
        "build_seconds": builds,
        "cursor_seconds": fetches,
        "ratio": build / fetch,
        "index_bytes": memory,
        "build_peak_kib": peak,
    }


def _fetch_through_the_cursor(platform: Platform) -> float:
    """Seconds to fetch the build's rows as tuples, in batches, through a named cursor."""
    started = time.perf_counter()
    connection = platform.engine.raw_connection()
    try:
        for number, query in enumerate(BASELINE_QUERIES):
            cursor = connection.cursor(f"baseline_{number}")
            cursor.execute(query)
            while cursor.fetchmany(50_000):
                pass
            cursor.close()
        connection.rollback()
    finally:
        connection.close()
    return time.perf_counter() - started


def _resident_kib() -> int:
    return _status_field("VmRSS")


def _peak_kib() -> int:
    return _status_field("VmHWM")


def _status_field(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


if __name__ == "__main__":
    main()

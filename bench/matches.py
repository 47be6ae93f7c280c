"""Benchmark: GET /matches on PostgreSQL with N demo users holding 10 skills each.

Starts a throwaway PostgreSQL, loads ``hobbymatch seed --users N``, then times GET /matches
(both types) for a sample of callers through the app, beside two baselines measured in the
same run: GET /health through the same app (the framework's floor) and the ranking SQL alone
(the database's share). Prints the figures, their ratios, and the PostgreSQL plan.

    .venv/bin/python bench/matches.py --users 100000
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.config import load_settings
from core.database import get_engine
from core.main import create_app, start_modules
from core.postgres_server import TemporaryPostgres

REPOSITORY = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    arguments = parser.parse_args()
    server = TemporaryPostgres()
    server.start()
    try:
        run(server, arguments.users, arguments.callers, arguments.repeats)
    finally:
        server.cleanup()


def run(server: TemporaryPostgres, users: int, callers: int, repeats: int) -> None:
    """Seed, warm up, measure and report."""
    secret = "bench-" + "k" * 40
    environment = {
        **os.environ,
        "HOBBYMATCH_DATABASE_URL": server.url,
        "HOBBYMATCH_SECRET_KEY": secret,
    }
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "hobbymatch"), "seed", "--users", str(users)],
        env=environment,
        check=True,
        cwd=REPOSITORY,
    )
    print(f"seeded {users} users x 10 skills in {time.perf_counter() - started:.1f} s")
    app = create_app(load_settings(_env_file=None, database_url=server.url, secret_key=secret))
    start_modules(app)
    with get_engine().begin() as connection:
        connection.execute(text("ANALYZE"))
    client = TestClient(app)
    emails = [
        f"demo-0-{number}@example.com" for number in random.Random(1).sample(range(users), callers)
    ]
    tokens = [log_in(client, email) for email in emails]
    health = timed(lambda: client.get("/health"), repeats * callers)
    print(f"\nGET /health (floor)          median {health:6.2f} ms")
    for match_type in ("shared", "trade"):
        path = f"/matches?type={match_type}"
        latencies = [
            timed(lambda token=token, path=path: client.get(path, headers=auth(token)), repeats)
            for token in tokens
        ]
        median = statistics.median(latencies)
        verdict = "met" if median <= 50 else "NOT met"
        print(
            f"GET {path:<22} median {median:7.2f} ms  (slowest caller {max(latencies):.2f} ms, "
            f"{median / health:.1f}x /health; target <= 50 ms: {verdict})"
        )
    print_plan(client, emails[0])


def log_in(client: TestClient, email: str) -> str:
    """A bearer token for a demo user."""
    response = client.post("/auth/token", data={"username": email, "password": "hobbymatch-demo"})
    response.raise_for_status()
    return str(response.json()["access_token"])


def auth(token: str) -> dict[str, str]:
    """Authorization headers for ``token``."""
    return {"Authorization": f"Bearer {token}"}


def timed(action: Callable[[], object], repeats: int) -> float:
    """The median wall time of ``action`` in milliseconds, after one warm-up call."""
    action()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def print_plan(client: TestClient, email: str) -> None:
    """Print PostgreSQL's plan of the shared ranking for one caller."""
    from modules.matches.schemas import MatchType
    from modules.matches.scoring import ranking_query
    from modules.matches.service import lists_of

    with Session(get_engine()) as db:
        user_id = db.execute(
            text("SELECT id FROM users WHERE email = :e"), {"e": email}
        ).scalar_one()
        query = ranking_query(MatchType.SHARED, lists_of(db, [user_id])[user_id]).bindparams(
            me=user_id, limit=20, offset=0
        )
        sql = query.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
        plan = db.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
        print("\nPlan of the shared ranking (EXPLAIN ANALYZE):")
        print("\n".join(row[0] for row in plan))


if __name__ == "__main__":
    main()

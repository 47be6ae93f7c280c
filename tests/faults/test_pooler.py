"""Four app processes behind PgBouncer in transaction mode, its server pool (10) far smaller
than the app pools: under load every request is answered, none hangs, and every process still
answers afterwards.

With more requests in flight per process than worker threads (20 against 4, as before), this
froze for good: a request holds its transaction open across thread-pool hops, so the server
connections sat idle in transaction, held by requests waiting for a thread, while every thread
waited for a server connection (checked: every request then answered 503 after its deadline).
"""

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import psycopg2
from hobbymatch_testkit.postgres import TemporaryPgBouncer, TemporaryPostgres

from modules.users.security import issue_token
from tests.faults.servers import serving_many
from tests.throwaway_modules import run_cli

PROCESSES = 4
CLIENTS = 32  # 8 per process: twice each process's requests in flight
REQUESTS_PER_CLIENT = 3
SECRET = "pooler-test-" + "k" * 40


def call(method: str, url: str, token: str | None = None, body: object = None) -> int:
    """Send one request; its status, or 0 if it failed or hung past the client's timeout."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def seeded_people(
    server: TemporaryPostgres, earlier: set[uuid.UUID]
) -> tuple[list[uuid.UUID], list[int]]:
    """The ids of the seeded users (the session's database may hold ``earlier`` ones, left by
    the tests before, deactivated or signed out for all we know) and of the catalog's skills."""
    users = [user for user in user_ids(server) if user not in earlier]
    connection = psycopg2.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname=server.database
    )
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT id FROM skills ORDER BY id LIMIT 30")
        skills = [int(row[0]) for row in cursor.fetchall()]
    connection.close()
    return users, skills


def user_ids(server: TemporaryPostgres) -> list[uuid.UUID]:
    """The ids of every user in ``server``'s database (none before the app made its tables)."""
    connection = psycopg2.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname=server.database
    )
    with connection, connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('users') IS NOT NULL")
        (table_exists,) = cursor.fetchone() or (False,)
        if not table_exists:
            return []
        cursor.execute("SELECT id FROM users ORDER BY id")
        ids = [uuid.UUID(str(row[0])) for row in cursor.fetchall()]
    connection.close()
    return ids


def test_four_processes_behind_a_small_server_pool_answer_every_request(
    tmp_path: Path, postgres_server: TemporaryPostgres, pgbouncer: TemporaryPgBouncer
) -> None:
    settings = {
        "HOBBYMATCH_DATABASE_URL": pgbouncer.url,
        "HOBBYMATCH_USERS_SECRET_KEY": SECRET,
        "HOBBYMATCH_MODULES": "users,skills",
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
    }
    earlier = set(user_ids(postgres_server))
    with serving_many(tmp_path, PROCESSES, settings) as servers:
        seeded = run_cli("seed", "--users", str(CLIENTS), cwd=tmp_path, env=settings)
        assert seeded.returncode == 0, seeded.stderr
        users, skills = seeded_people(postgres_server, earlier)
        assert len(users) == CLIENTS
        bases = [base for base, _process in servers]

        def client(number: int) -> list[int]:
            me = users[number % len(users)]
            token = issue_token(
                user_id=me, token_version=0, secret_key=SECRET, lifetime=timedelta(hours=1)
            )
            statuses = []
            for step in range(REQUESTS_PER_CLIENT):
                base = bases[(number + step) % len(bases)]
                chosen = skills[(number + step) % len(skills)]
                statuses += [
                    call("GET", f"{base}/users/{users[step % len(users)]}", token),
                    call(
                        "PUT",
                        f"{base}/users/me/skills",
                        token,
                        [{"skill_id": chosen, "intent": "teach"}],
                    ),
                    call("GET", f"{base}/users/me/skills", token),
                ]
            return statuses

        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            statuses = [status for run in pool.map(client, range(CLIENTS)) for status in run]
        reader = issue_token(
            user_id=users[0], token_version=0, secret_key=SECRET, lifetime=timedelta(hours=1)
        )
        afterwards = [call("GET", f"{base}/users/{users[0]}", reader) for base in bases]
        pools = pgbouncer.admin("SHOW POOLS")
        stats = pgbouncer.admin("SHOW STATS")

    assert statuses == [200] * CLIENTS * REQUESTS_PER_CLIENT * 3
    assert afterwards == [200] * PROCESSES
    database = next(row for row in pools if row["database"] == postgres_server.database)
    assert database["cl_waiting"] == 0
    assert sum(int(database[state]) for state in ("sv_active", "sv_idle", "sv_used")) <= 10
    # The pool was too small for the load: clients did wait for a server connection.
    waited = next(row for row in stats if row["database"] == postgres_server.database)
    assert int(waited["total_wait_time"]) > 0

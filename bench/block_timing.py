"""Benchmark: can a blocked person tell a blocker from a deleted account by the time it takes?

Builds the app on SQLite and on a throwaway PostgreSQL, with users, skills, matches, messages,
notifications and blocks. Ben shares a skill, a connection and messages with two people; one
blocks him, the other deletes her account. Then, alternating call by call, Ben asks about each
(profile, skill list, connection request, message, history) through the whole ASGI app, and
the benchmark prints, per call, the median wall time for the blocker beside the baseline of the
same run — the same call about the deleted account — as a ratio (the target: within 10 %).
``--quick`` sends 30 of each.
"""

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.accounts import Account, sign_up_through
from hobbymatch_testkit.postgres import TemporaryPostgres

from core.main import create_app, start_modules, stop_modules

MODULES = ["users", "skills", "matches", "messages", "notifications", "blocks"]


def main() -> None:
    """Measure on both backends and print one row per call."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="30 calls of each")
    arguments = parser.parse_args()
    calls = 30 if arguments.quick else arguments.calls
    with TemporaryDirectory() as folder:
        measure("sqlite", f"sqlite:///{Path(folder) / 'timing.db'}", calls)
    server = TemporaryPostgres()
    server.start()
    try:
        measure("postgresql", server.url, calls)
    finally:
        server.cleanup()


def measure(backend: str, url: str, calls: int) -> None:
    """Print, per call, the blocker's median beside the deleted account's."""
    app = create_app(make_test_settings(url, modules=MODULES))
    start_modules(app)
    client = TestClient(app)
    ben, blocker, deleted = (sign_up_through(client) for _ in range(3))
    for other in (blocker, deleted):
        share_a_past(client, ben, other)
    client.post("/blocks", json={"user_id": str(ben.id)}, headers=blocker.headers)
    client.delete("/users/me", headers=deleted.headers)
    print(f"\n{backend}: median ms over {calls} calls, the blocker / a deleted account")
    for name, call in calls_by(client, ben).items():
        blocker_ms, deleted_ms = medians(call, blocker, deleted, calls)
        print(
            f"  {name:32} {blocker_ms:7.2f} / {deleted_ms:7.2f}   {blocker_ms / deleted_ms:5.2f}x"
        )
    client.close()
    stop_modules(app)


def share_a_past(client: TestClient, ben: Account, other: Account) -> None:
    """A skill in common, a connection, and a message each way."""
    chess = client.get("/skills", params={"q": "chess"}).json()["items"][0]["id"]
    for person in (ben, other):
        chosen = [{"skill_id": chess, "intent": "share"}]
        client.put("/users/me/skills", json=chosen, headers=person.headers)
    sent = client.post("/matches/requests", json={"user_id": str(ben.id)}, headers=other.headers)
    client.post(f"/matches/requests/{sent.json()['id']}/accept", headers=ben.headers)
    for sender, recipient in ((ben, other), (other, ben)):
        body = {"to_user_id": str(recipient.id), "text": "hello"}
        client.post("/messages", json=body, headers=sender.headers)


Call = Callable[[Account], int]


def calls_by(client: TestClient, ben: Account) -> dict[str, Call]:
    """Each call Ben may make about another person, returning its status."""
    headers = ben.headers
    return {
        "GET /users/{id}": lambda o: client.get(f"/users/{o.id}", headers=headers).status_code,
        "GET /users/{id}/skills": lambda o: (
            client.get(f"/users/{o.id}/skills", headers=headers).status_code
        ),
        "POST /matches/requests": lambda o: (
            client.post(
                "/matches/requests", json={"user_id": str(o.id)}, headers=headers
            ).status_code
        ),
        "POST /messages": lambda o: (
            client.post(
                "/messages", json={"to_user_id": str(o.id), "text": "hi"}, headers=headers
            ).status_code
        ),
        "GET /messages/with/{id}": lambda o: (
            client.get(f"/messages/with/{o.id}", headers=headers).status_code
        ),
    }


def medians(call: Call, blocker: Account, deleted: Account, calls: int) -> tuple[float, float]:
    """The median ms of ``call`` about each, alternating so that drift hits both alike."""
    times: dict[str, list[float]] = {"blocker": [], "deleted": []}
    for _ in range(calls):
        for name, other in (("blocker", blocker), ("deleted", deleted)):
            start = time.perf_counter()
            status = call(other)
            times[name].append((time.perf_counter() - start) * 1000)
            assert status == 404, f"{name}: {status}"
    return statistics.median(times["blocker"]), statistics.median(times["deleted"])


if __name__ == "__main__":
    main()

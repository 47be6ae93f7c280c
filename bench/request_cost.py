"""Benchmark: what one ordinary request costs in process, without the machine's HTTP noise.

Starts a throwaway PostgreSQL, builds the app (users and skills), signs one user up, then sends
``GET /users/me`` and ``PUT /users/me/skills`` through the whole ASGI app (every middleware,
FastAPI, the thread pool), one request at a time, and prints for each the mean wall time and
process CPU time per request, and its CPU over that of ``GET /health`` (no
database; the middleware and routing every request pays), measured in the same run as the
baseline. ``--quick`` sends 50 requests of each. The access log goes to stderr, as when
served. To compare with an earlier checkout, run the same file with that checkout first on
``PYTHONPATH``, alternating:

    .venv/bin/python bench/request_cost.py 2>/dev/null
    PYTHONPATH=/tmp/before .venv/bin/python bench/request_cost.py 2>/dev/null
"""

import argparse
import asyncio
import json
import time
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.postgres import TemporaryPostgres
from starlette.types import Message

from core.config import load_settings
from core.main import create_app, start_modules, stop_modules

WARM_UP = 200


def main() -> None:
    """Measure and print one JSON line per route."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="50 requests of each, no warm-up")
    arguments = parser.parse_args()
    count, warm_up = (50, 0) if arguments.quick else (arguments.requests, WARM_UP)
    server = TemporaryPostgres()
    server.start()
    try:
        # The test kit's settings (its cheap password hashes), without importing pytest.
        settings = load_settings(
            None, for_tests=True, database_url=server.url, modules=["users", "skills"]
        )
        app = create_app(settings)
        start_modules(app)
        with TestClient(app) as setup:
            headers = _signed_up(setup)
            listed = setup.get("/skills", params={"limit": 3}).json()["items"]
        skills = [{"skill_id": item["id"], "intent": "share"} for item in listed]
        routes: list[tuple[str, str, Any]] = [
            ("GET", "/health", None),
            ("GET", "/users/me", None),
            ("PUT", "/users/me/skills", skills),
        ]
        baseline_cpu_us = None
        for method, path, body in routes:
            request = _Request(app, method, path, headers, body)
            figures = asyncio.run(_measure(request, count, warm_up))
            baseline_cpu_us = baseline_cpu_us or figures["cpu_us"]
            figures["cpu_over_health"] = round(figures["cpu_us"] / baseline_cpu_us, 2)
            print(json.dumps({"route": f"{method} {path}", **figures}))
        stop_modules(app)
    finally:
        server.cleanup()


def _signed_up(client: TestClient) -> dict[str, str]:
    """Sign one person up and in; the headers of their requests."""
    account = {"email": "cost@example.com", "password": "correct horse", "display_name": "C"}
    assert client.post("/users", json=account).status_code == 201
    form = {"username": account["email"], "password": account["password"]}
    token = client.post("/auth/token", data=form).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


class _Request:
    """One request, sent straight to the ASGI app."""

    def __init__(
        self, app: FastAPI, method: str, path: str, headers: dict[str, str], body: Any
    ) -> None:
        self.app = app
        self.body = json.dumps(body).encode() if body is not None else b""
        raw_headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
        raw_headers += [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body)).encode()),
        ]
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
        }

    async def send(self) -> int:
        """Send it; return the status."""
        delivered = False
        statuses: list[int] = []

        async def receive() -> Message:
            nonlocal delivered
            if delivered:
                await asyncio.Event().wait()  # no disconnect: the client waits for the answer
            delivered = True
            return {"type": "http.request", "body": self.body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await self.app(dict(self.scope), receive, send)
        return statuses[0]


async def _measure(request: _Request, count: int, warm_up: int) -> dict[str, Any]:
    for _ in range(warm_up):
        status = await request.send()
        assert status == 200, status
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        status = await request.send()
        assert status == 200, status
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall_us": round(wall / count * 1e6), "cpu_us": round(cpu / count * 1e6)}


if __name__ == "__main__":
    main()

"""Benchmark: what one ordinary request costs in process, without the machine's HTTP noise.

Starts a throwaway PostgreSQL, builds the app (users and skills), signs one user up, then sends
``GET /users/me`` and ``PUT /users/me/skills`` through the whole ASGI app (every middleware,
FastAPI, the thread pool), one request at a time, and prints for each the mean wall time and
process CPU time per request, and the part of that CPU spent inside the one-hop worker thread
(``core.routing``; absent in code without it). The access log goes to stderr, as when
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
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message

from core.main import create_app, start_modules, stop_modules
from core.postgres_server import TemporaryPostgres
from core.testing import make_test_settings
from modules.users.testing import sign_up_through

WARM_UP = 200


def main() -> None:
    """Measure and print one JSON line per route."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    arguments = parser.parse_args()
    server = TemporaryPostgres()
    server.start()
    try:
        app = create_app(make_test_settings(server.url, modules=["users", "skills"]))
        start_modules(app)
        with TestClient(app) as setup:
            caller = sign_up_through(setup)
            listed = setup.get("/skills", params={"limit": 3}).json()["items"]
        skills = [{"skill_id": item["id"], "intent": "share"} for item in listed]
        hop = _HopClock()
        routes: list[tuple[str, str, Any]] = [
            ("GET", "/users/me", None),
            ("PUT", "/users/me/skills", skills),
        ]
        for method, path, body in routes:
            request = _Request(app, method, path, caller.headers, body)
            figures = asyncio.run(_measure(request, arguments.requests, hop))
            print(json.dumps({"route": f"{method} {path}", **figures}))
        stop_modules(app)
    finally:
        server.cleanup()


class _HopClock:
    """CPU time spent inside the one-hop worker thread, when the code has one."""

    def __init__(self) -> None:
        self.seconds = 0.0
        try:
            # Imported here: code from before the one-hop path has no core.routing.
            from core import routing
        except ImportError:
            self.available = False
            return
        self.available = True
        serve = routing._serve_in_one_hop

        def timed(handler: routing.Handler, request: Request) -> Response:
            started = time.thread_time()
            try:
                return serve(handler, request)
            finally:
                self.seconds += time.thread_time() - started

        routing._serve_in_one_hop = timed


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


async def _measure(request: _Request, count: int, hop: _HopClock) -> dict[str, Any]:
    for _ in range(WARM_UP):
        status = await request.send()
        assert status == 200, status
    hop.seconds = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        await request.send()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    figures = {"wall_us": round(wall / count * 1e6), "cpu_us": round(cpu / count * 1e6)}
    if hop.available:
        figures["hop_cpu_us"] = round(hop.seconds / count * 1e6)
    return figures


if __name__ == "__main__":
    main()

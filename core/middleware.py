"""Pure-ASGI middleware: request ids with one access-log line and the request metrics per
request, the body read
whole and bounded in size and time, a deadline and a limit for requests in flight, NUL-free
query strings, security headers.

Written against ASGI directly rather than ``BaseHTTPMiddleware``, which would add a task and a
stream copy to every request.
"""

import asyncio
import contextlib
import logging
import re
import time
import uuid
import weakref
from collections import deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logs import request_context, route_of
from core.metrics import UNMATCHED, HttpMetrics

access_logger = logging.getLogger("hobbymatch.access")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLogMiddleware:
    """Give every request an id (``X-Request-ID``, kept from the client when it is safe), let
    every line logged while it is answered carry it (:mod:`core.logs`), then log one access
    line (method, path, status, duration, request id, with the module and route template as
    fields) and count the answer in ``metrics``, by route template.

    A stream of Server-Sent Events leaves the requests in flight as it starts and is counted
    but not timed: its duration is how long its client listened.
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id_from(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        in_flight = self.metrics.in_flight
        in_flight.inc()
        streaming = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, streaming
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
                if _starts_event_stream(message):
                    streaming = True
                    in_flight.dec()
            await send(message)

        try:
            with request_context(scope):
                await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if not streaming:
                in_flight.dec()
            module, route = route_of(scope)
            self.metrics.answered(
                route=route or UNMATCHED,
                method=scope["method"],
                status=status,
                seconds=None if streaming else seconds,
            )
            access_logger.info(
                "%s %s %d %.1fms id=%s",
                scope["method"],
                scope["path"],
                status,
                seconds * 1000,
                request_id,
                extra={
                    "request_id": request_id,
                    "hobbymatch_module": module,
                    "route": route,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )


class BodyReadMiddleware:
    """Read the whole request body before the app sees the request: 413 when it is larger than
    ``max_bytes`` (declared or, chunked, as it arrives), 408 when it has not arrived within
    ``timeout`` seconds.

    Placed outside :class:`InFlightLimitMiddleware`, so that a client trickling its body in
    holds no in-flight slot (nor, behind it, a thread or a database connection): slow uploads
    only wait here, each bounded by ``timeout``.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _send_too_large(send, self.max_bytes)
            return
        try:
            async with asyncio.timeout(self.timeout):
                body = await _read_body(receive, self.max_bytes)
        except TimeoutError:
            await _send_json(send, 408, b'{"detail":"the request body did not arrive in time"}')
            return
        except _BodyTooLargeError:
            await _send_too_large(send, self.max_bytes)
            return
        except _ClientDisconnectedError:
            return
        await self.app(scope, _replaying(body, receive), send)


async def _read_body(receive: Receive, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientDisconnectedError
        chunk = message.get("body", b"")
        received += len(chunk)
        if received > max_bytes:
            raise _BodyTooLargeError
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    # The body once, then the server's own messages (a disconnect, which Starlette listens for).
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


class InFlightLimitMiddleware:
    """Let at most ``limit`` requests in at once; the rest wait in the event loop, holding no
    thread and no database connection, and go in in the order they came. Paths in ``exempt``
    always pass.

    A response that starts a stream of Server-Sent Events (``text/event-stream``) gives its
    slot back as it starts: a stream stays open for as long as its client listens, and holds
    no thread or connection between its events (each event's reads take their own).
    """

    def __init__(self, app: ASGIApp, limit: int, exempt: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.exempt = exempt
        self.limit = limit
        # One set of slots per event loop, as the worker threads are (anyio keeps a thread
        # limiter per loop): a server runs one loop, but a test client may run one per request
        # thread, and an asyncio future belongs to the loop that made it.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _FifoSlots] = (
            weakref.WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = _FifoSlots(self.limit)
        await slots.acquire()
        holding = True

        def release() -> None:
            nonlocal holding
            if holding:
                holding = False
                slots.release()

        async def send_releasing_streams(message: Message) -> None:
            if message["type"] == "http.response.start" and _starts_event_stream(message):
                release()
            await send(message)

        try:
            await self.app(scope, receive, send_releasing_streams)
        finally:
            release()


def _starts_event_stream(message: Message) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/event-stream")
        for name, value in message.get("headers", [])
    )


class _FifoSlots:
    """A semaphore that serves waiters strictly in arrival order, handing a released slot
    straight to the next one. asyncio's own lets a newcomer take a slot released while the
    woken waiter has not run yet: with a few slots and many waiting requests, some waited
    past any client's timeout while later ones passed."""

    def __init__(self, limit: int) -> None:
        self._free = limit
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> None:
        """Take a slot, waiting behind everyone who came earlier."""
        if self._free and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot at the moment of cancellation: pass it on
            else:
                with contextlib.suppress(ValueError):  # unless a release already dropped it
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Give the slot to the longest waiter, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class SecurityHeadersMiddleware:
    """Add ``X-Content-Type-Options: nosniff`` to every response, and ``Cache-Control:
    no-store`` to every response that sets no caching of its own: API answers carry tokens
    and private profiles (RFC 6749 section 5.1), which no cache may keep."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _value in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestDeadlineMiddleware:
    """Answer 503 with ``Retry-After`` to a request that has not begun its answer within
    ``timeout`` seconds (paths in ``exempt`` have none), so that no client waits unbounded on
    a database that stopped answering.

    A thread blocked in a database call cannot be interrupted: the late request goes on,
    holding its slot, and its answer is dropped when it comes. (A late write may therefore
    still commit: 503 never promises that nothing happened.) The deadline is a timer, not a
    task per request: the request runs in the server's own task, and only a late one costs
    a task, the one that sends its 503.
    """

    def __init__(self, app: ASGIApp, timeout: float, exempt: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.timeout = timeout
        self.exempt = exempt
        self._late: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        answered_late = False
        started = False

        async def send_unless_late(message: Message) -> None:
            nonlocal started
            if answered_late:
                return
            started = True
            await send(message)

        def answer_late() -> None:
            nonlocal answered_late
            if started:
                return
            answered_late = True
            body = b'{"detail":"the server could not answer in time; try again shortly"}'
            answer = asyncio.ensure_future(
                _send_json(send, 503, body, headers=[(b"retry-after", b"5")])
            )
            self._late.add(answer)
            answer.add_done_callback(self._late.discard)

        timer = asyncio.get_running_loop().call_later(self.timeout, answer_late)
        try:
            await self.app(scope, receive, send_unless_late)
        except Exception as error:
            if not answered_late:
                raise
            access_logger.warning("a request answered late failed: %r", error)
        finally:
            timer.cancel()


class RejectNulInQueryMiddleware:
    """Answer 422 to a query string holding a NUL character, which no text column can store
    (PostgreSQL's driver refuses it outright), before any module sees it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"%00" not in query and b"\x00" not in query:
            await self.app(scope, receive, send)
            return
        body = (
            b'{"detail":[{"type":"string_pattern_mismatch","loc":["query"],'
            b'"msg":"query parameters may not contain NUL characters"}]}'
        )
        await _send_json(send, 422, body)


class _BodyTooLargeError(Exception):
    pass


class _ClientDisconnectedError(Exception):
    pass


def _request_id_from(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SAFE_REQUEST_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _send_too_large(send: Send, max_bytes: int) -> None:
    await _send_json(send, 413, b'{"detail":"request body is larger than %d bytes"}' % max_bytes)


async def _send_json(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    all_headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})

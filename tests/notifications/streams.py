"""Reading Server-Sent Events from a real server, as a browser's EventSource does: a
background thread parses the stream into events (and heartbeat comments) in a queue, and says
when the server ended the stream."""

import http.client
import json
import queue
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import httpx2
import uvicorn
from fastapi import FastAPI
from hobbymatch_testkit.accounts import sign_up_through

from tests.faults.servers import free_port


@dataclass
class Event:
    """One event of the stream: its ``id``, ``event`` name and JSON ``data``."""

    id: str
    event: str
    data: dict[str, Any]
    received_at: float = field(default_factory=time.monotonic)


class EventReader:
    """``GET`` an event stream and parse it in a thread until :meth:`close`."""

    def __init__(self, base: str, path: str, headers: Mapping[str, str] | None = None) -> None:
        address = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(
            address.hostname or "", address.port, timeout=10
        )
        self.connection.request("GET", path, headers=dict(headers or {}))
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.headers = dict(self.response.getheaders())
        self.events: queue.Queue[Event] = queue.Queue()
        self.comments: queue.Queue[str] = queue.Queue()
        self.ended = threading.Event()
        self.ended_at = 0.0
        self._thread = threading.Thread(target=self._read, daemon=True)
        if self.status == 200:
            self._thread.start()

    def next_event(self, timeout: float = 3.0) -> Event:
        """The next event, waiting at most ``timeout`` seconds (``queue.Empty`` otherwise)."""
        return self.events.get(timeout=timeout)

    def wait_until_ended(self, timeout: float = 3.0) -> float:
        """Wait at most ``timeout`` seconds for the server to end the stream; when it did, by
        ``time.monotonic()`` (``TimeoutError`` if it did not)."""
        if not self.ended.wait(timeout):
            raise TimeoutError(f"the stream was still open after {timeout} s")
        return self.ended_at

    def close(self) -> None:
        """Hang up, as a browser tab that closes."""
        sock = self.connection.sock
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _read(self) -> None:
        try:
            self._parse()
        finally:
            self.ended_at = time.monotonic()
            self.ended.set()

    def _parse(self) -> None:
        fields: dict[str, str] = {}
        try:
            while line := self.response.readline():
                text = line.decode().rstrip("\r\n")
                if text.startswith(":"):
                    self.comments.put(text)
                elif text:
                    name, _, value = text.partition(":")
                    fields[name] = value.removeprefix(" ")
                elif "data" in fields:
                    self.events.put(
                        Event(
                            fields.get("id", ""),
                            fields.get("event", "message"),
                            json.loads(fields["data"]),
                        )
                    )
                    fields = {}
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            # The connection was closed under the reader (close()).
            return


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve the test's ``app`` (its modules already started) with Uvicorn in a thread; yield
    its base URL."""
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def assert_request_reaches_stream_on_other_server(listening: str, writing: str) -> None:
    """Ben opens a stream on the server at ``listening``; Ana sends him a connection request
    through the server at ``writing``: the notification must arrive within a second of the
    request's commit."""
    with httpx2.Client(base_url=listening) as first, httpx2.Client(base_url=writing) as second:
        ana, ben = sign_up_through(second), sign_up_through(first)  # type: ignore[arg-type]
        ticket = first.post("/notifications/stream-tickets", headers=ben.headers).json()["ticket"]
        reader = EventReader(listening, f"/notifications/stream?ticket={ticket}")
        try:
            time.sleep(0.5)  # the stream is open and its worker listening
            sent = second.post(
                "/matches/requests", json={"user_id": str(ben.id)}, headers=ana.headers
            )
            committed = time.monotonic()
            assert sent.status_code == 201, sent.text
            event = reader.next_event(timeout=5)
            assert event.data["subject_id"] == sent.json()["id"]
            assert event.received_at - committed < 1.0
        finally:
            reader.close()


def assert_password_change_ends_stream_on_other_server(listening: str, writing: str) -> None:
    """Ben opens a stream on the server at ``listening``, then changes his password through
    the server at ``writing``: the stream must end, with an event ``revoked``, within a second
    of the change's commit."""
    with httpx2.Client(base_url=listening) as first, httpx2.Client(base_url=writing) as second:
        ben = sign_up_through(first)  # type: ignore[arg-type]
        ticket = first.post("/notifications/stream-tickets", headers=ben.headers).json()["ticket"]
        reader = EventReader(listening, f"/notifications/stream?ticket={ticket}")
        try:
            assert reader.status == 200
            body = {"current_password": ben.password, "new_password": "a brand new password"}
            changed = second.post("/users/me/password", json=body, headers=ben.headers)
            committed = time.monotonic()
            assert changed.status_code == 204, changed.text
            assert reader.wait_until_ended(timeout=5) - committed < 1.0
            assert reader.next_event(timeout=0).event == "revoked"
        finally:
            reader.close()

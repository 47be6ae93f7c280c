"""Shutdown: on SIGTERM, Uvicorn finishes the requests in flight and the process exits 0.

The requests are known to be in flight (the app asked for their bodies) before the signal,
and their bodies are sent only once the server is shutting down: they can complete only if
it drains them."""

import json
import signal
import socket
import time
from pathlib import Path

from tests.faults.servers import serving

IN_FLIGHT = 6


def start_registration(base: str, number: int) -> tuple[socket.socket, bytes]:
    """Send ``POST /users``'s head with ``Expect: 100-continue`` and wait for the server's
    ``100 Continue``: the app is then reading this request's body, so it is in flight.
    Return the connection and the body still to send."""
    body = json.dumps(
        {"email": f"late{number}@example.com", "password": "slow argon2", "display_name": "Late"}
    ).encode()
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=30)
    connection.sendall(
        b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    assert connection.recv(64) == b"HTTP/1.1 100 Continue\r\n\r\n"
    return connection, body


def finish_registration(connection: socket.socket, body: bytes) -> bytes:
    """Send the rest of the request; return the response's status line."""
    with connection:
        connection.sendall(body)
        return connection.makefile("rb").readline().strip()


def wait_for_line(log: Path, text: str) -> None:
    """Wait until ``log`` holds ``text``, or fail after 30 s."""
    deadline = time.monotonic() + 30
    while text not in log.read_text():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{text!r} never appeared in {log}")
        time.sleep(0.01)


def test_sigterm_finishes_in_flight_requests_and_exits_0(tmp_path: Path) -> None:
    with serving(tmp_path) as (base, server):
        in_flight = [start_registration(base, number) for number in range(IN_FLIGHT)]
        server.send_signal(signal.SIGTERM)
        wait_for_line(tmp_path / "server.log", "Shutting down")
        statuses = [finish_registration(*request) for request in in_flight]
        assert statuses == [b"HTTP/1.1 201 Created"] * IN_FLIGHT
        assert server.wait(timeout=30) == 0
    assert "Finished server process" in (tmp_path / "server.log").read_text()

"""Slow uploads: clients trickling their bodies in hold no slot that other requests need, and
each is cut off after the body-read timeout."""

import socket
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from core.config import load_settings
from tests.faults.servers import serving

SLOW_CLIENTS = load_settings(None).requests_in_flight + 5
BODY_READ_TIMEOUT = 3


@pytest.fixture
def base(tmp_path: Path) -> Iterator[str]:
    """A served HobbyMatch whose body-read timeout is a few seconds."""
    settings = {"HOBBYMATCH_BODY_READ_TIMEOUT": str(BODY_READ_TIMEOUT)}
    with serving(tmp_path, settings) as (url, _server):
        yield url


def start_slow_upload(base: str) -> socket.socket:
    """Send ``POST /users`` announcing 1000 bytes of body, and only the first few."""
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=BODY_READ_TIMEOUT + 20)
    connection.sendall(
        b"POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"email": '
    )
    return connection


def test_slow_uploads_do_not_stall_other_requests(base: str) -> None:
    with ExitStack() as stack:
        slow = [stack.enter_context(start_slow_upload(base)) for _ in range(SLOW_CLIENTS)]
        # Answered while every slow upload is still sending (they are cut off only later).
        with urllib.request.urlopen(f"{base}/skills", timeout=BODY_READ_TIMEOUT - 1) as response:  # noqa: S310 (loopback)
            assert response.status == 200
        for connection in slow:
            assert connection.recv(64).startswith(b"HTTP/1.1 408 ")

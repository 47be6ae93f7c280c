"""``GET /notifications/stream``: Server-Sent Events opened with a single-use ticket, pushed
within a second of the commit, resumed by ``Last-Event-ID`` without loss, kept alive by
heartbeat comments, and freed when the client leaves."""

import queue
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from core.platform import Platform
from modules.notifications.live import StreamHub
from tests.notifications.streams import EventReader, live_server
from tests.social import request_connection

SignUp = Callable[..., Account]
TicketFor = Callable[[Account], str]


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """Heartbeats every 0.2 s, so that a test sees some."""
    return {"notifications": {"heartbeat_seconds": 0.2}}


@pytest.fixture
def base(app: FastAPI) -> Iterator[str]:
    """The test app, served by Uvicorn on a loopback port."""
    with live_server(app) as url:
        yield url


def test_a_new_notification_is_pushed_within_a_second(
    client: TestClient, base: str, sign_up: SignUp, ticket_for: TicketFor
) -> None:
    ana, ben = sign_up(display_name="Ana"), sign_up()
    reader = EventReader(base, f"/notifications/stream?ticket={ticket_for(ben)}")
    try:
        assert reader.status == 200
        assert reader.headers["content-type"].startswith("text/event-stream")
        time.sleep(0.3)  # the stream is open and waiting
        request_id = request_connection(client, ana, ben)
        committed = time.monotonic()
        event = reader.next_event(timeout=3)
        assert event.received_at - committed < 1.0
        assert event.event == "notification"
        assert event.data["kind"] == "request_received"
        assert event.data["subject_id"] == str(request_id)
        assert event.data["actor"]["display_name"] == "Ana"
        assert event.id == str(event.data["id"])
        assert reader.comments.get(timeout=2).startswith(":")  # a heartbeat
    finally:
        reader.close()


def test_last_event_id_resumes_without_loss(
    client: TestClient, base: str, sign_up: SignUp, ticket_for: TicketFor
) -> None:
    ben = sign_up()
    senders = [sign_up() for _ in range(3)]
    reader = EventReader(base, f"/notifications/stream?ticket={ticket_for(ben)}")
    request_connection(client, senders[0], ben)
    first = reader.next_event()
    reader.close()
    request_connection(client, senders[1], ben)
    request_connection(client, senders[2], ben)
    resumed = EventReader(
        base, f"/notifications/stream?ticket={ticket_for(ben)}", {"Last-Event-ID": first.id}
    )
    try:
        actors = [resumed.next_event().data["actor"]["id"] for _ in range(2)]
        assert actors == [str(senders[1].id), str(senders[2].id)]
        with pytest.raises(queue.Empty):
            resumed.next_event(timeout=0.5)
    finally:
        resumed.close()
    from_the_start = EventReader(base, f"/notifications/stream?ticket={ticket_for(ben)}&after=0")
    try:
        everything = [from_the_start.next_event().data["actor"]["id"] for _ in range(3)]
        assert everything == [str(sender.id) for sender in senders]
    finally:
        from_the_start.close()


def test_a_ticket_opens_one_stream_only(base: str, sign_up: SignUp, ticket_for: TicketFor) -> None:
    ben = sign_up()
    ticket = ticket_for(ben)
    first = EventReader(base, f"/notifications/stream?ticket={ticket}")
    first.close()
    again = EventReader(base, f"/notifications/stream?ticket={ticket}")
    assert again.status == 401
    assert again.headers["www-authenticate"] == "Bearer"
    unknown = EventReader(base, "/notifications/stream?ticket=made-up")
    assert unknown.status == 401
    missing = EventReader(base, "/notifications/stream")
    assert missing.status == 422


def test_a_client_that_leaves_frees_its_stream(
    app: FastAPI, base: str, sign_up: SignUp, ticket_for: TicketFor
) -> None:
    hub = Platform.of(app).state_of(StreamHub)
    readers = [
        EventReader(base, f"/notifications/stream?ticket={ticket_for(sign_up())}") for _ in range(3)
    ]
    deadline = time.monotonic() + 3
    while hub.open_streams < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hub.open_streams == 3
    for reader in readers:
        reader.close()
    deadline = time.monotonic() + 3
    while hub.open_streams and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hub.open_streams == 0


def test_open_streams_do_not_block_other_requests(
    base: str, sign_up: SignUp, ticket_for: TicketFor
) -> None:
    readers = [
        EventReader(base, f"/notifications/stream?ticket={ticket_for(sign_up())}")
        for _ in range(25)
    ]
    try:
        assert all(reader.status == 200 for reader in readers)
        probe = EventReader(base, "/skills?limit=1")
        assert probe.status == 200
    finally:
        for reader in readers:
            reader.close()

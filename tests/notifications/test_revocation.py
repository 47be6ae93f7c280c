"""Revoked credentials end live streams: a password change, a deactivation or a deletion
refuses the tickets issued before it and ends the streams already open, within a second."""

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from tests.notifications.streams import EventReader, live_server

SignUp = Callable[..., Account]
TicketFor = Callable[[Account], str]
Revoke = Callable[[TestClient, Account], None]


def change_password(client: TestClient, account: Account) -> None:
    body = {"current_password": account.password, "new_password": "a brand new password"}
    response = client.post("/users/me/password", json=body, headers=account.headers)
    assert response.status_code == 204, response.text


def deactivate(client: TestClient, account: Account) -> None:
    response = client.post("/users/me/deactivate", headers=account.headers)
    assert response.status_code == 204, response.text


def delete(client: TestClient, account: Account) -> None:
    response = client.delete("/users/me", headers=account.headers)
    assert response.status_code == 204, response.text


REVOCATIONS = pytest.mark.parametrize(
    "revoke", [change_password, deactivate, delete], ids=["password", "deactivation", "deletion"]
)


@pytest.fixture
def base(app: FastAPI) -> Iterator[str]:
    """The test app, served by Uvicorn on a loopback port."""
    with live_server(app) as url:
        yield url


@REVOCATIONS
def test_a_ticket_issued_before_a_revocation_is_refused(
    client: TestClient, base: str, sign_up: SignUp, ticket_for: TicketFor, revoke: Revoke
) -> None:
    ben = sign_up()
    ticket = ticket_for(ben)
    revoke(client, ben)
    reader = EventReader(base, f"/notifications/stream?ticket={ticket}&after=0")
    try:
        assert reader.status == 401
        assert reader.headers["www-authenticate"] == "Bearer"
    finally:
        reader.close()


@REVOCATIONS
def test_an_open_stream_ends_within_a_second_of_a_revocation(
    client: TestClient, base: str, sign_up: SignUp, ticket_for: TicketFor, revoke: Revoke
) -> None:
    ben = sign_up()
    reader = EventReader(base, f"/notifications/stream?ticket={ticket_for(ben)}")
    try:
        assert reader.status == 200
        revoke(client, ben)
        revoked = time.monotonic()
        ended = reader.wait_until_ended(timeout=5)
        assert ended - revoked < 1.0
        assert reader.next_event(timeout=0).event == "revoked"
    finally:
        reader.close()


def test_a_stream_of_someone_else_stays_open(
    client: TestClient, base: str, sign_up: SignUp, ticket_for: TicketFor
) -> None:
    ana, ben, cleo = sign_up(), sign_up(), sign_up()
    anas = EventReader(base, f"/notifications/stream?ticket={ticket_for(ana)}")
    bens = EventReader(base, f"/notifications/stream?ticket={ticket_for(ben)}")
    try:
        change_password(client, ana)
        anas.wait_until_ended(timeout=5)  # the revocation was checked, Ben's stream with it
        sent = client.post("/matches/requests", json={"user_id": str(ben.id)}, headers=cleo.headers)
        assert sent.status_code == 201, sent.text
        assert bens.next_event(timeout=5).data["subject_id"] == sent.json()["id"]
        assert not bens.ended.is_set()
    finally:
        anas.close()
        bens.close()

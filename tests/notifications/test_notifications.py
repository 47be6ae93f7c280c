"""``/notifications``: written in the same transaction as what they announce, listed newest
first, marked read by id or all at once."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.social import block, connect, request_connection

SignUp = Callable[..., Account]


def notifications(client: TestClient, account: Account, **params: Any) -> dict[str, Any]:
    response = client.get("/notifications", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def write(client: TestClient, sender: Account, recipient: Account, body: str = "hi") -> int:
    response = client.post(
        "/messages", json={"to_user_id": str(recipient.id), "text": body}, headers=sender.headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_a_request_notifies_its_recipient_and_acceptance_its_sender(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben = sign_up(display_name="Ana"), sign_up(display_name="Ben")
    request_id = request_connection(client, ana, ben)
    received = notifications(client, ben)
    assert received["total"] == 1
    item = received["items"][0]
    assert item["kind"] == "request_received"
    assert item["actor"]["display_name"] == "Ana"
    assert "email" not in item["actor"]
    assert item["subject_id"] == str(request_id)
    assert item["read_at"] is None
    assert notifications(client, ana)["total"] == 0

    accepted = client.post(f"/matches/requests/{request_id}/accept", headers=ben.headers)
    assert accepted.status_code == 200
    [news] = notifications(client, ana)["items"]
    assert (news["kind"], news["actor"]["display_name"]) == ("request_accepted", "Ben")
    again = client.post(f"/matches/requests/{request_id}/accept", headers=ben.headers)
    assert again.status_code == 409
    assert notifications(client, ana)["total"] == 1


def test_a_withdrawn_request_takes_its_notification_along(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben = sign_up(), sign_up()
    request_id = request_connection(client, ana, ben)
    assert client.delete(f"/matches/requests/{request_id}", headers=ana.headers).status_code == 204
    assert notifications(client, ben)["total"] == 0


def test_a_block_withdraws_the_request_and_its_notification(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben = sign_up(), sign_up()
    request_connection(client, ana, ben)
    block(client, ben, ana)
    assert notifications(client, ben)["total"] == 0


def test_messages_notify_once_per_conversation_while_unread(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben = sign_up(), sign_up()
    connect(client, ana, ben)
    assert (
        client.post("/notifications/read", json={"all": True}, headers=ben.headers).status_code
        == 204
    )
    first = write(client, ana, ben, "one")
    write(client, ana, ben, "two")
    write(client, ana, ben, "three")
    messages = [n for n in notifications(client, ben)["items"] if n["kind"] == "message_received"]
    assert [n["subject_id"] for n in messages] == [str(first)]

    assert client.post(f"/messages/with/{ana.id}/read", headers=ben.headers).status_code == 204
    assert notifications(client, ben, unread="true")["total"] == 0
    fourth = write(client, ana, ben, "four")
    unread = notifications(client, ben, unread="true")["items"]
    assert [(n["kind"], n["subject_id"]) for n in unread] == [("message_received", str(fourth))]


def test_mark_read_by_ids_touches_only_the_callers(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    ana, ben, cleo, dave = sign_up(), sign_up(), sign_up(), sign_up()
    request_connection(client, ana, ben)
    request_connection(client, cleo, ben)
    request_connection(client, dave, ana)
    ben_ids = [n["id"] for n in notifications(client, ben)["items"]]
    ana_ids = [n["id"] for n in notifications(client, ana)["items"]]
    response = client.post(
        "/notifications/read", json={"ids": [ben_ids[0], *ana_ids]}, headers=ben.headers
    )
    assert response.status_code == 204
    assert notifications(client, ben, unread="true")["total"] == len(ben_ids) - 1
    assert notifications(client, ana, unread="true")["total"] == len(ana_ids)
    everything = client.post("/notifications/read", json={"all": True}, headers=ben.headers)
    assert everything.status_code == 204
    assert notifications(client, ben, unread="true")["total"] == 0
    assert db.scalar(text("SELECT count(*) FROM notifications WHERE read_at IS NULL")) == len(
        ana_ids
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": [1], "all": True},
        {"all": False},
        {"ids": [0]},
        {"ids": list(range(1, 102))},
    ],
)
def test_mark_read_needs_ids_or_all(client: TestClient, sign_up: SignUp, body: object) -> None:
    ana = sign_up()
    response = client.post("/notifications/read", json=body, headers=ana.headers)
    assert response.status_code == 422


def test_notifications_need_a_token(client: TestClient) -> None:
    for response in (
        client.get("/notifications"),
        client.post("/notifications/read", json={"all": True}),
        client.post("/notifications/stream-tickets"),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"


def test_deleting_an_account_deletes_the_notifications_it_caused(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben = sign_up(), sign_up()
    request_connection(client, ana, ben)
    assert client.delete("/users/me", headers=ana.headers).status_code == 204
    assert notifications(client, ben)["total"] == 0

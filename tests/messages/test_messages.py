"""``/messages``: connected people write to each other; conversations, history by cursor,
read marks; a connection's end or a block stops new messages and keeps the history."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.social import block, connect

SignUp = Callable[..., Account]
Pair = tuple[Account, Account]


def send(client: TestClient, sender: Account, recipient: Account, body: str) -> dict[str, Any]:
    response = client.post(
        "/messages", json={"to_user_id": str(recipient.id), "text": body}, headers=sender.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_message_is_201_with_both_public_profiles(client: TestClient, pair: Pair) -> None:
    ana, ben = pair
    message = send(client, ana, ben, "  Hello Ben!  ")
    assert message["text"] == "Hello Ben!"
    assert message["sender"]["id"] == str(ana.id)
    assert message["recipient"]["display_name"] == "Ben"
    assert message["read_at"] is None
    assert "email" not in message["sender"]
    assert "email" not in message["recipient"]
    assert set(message) == {"id", "sender", "recipient", "text", "sent_at", "read_at"}


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001, "a\x00b"])
def test_text_must_be_1_to_2000_characters_of_text(
    client: TestClient, pair: Pair, body: str, db: Session
) -> None:
    ana, ben = pair
    response = client.post(
        "/messages", json={"to_user_id": str(ben.id), "text": body}, headers=ana.headers
    )
    assert response.status_code == 422
    assert db.scalar(text("SELECT count(*) FROM messages")) == 0


def test_2000_characters_are_accepted(client: TestClient, pair: Pair) -> None:
    ana, ben = pair
    assert len(send(client, ana, ben, "é" * 2000)["text"]) == 2000


def test_only_connected_people_write_to_each_other(client: TestClient, sign_up: SignUp) -> None:
    ana, stranger = sign_up(), sign_up()
    response = client.post(
        "/messages", json={"to_user_id": str(stranger.id), "text": "hi"}, headers=ana.headers
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "you can only write to people you are connected with"}


def test_unknown_recipient_self_and_no_token(client: TestClient, pair: Pair) -> None:
    ana, _ = pair
    nobody = "00000000-0000-4000-8000-000000000000"
    unknown = client.post(
        "/messages", json={"to_user_id": nobody, "text": "hi"}, headers=ana.headers
    )
    assert unknown.status_code == 404
    to_self = client.post(
        "/messages", json={"to_user_id": str(ana.id), "text": "hi"}, headers=ana.headers
    )
    assert to_self.status_code == 422
    assert to_self.json()["detail"][0]["loc"] == ["body", "to_user_id"]
    unauthenticated = client.post("/messages", json={"to_user_id": nobody, "text": "hi"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["www-authenticate"] == "Bearer"


def test_conversations_are_most_recent_first_with_unread_counts(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben, cleo = sign_up(display_name="Ana"), sign_up(display_name="Ben"), sign_up()
    connect(client, ana, ben)
    connect(client, ana, cleo)
    send(client, ben, ana, "one")
    send(client, ben, ana, "two")
    latest = send(client, ana, cleo, "three")
    page = client.get("/messages/conversations", headers=ana.headers).json()
    assert page["total"] == 2
    first, second = page["items"]
    assert first["user"]["id"] == str(cleo.id)
    assert first["last_message"] == latest
    assert first["unread_count"] == 0
    assert second["user"]["display_name"] == "Ben"
    assert second["last_message"]["text"] == "two"
    assert second["unread_count"] == 2
    bens = client.get("/messages/conversations", headers=ben.headers).json()["items"]
    assert [(item["user"]["id"], item["unread_count"]) for item in bens] == [(str(ana.id), 0)]


def test_history_is_newest_first_and_paged_by_cursor(client: TestClient, pair: Pair) -> None:
    ana, ben = pair
    sent = [send(client, ana if n % 2 else ben, ben if n % 2 else ana, f"m{n}") for n in range(5)]
    first = client.get(f"/messages/with/{ben.id}", params={"limit": 2}, headers=ana.headers)
    assert first.status_code == 200
    assert [m["text"] for m in first.json()["items"]] == ["m4", "m3"]
    cursor = first.json()["next_before"]
    assert cursor == sent[3]["id"]
    rest = client.get(
        f"/messages/with/{ben.id}", params={"limit": 10, "before": cursor}, headers=ana.headers
    ).json()
    assert [m["text"] for m in rest["items"]] == ["m2", "m1", "m0"]
    assert rest["next_before"] is None
    from_ben = client.get(f"/messages/with/{ana.id}", headers=ben.headers).json()
    assert len(from_ben["items"]) == 5


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"before": 0}, {"before": "x"}])
def test_history_bounds_are_422(client: TestClient, pair: Pair, params: dict[str, Any]) -> None:
    ana, ben = pair
    response = client.get(f"/messages/with/{ben.id}", params=params, headers=ana.headers)
    assert response.status_code == 422


def test_history_with_oneself_or_nobody(client: TestClient, pair: Pair) -> None:
    ana, _ = pair
    assert client.get(f"/messages/with/{ana.id}", headers=ana.headers).status_code == 404
    nobody = "00000000-0000-4000-8000-000000000000"
    assert client.get(f"/messages/with/{nobody}", headers=ana.headers).status_code == 404


def test_marking_read_reads_the_other_persons_messages_only(client: TestClient, pair: Pair) -> None:
    ana, ben = pair
    send(client, ben, ana, "to Ana")
    send(client, ana, ben, "to Ben")
    assert client.post(f"/messages/with/{ben.id}/read", headers=ana.headers).status_code == 204
    items = client.get(f"/messages/with/{ben.id}", headers=ana.headers).json()["items"]
    read = {m["text"]: m["read_at"] is not None for m in items}
    assert read == {"to Ana": True, "to Ben": False}
    conversations = client.get("/messages/conversations", headers=ana.headers).json()
    assert conversations["items"][0]["unread_count"] == 0


def test_after_the_connection_ends_history_stays_and_writing_is_403(
    client: TestClient, pair: Pair
) -> None:
    ana, ben = pair
    send(client, ana, ben, "before")
    assert client.delete(f"/matches/connections/{ana.id}", headers=ben.headers).status_code == 204
    after = client.post(
        "/messages", json={"to_user_id": str(ana.id), "text": "after"}, headers=ben.headers
    )
    assert after.status_code == 403
    history = client.get(f"/messages/with/{ana.id}", headers=ben.headers).json()
    assert [m["text"] for m in history["items"]] == ["before"]


def test_a_block_stops_messages_and_keeps_the_history_for_the_blocker_alone(
    client: TestClient, pair: Pair
) -> None:
    ana, ben = pair
    send(client, ben, ana, "hello")
    block(client, ana, ben)
    to_ben = {"to_user_id": str(ben.id), "text": "again"}
    refused = client.post("/messages", json=to_ben, headers=ana.headers)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "you can only write to people you are connected with"}
    # To Ben, Ana is gone as a deleted account would be.
    to_ana = {"to_user_id": str(ana.id), "text": "again"}
    gone = client.post("/messages", json=to_ana, headers=ben.headers)
    assert (gone.status_code, gone.json()) == (404, {"detail": "user not found"})
    assert client.get(f"/messages/with/{ana.id}", headers=ben.headers).status_code == 404
    assert client.get("/messages/conversations", headers=ben.headers).json()["total"] == 0
    kept = client.get(f"/messages/with/{ben.id}", headers=ana.headers).json()["items"]
    assert [message["text"] for message in kept] == ["hello"]
    assert client.get("/messages/conversations", headers=ana.headers).json()["total"] == 1


def test_deleting_an_account_deletes_its_messages(
    client: TestClient, pair: Pair, db: Session
) -> None:
    ana, ben = pair
    send(client, ana, ben, "one")
    send(client, ben, ana, "two")
    assert client.delete("/users/me", headers=ben.headers).status_code == 204
    assert db.scalar(text("SELECT count(*) FROM messages")) == 0
    assert client.get("/messages/conversations", headers=ana.headers).json()["total"] == 0

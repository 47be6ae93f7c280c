"""Chat: only connected people write to each other; the history outlives the connection."""

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

SignUp = Callable[..., Account]
GREETING = "We are connected now: say hello!"


def connect(client: TestClient, sender: Account, recipient: Account) -> None:
    """Connect two people through the matches module's HTTP API."""
    response = client.post(
        "/matches/requests",
        json={"user_id": str(recipient.id), "message": "Hi!"},
        headers=sender.headers,
    )
    assert response.status_code == 201, response.text
    accepted = client.post(
        f"/matches/requests/{response.json()['id']}/accept", headers=recipient.headers
    )
    assert accepted.status_code == 200, accepted.text


def write(client: TestClient, sender: Account, to: uuid.UUID, text: str):
    """Post a message as ``sender``; the response."""
    return client.post(
        "/chat/messages", json={"to_user_id": str(to), "text": text}, headers=sender.headers
    )


def conversation(client: TestClient, reader: Account, other: Account) -> list[dict[str, object]]:
    response = client.get(f"/chat/with/{other.id}", headers=reader.headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"])
    return page["items"]  # type: ignore[no-any-return]


@pytest.fixture
def pair(client: TestClient, sign_up: SignUp) -> tuple[Account, Account]:
    """Two connected people."""
    alice, bob = sign_up(display_name="Alice"), sign_up(display_name="Bob")
    connect(client, alice, bob)
    return alice, bob


def test_connected_people_write_and_read(client: TestClient, pair: tuple[Account, Account]) -> None:
    alice, bob = pair
    sent = write(client, alice, bob.id, "  Shall we climb on Sunday?  ")
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert set(body) == {"id", "sender_id", "recipient_id", "text", "sent_at"}
    assert body["sender_id"] == str(alice.id)
    assert body["recipient_id"] == str(bob.id)
    assert body["text"] == "Shall we climb on Sunday?"
    assert write(client, bob, alice.id, "Yes!").status_code == 201

    for reader, other in ((alice, bob), (bob, alice)):
        texts = [item["text"] for item in conversation(client, reader, other)]
        assert texts == ["Yes!", "Shall we climb on Sunday?", GREETING]


def test_accepting_a_request_writes_the_greeting(
    client: TestClient, pair: tuple[Account, Account]
) -> None:
    alice, bob = pair
    [greeting] = conversation(client, alice, bob)
    assert greeting["text"] == GREETING
    assert greeting["sender_id"] == str(bob.id)
    assert greeting["recipient_id"] == str(alice.id)


def test_the_conversation_pages(client: TestClient, pair: tuple[Account, Account]) -> None:
    alice, bob = pair
    for number in range(3):
        assert write(client, alice, bob.id, f"message {number}").status_code == 201
    response = client.get(
        f"/chat/with/{bob.id}", params={"limit": 2, "offset": 1}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 4
    assert (page["limit"], page["offset"]) == (2, 1)
    assert [item["text"] for item in page["items"]] == ["message 1", "message 0"]


def test_people_not_connected_get_403(client: TestClient, sign_up: SignUp) -> None:
    alice, carol = sign_up(), sign_up()
    response = write(client, alice, carol.id, "Hello stranger")
    assert response.status_code == 403
    assert response.json()["detail"] == "You can only write to people you are connected with."
    assert conversation(client, carol, alice) == []


def test_a_pending_request_is_not_a_connection(client: TestClient, sign_up: SignUp) -> None:
    alice, carol = sign_up(), sign_up()
    sent = client.post("/matches/requests", json={"user_id": str(carol.id)}, headers=alice.headers)
    assert sent.status_code == 201, sent.text
    assert write(client, alice, carol.id, "Hello?").status_code == 403
    assert write(client, carol, alice.id, "Hello?").status_code == 403


def test_after_the_connection_ends_writing_is_403_but_history_stays(
    client: TestClient, pair: tuple[Account, Account]
) -> None:
    alice, bob = pair
    assert write(client, alice, bob.id, "See you").status_code == 201
    removed = client.delete(f"/matches/connections/{bob.id}", headers=alice.headers)
    assert removed.status_code == 204, removed.text

    assert write(client, alice, bob.id, "Still there?").status_code == 403
    assert write(client, bob, alice.id, "Still there?").status_code == 403
    for reader, other in ((alice, bob), (bob, alice)):
        texts = [item["text"] for item in conversation(client, reader, other)]
        assert texts == ["See you", GREETING]


def test_writing_to_oneself_is_422(client: TestClient, sign_up: SignUp) -> None:
    alice = sign_up()
    response = write(client, alice, alice.id, "Note to self")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "to_user_id"]


@pytest.mark.parametrize("text", ["", "   \n\t ", "x" * 2001])
def test_empty_or_too_long_text_is_422(
    client: TestClient, pair: tuple[Account, Account], text: str
) -> None:
    alice, bob = pair
    assert write(client, alice, bob.id, text).status_code == 422
    assert write(client, alice, bob.id, "  " + "x" * 2000 + "  ").status_code == 201


def test_unknown_user_is_404(client: TestClient, sign_up: SignUp) -> None:
    alice = sign_up()
    assert write(client, alice, uuid.uuid4(), "Anyone?").status_code == 404
    assert client.get(f"/chat/with/{uuid.uuid4()}", headers=alice.headers).status_code == 404


def test_deactivated_user_is_404(client: TestClient, pair: tuple[Account, Account]) -> None:
    alice, bob = pair
    assert client.post("/users/me/deactivate", headers=bob.headers).status_code == 204
    assert write(client, alice, bob.id, "Hello?").status_code == 404


def test_unknown_fields_are_422(client: TestClient, pair: tuple[Account, Account]) -> None:
    alice, bob = pair
    response = client.post(
        "/chat/messages",
        json={"to_user_id": str(bob.id), "text": "hi", "urgent": True},
        headers=alice.headers,
    )
    assert response.status_code == 422


def test_chat_needs_a_token(client: TestClient, sign_up: SignUp) -> None:
    alice = sign_up()
    response = client.post("/chat/messages", json={"to_user_id": str(alice.id), "text": "hi"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get(f"/chat/with/{alice.id}").status_code == 401

"""``/blocks``: blocking hides two people from each other everywhere, ends what linked them,
and never tells the blocked person."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import text
from sqlalchemy.orm import Session

from modules.matches import were_ever_connected
from tests.social import block, connect, request_connection

SignUp = Callable[..., Account]


def test_block_answers_201_then_409_and_lists_the_person(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben = sign_up(display_name="Ana"), sign_up(display_name="Ben")
    first = client.post("/blocks", json={"user_id": str(ben.id)}, headers=ana.headers)
    assert first.status_code == 201
    assert first.json()["user"] == {
        "id": str(ben.id),
        "display_name": "Ben",
        "bio": None,
        "created_at": first.json()["user"]["created_at"],
    }
    again = client.post("/blocks", json={"user_id": str(ben.id)}, headers=ana.headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "you already block this person"}
    listed = client.get("/blocks", headers=ana.headers).json()
    assert [item["user"]["id"] for item in listed["items"]] == [str(ben.id)]
    assert listed["total"] == 1
    assert client.get("/blocks", headers=ben.headers).json()["total"] == 0


def test_blocking_oneself_or_nobody_is_refused(client: TestClient, sign_up: SignUp) -> None:
    ana = sign_up()
    to_self = client.post("/blocks", json={"user_id": str(ana.id)}, headers=ana.headers)
    assert to_self.status_code == 422
    assert to_self.json()["detail"][0]["loc"] == ["body", "user_id"]
    unknown = client.post(
        "/blocks", json={"user_id": "00000000-0000-4000-8000-000000000000"}, headers=ana.headers
    )
    assert unknown.status_code == 404
    assert client.post("/blocks", json={"user_id": str(ana.id)}).status_code == 401


def test_unblock_answers_204_then_404(client: TestClient, sign_up: SignUp, db: Session) -> None:
    ana, ben = sign_up(), sign_up()
    block(client, ana, ben)
    assert client.delete(f"/blocks/{ben.id}", headers=ana.headers).status_code == 204
    assert db.scalar(text("SELECT count(*) FROM blocks")) == 0
    missing = client.delete(f"/blocks/{ben.id}", headers=ana.headers)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "you do not block this person"}
    asked = client.post("/matches/requests", json={"user_id": str(ben.id)}, headers=ana.headers)
    assert asked.status_code == 201


def test_a_block_ends_the_connection_and_withdraws_requests_both_ways(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    ana, ben, cleo = sign_up(), sign_up(), sign_up()
    connect(client, ana, ben)
    request_connection(client, cleo, ana)
    block(client, ana, ben)
    block(client, cleo, ana)
    assert client.get("/matches/connections", headers=ana.headers).json()["total"] == 0
    assert client.get("/matches/connections", headers=ben.headers).json()["total"] == 0
    assert client.get("/matches/requests", headers=ana.headers).json()["total"] == 0
    assert db.scalar(text("SELECT count(*) FROM match_requests")) == 0
    # What remains of the connection the block ended: the two were once connected.
    assert were_ever_connected(db, ben.id, ana.id)
    assert not were_ever_connected(db, cleo.id, ana.id)


def test_blocked_people_address_each_other_as_if_missing(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben = sign_up(), sign_up()
    block(client, ana, ben)
    for sender, recipient in ((ana, ben), (ben, ana)):
        response = client.post(
            "/matches/requests", json={"user_id": str(recipient.id)}, headers=sender.headers
        )
        assert response.status_code == 404
        assert response.json() == {"detail": "user not found"}


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """In these tests, each person may block two people at most."""
    return {"blocks": {"max_blocks_per_user": 2}}


def test_blocks_are_capped_by_the_setting(client: TestClient, sign_up: SignUp) -> None:
    ana, *others = (sign_up() for _ in range(4))
    block(client, ana, others[0])
    block(client, ana, others[1])
    third = client.post("/blocks", json={"user_id": str(others[2].id)}, headers=ana.headers)
    assert third.status_code == 422
    assert third.json()["detail"][0]["msg"] == "you can block at most 2 people"


def test_deleting_an_account_deletes_its_blocks(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    ana, ben = sign_up(), sign_up()
    block(client, ana, ben)
    assert client.delete("/users/me", headers=ben.headers).status_code == 204
    assert db.scalar(text("SELECT count(*) FROM blocks")) == 0

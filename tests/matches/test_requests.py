"""Connection requests: the lifecycle, who may see and answer them, and connections."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.matches.models import ConnectionRequest

SignUp = Callable[..., Account]


@pytest.fixture
def trio(sign_up: SignUp) -> tuple[Account, Account, Account]:
    return (
        sign_up(display_name="Sender"),
        sign_up(display_name="Recipient"),
        sign_up(display_name="Third"),
    )


def send(
    client: TestClient, sender: Account, recipient: Account, message: str | None = "Hi!"
) -> dict[str, object]:
    response = client.post(
        "/matches/requests",
        json={"user_id": str(recipient.id), "message": message},
        headers=sender.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_send_returns_the_pending_request(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    sender, recipient, _ = trio
    request = send(client, sender, recipient)
    assert request["status"] == "pending"
    assert request["message"] == "Hi!"
    assert request["sender"]["id"] == str(sender.id)  # type: ignore[index]
    assert request["recipient"]["id"] == str(recipient.id)  # type: ignore[index]
    assert "email" not in request["recipient"]  # type: ignore[operator]
    assert request["responded_at"] is None


def test_request_to_oneself_is_422(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    sender = trio[0]
    response = client.post(
        "/matches/requests", json={"user_id": str(sender.id)}, headers=sender.headers
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "value_error",
                "loc": ["body", "user_id"],
                "msg": "you cannot send a request to yourself",
            }
        ]
    }


def test_request_to_an_unknown_user_is_404(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    response = client.post(
        "/matches/requests",
        json={"user_id": "00000000-0000-0000-0000-000000000001"},
        headers=trio[0].headers,
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "user not found"}


def test_second_open_request_either_way_is_409(
    client: TestClient, trio: tuple[Account, Account, Account], db: Session
) -> None:
    sender, recipient, _ = trio
    send(client, sender, recipient)
    for first, second in ((sender, recipient), (recipient, sender)):
        response = client.post(
            "/matches/requests", json={"user_id": str(second.id)}, headers=first.headers
        )
        assert response.status_code == 409
        assert response.json() == {"detail": "a pending or accepted request already links you two"}
    assert len(db.scalars(select(ConnectionRequest)).all()) == 1


def test_boxes_list_newest_first_and_filter_by_status(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    sender, recipient, third = trio
    first = send(client, sender, recipient)
    second = send(client, third, recipient)
    incoming = client.get(
        "/matches/requests", params={"box": "incoming"}, headers=recipient.headers
    ).json()
    assert [item["id"] for item in incoming["items"]] == [second["id"], first["id"]]
    assert incoming["total"] == 2
    client.post(f"/matches/requests/{first['id']}/decline", headers=recipient.headers)
    pending = client.get(
        "/matches/requests", params={"status": "pending"}, headers=recipient.headers
    ).json()
    assert [item["id"] for item in pending["items"]] == [second["id"]]
    outgoing = client.get(
        "/matches/requests", params={"box": "outgoing"}, headers=sender.headers
    ).json()
    assert [(item["id"], item["status"]) for item in outgoing["items"]] == [
        (first["id"], "declined")
    ]


def test_recipient_accepts_once(client: TestClient, trio: tuple[Account, Account, Account]) -> None:
    sender, recipient, _ = trio
    request = send(client, sender, recipient)
    accepted = client.post(f"/matches/requests/{request['id']}/accept", headers=recipient.headers)
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["responded_at"] is not None
    again = client.post(f"/matches/requests/{request['id']}/decline", headers=recipient.headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "this request is already accepted"}


def test_concurrent_answers_and_a_withdrawal_settle_the_request_once(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    sender, recipient, _ = trio
    request = send(client, sender, recipient)

    def act(number: int) -> tuple[str, int]:
        if number % 5 == 4:
            response = client.delete(f"/matches/requests/{request['id']}", headers=sender.headers)
            return "withdraw", response.status_code
        answer = ("accept", "decline")[number % 2]
        url = f"/matches/requests/{request['id']}/{answer}"
        return answer, client.post(url, headers=recipient.headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(act, range(20)))
    winners = [action for action, status in outcomes if status in (200, 204)]
    assert len(winners) == 1, outcomes
    assert {status for _, status in outcomes} - {200, 204} <= {404, 409}
    incoming = client.get("/matches/requests", headers=recipient.headers).json()["items"]
    expected = {"accept": ["accepted"], "decline": ["declined"], "withdraw": []}[winners[0]]
    assert [item["status"] for item in incoming] == expected


def test_nobody_but_the_recipient_may_answer_or_see(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    sender, recipient, third = trio
    request = send(client, sender, recipient)
    for outsider in (sender, third):
        for action in ("accept", "decline"):
            response = client.post(
                f"/matches/requests/{request['id']}/{action}", headers=outsider.headers
            )
            assert response.status_code == 404
            assert response.json() == {"detail": "request not found"}
    for box in ("incoming", "outgoing"):
        assert (
            client.get("/matches/requests", params={"box": box}, headers=third.headers).json()[
                "items"
            ]
            == []
        )
    assert (
        client.delete(f"/matches/requests/{request['id']}", headers=third.headers).status_code
        == 404
    )
    assert (
        client.get("/matches/requests", headers=recipient.headers).json()["items"][0]["status"]
        == "pending"
    )


def test_sender_withdraws_a_pending_request(
    client: TestClient, trio: tuple[Account, Account, Account], db: Session
) -> None:
    sender, recipient, _ = trio
    request = send(client, sender, recipient)
    assert (
        client.delete(f"/matches/requests/{request['id']}", headers=recipient.headers).status_code
        == 404
    )
    assert (
        client.delete(f"/matches/requests/{request['id']}", headers=sender.headers).status_code
        == 204
    )
    assert db.scalars(select(ConnectionRequest)).all() == []
    send(client, recipient, sender)  # the withdrawal's cooldown binds its sender only


def test_answered_request_cannot_be_withdrawn_and_decline_allows_a_new_one(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    sender, recipient, _ = trio
    request = send(client, sender, recipient)
    client.post(f"/matches/requests/{request['id']}/decline", headers=recipient.headers)
    response = client.delete(f"/matches/requests/{request['id']}", headers=sender.headers)
    assert response.status_code == 409
    assert response.json() == {"detail": "this request is already declined"}
    send(client, recipient, sender)


def test_connections_show_email_only_to_the_connected(
    client: TestClient, trio: tuple[Account, Account, Account]
) -> None:
    sender, recipient, third = trio
    request = send(client, sender, recipient)
    assert client.get("/matches/connections", headers=sender.headers).json()["items"] == []
    client.post(f"/matches/requests/{request['id']}/accept", headers=recipient.headers)
    mine = client.get("/matches/connections", headers=sender.headers).json()
    assert [(item["user"]["display_name"], item["user"]["email"]) for item in mine["items"]] == [
        ("Recipient", recipient.email)
    ]
    theirs = client.get("/matches/connections", headers=recipient.headers).json()
    assert [item["user"]["email"] for item in theirs["items"]] == [sender.email]
    assert client.get("/matches/connections", headers=third.headers).json() == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }


def test_deleting_a_user_removes_their_requests(
    client: TestClient, trio: tuple[Account, Account, Account], db: Session
) -> None:
    sender, recipient, third = trio
    send(client, sender, recipient)
    send(client, third, sender)
    assert client.delete("/users/me", headers=sender.headers).status_code == 204
    assert db.scalars(select(ConnectionRequest)).all() == []
    assert client.get("/matches/connections", headers=recipient.headers).json()["total"] == 0


def test_request_endpoints_need_a_token(client: TestClient) -> None:
    for method, path in [
        ("get", "/matches/requests"),
        ("post", "/matches/requests"),
        ("get", "/matches/connections"),
    ]:
        response = client.request(method.upper(), path, json={})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"

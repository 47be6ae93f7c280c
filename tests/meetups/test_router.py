"""The meetups module's HTTP API, on SQLite and PostgreSQL."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

SignUp = Callable[..., Account]
PATH = "/meetups"


def test_created_item_is_listed_newest_first(client: TestClient, sign_up: SignUp) -> None:
    owner = sign_up()
    first = client.post(PATH, json={"text": "first"}, headers=owner.headers)
    second = client.post(PATH, json={"text": "second"}, headers=owner.headers)
    assert first.status_code == second.status_code == 201
    body = client.get(PATH, headers=owner.headers).json()
    assert [item["text"] for item in body["items"]] == ["second", "first"]
    assert body["total"] == 2


def test_items_are_private_to_their_owner(client: TestClient, sign_up: SignUp) -> None:
    owner, other = sign_up(), sign_up()
    item = client.post(PATH, json={"text": "mine"}, headers=owner.headers).json()
    assert client.get(PATH, headers=other.headers).json()["items"] == []
    response = client.delete(f"{PATH}/{item['id']}", headers=other.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "item not found"}
    assert client.delete(f"{PATH}/{item['id']}", headers=owner.headers).status_code == 204


def test_empty_text_is_422_and_no_token_is_401(client: TestClient, sign_up: SignUp) -> None:
    response = client.post(PATH, json={"text": "  "}, headers=sign_up().headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "text"]
    assert client.get(PATH).status_code == 401

"""Helpers shared by the social modules' tests (blocks, messages, notifications, places)."""

import uuid

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account


def request_connection(client: TestClient, sender: Account, recipient: Account) -> uuid.UUID:
    """``sender`` asks ``recipient`` to connect; the new request's id."""
    response = client.post(
        "/matches/requests", json={"user_id": str(recipient.id)}, headers=sender.headers
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def connect(client: TestClient, first: Account, second: Account) -> None:
    """Connect two people through the API: a request, then its acceptance."""
    request_id = request_connection(client, first, second)
    response = client.post(f"/matches/requests/{request_id}/accept", headers=second.headers)
    assert response.status_code == 200, response.text


def block(client: TestClient, blocker: Account, blocked: Account) -> None:
    """``blocker`` blocks ``blocked`` through ``POST /blocks``."""
    response = client.post("/blocks", json={"user_id": str(blocked.id)}, headers=blocker.headers)
    assert response.status_code == 201, response.text


def skill_id(client: TestClient, name: str) -> int:
    """The catalog's id of the skill called ``name`` (ids differ between backends and runs)."""
    items = client.get("/skills", params={"q": name}).json()["items"]
    return next(int(skill["id"]) for skill in items if skill["name"] == name)

"""``POST /users/me/deactivate``: the account disappears from every listing and its tokens stop
working; signing in with its password brings it back. The users module's events announce it
(and a deletion) inside the same transaction."""

import sys
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import StartApp
from hobbymatch_testkit.accounts import Account, log_in, sign_up_through

from core.config import Settings
from tests.throwaway_modules import ModuleFolder

SignUp = Callable[..., Account]

LISTENER = """
heard = []

@hookimpl
def users_user_deactivated(db, user_id):
    heard.append(("deactivated", user_id))

@hookimpl
def users_user_reactivated(db, user_id):
    heard.append(("reactivated", user_id))

@hookimpl
def users_user_deleted(db, user_id):
    heard.append(("deleted", user_id))

@hookimpl
def skills_list_changed(db, user_id):
    heard.append(("list changed", user_id))
"""


def deactivate(client: TestClient, account: Account) -> None:
    response = client.post("/users/me/deactivate", headers=account.headers)
    assert response.status_code == 204, response.text


def test_deactivated_account_is_hidden_and_signed_out(client: TestClient, sign_up: SignUp) -> None:
    hidden, visitor = sign_up(display_name="Hidden"), sign_up(display_name="Visitor")
    deactivate(client, hidden)
    assert client.get("/users/me", headers=hidden.headers).status_code == 401
    assert client.get(f"/users/{hidden.id}", headers=visitor.headers).status_code == 404
    listed = client.get("/users", headers=visitor.headers).json()
    assert [user["display_name"] for user in listed["items"]] == ["Visitor"]
    assert listed["total"] == 1
    assert client.get("/users/me", headers=visitor.headers).status_code == 200


def test_signing_in_again_reactivates_the_account(client: TestClient, sign_up: SignUp) -> None:
    account, visitor = sign_up(display_name="Returning"), sign_up()
    deactivate(client, account)
    token = log_in(client, account.email, account.password)
    assert client.get("/users/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    profile = client.get(f"/users/{account.id}", headers=visitor.headers).json()
    assert profile["display_name"] == "Returning"
    assert client.get("/users/me", headers=account.headers).status_code == 401  # old token


def test_a_wrong_password_does_not_reactivate(client: TestClient, sign_up: SignUp) -> None:
    account, visitor = sign_up(), sign_up()
    deactivate(client, account)
    response = client.post(
        "/auth/token", data={"username": account.email, "password": "not the password"}
    )
    assert response.status_code == 401
    assert client.get(f"/users/{account.id}", headers=visitor.headers).status_code == 404


def test_deactivating_needs_a_token(client: TestClient) -> None:
    response = client.post("/users/me/deactivate")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def listening(module_folder: ModuleFolder, settings: Settings, start_app: StartApp) -> TestClient:
    """An app with users, skills and a module that records the users and skills events."""
    module_folder.write("listener", requires=["users", "skills"], body=LISTENER)
    modules = ["users", "skills", "listener"]
    return TestClient(
        start_app(
            settings.model_copy(update={"modules": modules, "module_paths": [module_folder.root]})
        )
    )


def test_the_users_and_skills_events_are_heard(listening: TestClient) -> None:
    account = sign_up_through(listening)
    heard: list[tuple[str, uuid.UUID]] = sys.modules["modules.listener"].heard
    heard.clear()
    skill = listening.get("/skills", params={"limit": 1}).json()["items"][0]["id"]
    body = [{"skill_id": skill, "intent": "share"}]
    assert listening.put("/users/me/skills", json=body, headers=account.headers).status_code == 200
    assert listening.delete(f"/users/me/skills/{skill}", headers=account.headers).status_code == 204
    deactivate(listening, account)
    token = log_in(listening, account.email, account.password)
    assert (
        listening.delete("/users/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 204
    )
    assert heard == [
        ("list changed", account.id),
        ("list changed", account.id),
        ("deactivated", account.id),
        ("reactivated", account.id),
        ("deleted", account.id),
    ]

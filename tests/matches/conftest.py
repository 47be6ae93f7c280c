"""The matches module is tested with users, skills and matches only."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account


@pytest.fixture
def enabled_modules() -> list[str]:
    """Build the test app with the three modules matching needs."""
    return ["users", "skills", "matches"]


@pytest.fixture
def person(client: TestClient, sign_up: Callable[..., Account]) -> Callable[..., Account]:
    """Factory: sign up a user whose list is ``[(skill name, intent), ...]``, rank 1 first.

    The catalog's ids are read once for the test, and again only for a name not seen yet (a
    skill the test added since)."""
    ids: dict[str, int] = {}

    def read_catalog() -> None:
        catalog = client.get("/skills", params={"limit": 100}).json()["items"]
        catalog += client.get("/skills", params={"limit": 100, "offset": 100}).json()["items"]
        ids.update({item["name"]: item["id"] for item in catalog})

    def make(display_name: str, *entries: tuple[str, str]) -> Account:
        account = sign_up(display_name=display_name)
        if any(name not in ids for name, _intent in entries):
            read_catalog()
        body = [{"skill_id": ids[name], "intent": intent} for name, intent in entries]
        assert client.put("/users/me/skills", json=body, headers=account.headers).status_code == 200
        return account

    return make

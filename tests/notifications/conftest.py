"""The notifications module is tested with every module whose events it turns into
notifications."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills, matches and messages (whose events it hears), blocks, notifications."""
    return ["users", "skills", "matches", "blocks", "messages", "notifications"]


@pytest.fixture
def ticket_for(client: TestClient) -> Callable[[Account], str]:
    """Factory: a fresh stream ticket for someone."""

    def issue(account: Account) -> str:
        response = client.post("/notifications/stream-tickets", headers=account.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["ticket"])

    return issue

"""The meetups module is tested with every module it requires, and blocks (which hide
meetups both ways)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from tests.meetups.planning import meetup_body
from tests.social import skill_id

Host = Callable[..., dict[str, Any]]


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills, matches, messages, blocks, places, notifications and meetups."""
    return [
        "users",
        "skills",
        "matches",
        "messages",
        "blocks",
        "places",
        "notifications",
        "meetups",
    ]


@pytest.fixture
def chess_id(client: TestClient) -> int:
    """The catalog's id of chess."""
    return skill_id(client, "Chess")


@pytest.fixture
def host_meetup(client: TestClient, chess_id: int) -> Host:
    """Factory: ``host_meetup(account, **fields)`` creates a meetup (of chess, unless the fields
    say otherwise) and returns its body."""

    def create(account: Account, **overrides: Any) -> dict[str, Any]:
        body = meetup_body(**{"skill_id": chess_id, **overrides})
        response = client.post("/meetups", json=body, headers=account.headers)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    return create

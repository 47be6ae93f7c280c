"""The messages module is tested with the modules it needs, and blocks, which stops messages."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from tests.social import connect


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills and matches (connections), blocks, and messages."""
    return ["users", "skills", "matches", "blocks", "messages"]


@pytest.fixture
def pair(client: TestClient, sign_up: Callable[..., Account]) -> tuple[Account, Account]:
    """Two connected people, Ana and Ben."""
    ana, ben = sign_up(display_name="Ana"), sign_up(display_name="Ben")
    connect(client, ana, ben)
    return ana, ben

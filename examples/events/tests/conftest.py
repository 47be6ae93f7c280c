"""The events distribution's tests use HobbyMatch's test kit (loaded as a pytest plugin):
``client``, ``db`` and ``enabled_modules`` come from it."""

from collections.abc import Callable
from itertools import count

import pytest
from fastapi.testclient import TestClient

_numbers = count()


@pytest.fixture
def enabled_modules() -> list[str]:
    """Build the test app with the modules events needs, and events."""
    return ["users", "skills", "events"]


@pytest.fixture
def signed_in(client: TestClient) -> Callable[[], dict[str, str]]:
    """Factory: register a user through the API and return their authorization headers."""

    def make() -> dict[str, str]:
        email = f"guest{next(_numbers)}@example.com"
        body = {"email": email, "password": "meet-up password", "display_name": "Guest"}
        assert client.post("/users", json=body).status_code == 201
        token = client.post("/auth/token", data={"username": email, "password": "meet-up password"})
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    return make

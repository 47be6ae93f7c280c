"""The places module is tested with matches (whose extension points it implements) and blocks
(which hide people nearby)."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills, matches, blocks and places."""
    return ["users", "skills", "matches", "blocks", "places"]


@pytest.fixture
def placed(client: TestClient, sign_up: Callable[..., Account]) -> Callable[..., Account]:
    """Factory: sign up someone at (latitude, longitude), in ``city``."""

    def make(latitude: float, longitude: float, city: str | None = None, **names: str) -> Account:
        account = sign_up(**names)
        body = {"latitude": latitude, "longitude": longitude, "city": city}
        response = client.put("/users/me/place", json=body, headers=account.headers)
        assert response.status_code == 200, response.text
        return account

    return make


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """Reach up to 1,000 km, so that Berlin sees Paris (877 km)."""
    return {"places": {"max_within_km": 1000}}

"""The skills module is tested with an app holding only users and skills."""

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def enabled_modules() -> list[str]:
    """Build the test app with users and skills only."""
    return ["users", "skills"]


def skill_id(client: TestClient, name: str) -> int:
    """The id of the catalog skill called exactly ``name``."""
    items = client.get("/skills", params={"q": name, "limit": 100}).json()["items"]
    return next(int(item["id"]) for item in items if item["name"] == name)

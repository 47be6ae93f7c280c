"""The users module is tested alone: an app holding only it."""

import pytest


@pytest.fixture
def enabled_modules() -> list[str]:
    """Build the test app with the users module only."""
    return ["users"]

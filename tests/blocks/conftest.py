"""The blocks module is tested with the modules whose behaviour a block changes."""

import pytest


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills, matches, messages and notifications, whose answers a block changes,
    and blocks."""
    return ["users", "skills", "matches", "messages", "notifications", "blocks"]

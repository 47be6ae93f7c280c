"""The blocks module is tested with the modules whose behaviour a block changes."""

import pytest


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills and matches, whose listings a block changes, and blocks."""
    return ["users", "skills", "matches", "blocks"]

"""The references module is tested with every module it requires, and blocks (which hide
references between the two)."""

import pytest


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills, matches, messages, blocks, places, notifications, meetups, references."""
    return [
        "users",
        "skills",
        "matches",
        "messages",
        "blocks",
        "places",
        "notifications",
        "meetups",
        "references",
    ]

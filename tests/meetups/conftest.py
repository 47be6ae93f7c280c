"""The test app of meetups: the module and those it needs."""

import pytest


@pytest.fixture
def enabled_modules() -> list[str]:
    """The modules of the test app."""
    return [
        "users",
        "blocks",
        "skills",
        "matches",
        "messages",
        "places",
        "notifications",
        "meetups",
    ]

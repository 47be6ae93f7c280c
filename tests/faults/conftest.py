"""The fault suite runs against an app holding every in-tree module."""

import pytest


@pytest.fixture
def enabled_modules() -> list[str]:
    """Every in-tree module, so that every endpoint is attacked."""
    return ["users", "skills", "matches"]

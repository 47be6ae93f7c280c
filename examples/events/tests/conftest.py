"""The events distribution's tests use only the documented test kits, loaded as pytest plugins
wherever HobbyMatch is installed: ``client``, ``db`` and ``enabled_modules`` from the core's,
``sign_up`` from the users module's."""

import pytest


@pytest.fixture
def enabled_modules() -> list[str]:
    """Build the test app with the modules events needs, and events."""
    return ["users", "skills", "events"]

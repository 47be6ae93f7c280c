"""The resources distribution's tests use only the documented test kit, which they ask for:
``client``, ``db`` and ``enabled_modules`` from ``hobbymatch_testkit``, ``sign_up`` from
``hobbymatch_testkit.accounts``."""

import pytest

pytest_plugins = ["hobbymatch_testkit", "hobbymatch_testkit.accounts"]


@pytest.fixture
def enabled_modules() -> list[str]:
    """Build the test app with the modules resources needs, and resources."""
    return ["users", "skills", "resources"]

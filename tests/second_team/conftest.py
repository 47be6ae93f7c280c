"""The chat module, a test module of the second team, loaded from this folder through the core
setting ``module_paths`` (``HOBBYMATCH_MODULE_PATHS``) with the modules it requires."""

from pathlib import Path

import pytest

from core.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test kit's settings, with this folder as a module path and chat enabled."""
    return settings.model_copy(
        update={
            "module_paths": [Path(__file__).parent],
            "modules": ["users", "skills", "matches", "chat"],
        }
    )

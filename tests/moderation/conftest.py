"""The moderation module is tested with every module it requires, and blocks."""

from collections.abc import Callable

import pytest
from hobbymatch_testkit.accounts import Account
from sqlalchemy.orm import Session

from modules.users.roles import grant_role


@pytest.fixture
def enabled_modules() -> list[str]:
    """Users, skills, matches, messages, blocks, places, notifications, meetups, references,
    moderation."""
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
        "moderation",
    ]


@pytest.fixture
def moderator(sign_up: Callable[..., Account], db: Session) -> Account:
    """A signed-up person holding the role ``moderator`` (as ``hobbymatch users grant`` gives
    it, which ``test_roles.py`` runs)."""
    account = sign_up(display_name="Mo")
    grant_role(db, email=account.email, role="moderator")
    return account

"""What the mail tests share: an app whose mail goes to the test's SMTP server, the links in
what it received, and verified addresses."""

import re
from email.message import EmailMessage
from typing import Any

import pytest
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.mail import SmtpServer
from sqlalchemy.orm import Session

from core import Settings, utc_now
from modules.users.models import User

# The app's public URL in the tests is the serve command's default.
PUBLIC_URL = "http://127.0.0.1:8000"


@pytest.fixture
def settings(
    database_url: str,
    enabled_modules: list[str] | None,
    module_settings: dict[str, dict[str, Any]],
    smtp_server: SmtpServer,
) -> Settings:
    """The test app's settings, its mail sent to the test's SMTP server (import this fixture
    into a test file to use it there)."""
    return make_test_settings(
        database_url,
        modules=enabled_modules,
        module_settings=module_settings,
        **smtp_server.settings,
    )


def mails(smtp_server: SmtpServer, address: str, subject: str) -> list[EmailMessage]:
    """The messages ``address`` received with ``subject``, oldest first."""
    return [mail for mail in smtp_server.to(address) if mail["Subject"] == subject]


def text_of(mail: EmailMessage) -> str:
    """The plain-text part of ``mail``, its lines ended with ``\\n`` (SMTP sends ``\\r\\n``)."""
    part = mail.get_body(("plain",))
    assert part is not None, mail
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def link_in(mail: EmailMessage, path: str) -> str:
    """The path and query of the one link to ``path`` in ``mail``'s text, a security mail's
    (which nobody may unsubscribe from)."""
    assert "List-Unsubscribe" not in mail
    found = re.search(re.escape(PUBLIC_URL) + rf"({re.escape(path)}\?token=\S+)", text_of(mail))
    assert found, text_of(mail)
    return found[1]


def verify_address(db: Session, account: Account) -> None:
    """Mark ``account``'s address verified, as following its mailed link does (which
    ``tests/users/test_addresses.py`` tests)."""
    user = db.get(User, account.id)
    assert user is not None
    user.email_verified_at = utc_now()
    db.commit()

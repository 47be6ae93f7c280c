"""A real SMTP server in the test process (aiosmtpd), for tests of what modules mail.

A ``conftest.py`` asks for it beside the rest of the kit::

    pytest_plugins = ["hobbymatch_testkit", "hobbymatch_testkit.mail"]

Fixtures:

- ``smtp_server``: an :class:`SmtpServer` on a free loopback port, receiving every message
  into its ``messages``; ``smtp_server.settings`` are the core settings that send an app's
  mail to it (pass them to ``make_test_settings``).
"""

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class Inbox:
    """What an SMTP server has received, oldest first (its aiosmtpd handler)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        """Keep the message (aiosmtpd calls this for each one it receives)."""
        content = cast(bytes, envelope.original_content or envelope.content)
        self.messages.append(message_from_bytes(content, policy=policy.default))
        return "250 OK"


@dataclass(frozen=True)
class SmtpServer:
    """An SMTP server on loopback and its inbox."""

    controller: Controller
    inbox: Inbox

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received, oldest first."""
        return self.inbox.messages

    @property
    def port(self) -> int:
        """The loopback port it listens on."""
        return int(self.controller.port)

    @property
    def settings(self) -> dict[str, Any]:
        """Core settings that send an app's mail here (plain SMTP, no login)."""
        return {
            "mail_backend": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_starttls": False,
        }

    def to(self, address: str) -> list[EmailMessage]:
        """The messages received for ``address``, oldest first."""
        return [message for message in self.messages if message["To"] == address]


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_smtp_server(**smtp_parameters: Any) -> SmtpServer:
    """Start an SMTP server on a free loopback port; ``smtp_parameters`` go to aiosmtpd's
    ``SMTP`` (``tls_context``, ``require_starttls``, ``authenticator``...). Stop it with
    ``server.controller.stop()``."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **smtp_parameters)
    controller.start()
    return SmtpServer(controller, inbox)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server for the test's duration (see :class:`SmtpServer`)."""
    server = start_smtp_server()
    try:
        yield server
    finally:
        server.controller.stop()

"""Mail: the one way for modules to send mail, from a job.

A module builds a :class:`Mail` and calls :func:`send_mail` with the session its job runs
with. ``HOBBYMATCH_MAIL_BACKEND`` picks where it goes:

- ``console`` (the default, for development): the text part, links included, is logged;
- ``file``: each message is written as an ``.eml`` file to ``HOBBYMATCH_MAIL_FOLDER``;
- ``smtp`` (production): to ``HOBBYMATCH_SMTP_HOST``, with STARTTLS unless
  ``HOBBYMATCH_SMTP_STARTTLS=false``, and a login when ``HOBBYMATCH_SMTP_USERNAME`` is set.

Every message has a plain-text part, an HTML part when given, ``Date``, ``Message-ID`` and
``Auto-Submitted: auto-generated``; a mail that is not about the account's security carries
``List-Unsubscribe`` with one-click unsubscription (RFC 8058).
"""

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr
from sqlalchemy.orm import Session

from core.config import Settings
from core.platform import Platform

logger = logging.getLogger("hobbymatch.mail")


@dataclass(frozen=True)
class Mail:
    """A mail to one person.

    :param to: the recipient's address.
    :param subject: one line.
    :param text: the plain-text part; every link in it written out in full.
    :param html: the HTML part, if any (the same content).
    :param unsubscribe_url: where one POST unsubscribes the person from this kind of mail
        (``List-Unsubscribe``, RFC 8058); ``None`` only for a security mail (a password
        reset, an address check), which nobody may unsubscribe from.
    """

    to: str
    subject: str
    text: str
    html: str | None = None
    unsubscribe_url: str | None = None


class Mailer(Protocol):
    """Where messages go: one of the backends below."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message`` or raise."""


def send_mail(db: Session, mail: Mail) -> None:
    """Send ``mail`` through the app's backend (``HOBBYMATCH_MAIL_BACKEND``).

    Call it from a job: a mail server that is slow or down then delays a worker, not a
    request, and the job is retried if sending raises.

    :raises OSError: the SMTP server cannot be reached or refuses the message.
    """
    settings = Platform.of(db).settings
    mailer_for(settings).send(build_message(mail, sender=settings.mail_from))


def build_message(mail: Mail, *, sender: str) -> EmailMessage:
    """``mail`` as a MIME message from ``sender``: text, then HTML as its alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message["Auto-Submitted"] = "auto-generated"
    if mail.unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


def mailer_for(settings: Settings) -> Mailer:
    """The backend that ``settings`` name (the settings refuse a backend without what it
    needs: a file backend without its folder, SMTP without its host)."""
    if settings.mail_backend == "file" and settings.mail_folder is not None:
        return FileMailer(settings.mail_folder)
    if settings.mail_backend == "smtp":
        return SmtpMailer(settings)
    return ConsoleMailer()


class ConsoleMailer:
    """Logs each message's headers and text part (development: the links are in the log)."""

    def send(self, message: EmailMessage) -> None:
        """Log ``message``."""
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        logger.info("mail to %s: %s\n%s", message["To"], message["Subject"], text.rstrip())


@dataclass(frozen=True)
class FileMailer:
    """Writes each message to ``folder`` as ``<uuid>.eml`` (tests read them back)."""

    folder: Path

    def send(self, message: EmailMessage) -> None:
        """Write ``message`` to a new file in the folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{uuid.uuid4().hex}.eml").write_bytes(message.as_bytes())


@dataclass(frozen=True)
class SmtpMailer:
    """Sends through an SMTP server: STARTTLS (verifying its certificate) unless turned off,
    then a login when a username is set."""

    settings: Settings

    def send(self, message: EmailMessage) -> None:
        """Send ``message``; the connection is closed afterwards, whatever happens."""
        settings = self.settings
        host = settings.smtp_host or ""
        with smtplib.SMTP(host, settings.smtp_port, timeout=settings.smtp_timeout) as server:
            if settings.smtp_starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_username:
                password = settings.smtp_password or SecretStr("")
                server.login(settings.smtp_username, password.get_secret_value())
            server.send_message(message)


def _domain_of(address: str) -> str:
    _name, email = parseaddr(address)
    return email.rpartition("@")[2] or "localhost"

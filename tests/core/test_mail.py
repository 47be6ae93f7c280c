"""Mail as a module sends it (``core.send_mail``), through each backend: the console's log, the
file backend's ``.eml`` files, and SMTP to a real server in this process (aiosmtpd), plain and
with STARTTLS and a login."""

import logging
import ssl
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword
from hobbymatch_testkit import StartApp, make_test_settings
from hobbymatch_testkit.mail import SmtpServer, start_smtp_server

from core import Mail, Platform, SettingsError, send_mail
from core.config import load_settings
from core.mail import build_message, mailer_for

NEWSLETTER = Mail(
    to="ann@example.com",
    subject="Three people near you play chess",
    text="See them: http://127.0.0.1:8000/matches\n",
    html='<p>See them: <a href="http://127.0.0.1:8000/matches">your matches</a></p>',
    unsubscribe_url="http://127.0.0.1:8000/notifications/unsubscribe?token=abc",
)
RESET = Mail(to="ann@example.com", subject="Reset your password", text="http://x/reset?t=1\n")


def sent_through_an_app(start_app: StartApp, tmp_path: Path, mail: Mail, **settings: Any) -> None:
    app = start_app(make_test_settings(f"sqlite:///{tmp_path / 'mail.db'}", **settings))
    with Platform.of(app).session_factory() as db:
        send_mail(db, mail)


def test_the_console_backend_logs_the_text_with_its_links(
    start_app: StartApp, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hobbymatch.mail"):
        sent_through_an_app(start_app, tmp_path, NEWSLETTER)
    logged = [record.getMessage() for record in caplog.records if record.name == "hobbymatch.mail"]
    assert logged == [
        "mail to ann@example.com: Three people near you play chess\n"
        "See them: http://127.0.0.1:8000/matches"
    ]


def test_the_file_backend_writes_a_message_with_text_html_and_one_click_unsubscribe(
    start_app: StartApp, tmp_path: Path
) -> None:
    folder = tmp_path / "outbox"
    sent_through_an_app(start_app, tmp_path, NEWSLETTER, mail_backend="file", mail_folder=folder)
    [written] = folder.glob("*.eml")
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["From"] == "HobbyMatch <hobbymatch@localhost>"
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == NEWSLETTER.subject
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@localhost>")
    assert message["Date"]
    assert message["List-Unsubscribe"] == f"<{NEWSLETTER.unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content() == NEWSLETTER.text  # type: ignore[union-attr]
    assert message.get_body(("html",)).get_content().strip() == NEWSLETTER.html  # type: ignore[union-attr]


def test_a_security_mail_has_no_unsubscribe_header_and_one_part() -> None:
    message = build_message(RESET, sender="HobbyMatch <no-reply@hobbymatch.example>")
    assert "List-Unsubscribe" not in message
    assert message.get_content_type() == "text/plain"
    assert message["Message-ID"].endswith("@hobbymatch.example>")


def test_smtp_delivers_to_a_real_server(
    start_app: StartApp, tmp_path: Path, smtp_server: SmtpServer
) -> None:
    sent_through_an_app(start_app, tmp_path, NEWSLETTER, **smtp_server.settings)
    [received] = smtp_server.to("ann@example.com")
    assert received["Subject"] == NEWSLETTER.subject
    text = received.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.replace("\r\n", "\n") == NEWSLETTER.text  # SMTP sends lines ending in CRLF


@pytest.fixture
def certificate_authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> trustme.CA:
    """A certificate authority that this process's default TLS context trusts."""
    authority = trustme.CA()
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return authority


def tls_server(authority: trustme.CA) -> SmtpServer:
    """An SMTP server that requires STARTTLS, then a login as mailer / s3cret."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)

    def authenticate(*arguments: Any) -> AuthResult:
        credentials = arguments[-1]
        accepted = isinstance(credentials, LoginPassword) and credentials == LoginPassword(
            b"mailer", b"s3cret"
        )
        return AuthResult(success=accepted, handled=False)

    return start_smtp_server(
        tls_context=context,
        require_starttls=True,
        auth_require_tls=True,
        authenticator=authenticate,
    )


def smtp_settings(server: SmtpServer, password: str) -> dict[str, Any]:
    return {
        **server.settings,
        "smtp_starttls": True,
        "smtp_username": "mailer",
        "smtp_password": password,
    }


def test_smtp_starts_tls_verifying_the_certificate_then_logs_in(
    start_app: StartApp, tmp_path: Path, certificate_authority: trustme.CA
) -> None:
    server = tls_server(certificate_authority)
    try:
        sent_through_an_app(start_app, tmp_path, RESET, **smtp_settings(server, "s3cret"))
    finally:
        server.controller.stop()
    assert [message["Subject"] for message in server.to("ann@example.com")] == [RESET.subject]


def test_a_refused_login_raises_so_that_the_job_is_retried(
    tmp_path: Path, certificate_authority: trustme.CA
) -> None:
    server = tls_server(certificate_authority)
    settings = make_test_settings(
        f"sqlite:///{tmp_path / 'mail.db'}", **smtp_settings(server, "wrong")
    )
    try:
        with pytest.raises(OSError, match="535"):
            mailer_for(settings).send(build_message(RESET, sender=settings.mail_from))
    finally:
        server.controller.stop()
    assert server.messages == []


def test_an_unreachable_server_raises(tmp_path: Path) -> None:
    stopped = start_smtp_server()
    stopped.controller.stop()
    settings = make_test_settings(f"sqlite:///{tmp_path / 'mail.db'}", **stopped.settings)
    with pytest.raises(ConnectionRefusedError):
        mailer_for(settings).send(build_message(RESET, sender=settings.mail_from))


@pytest.mark.parametrize(
    ("environment", "line"),
    [
        (
            {"HOBBYMATCH_MAIL_BACKEND": "file"},
            "invalid settings: HOBBYMATCH_MAIL_BACKEND=file needs HOBBYMATCH_MAIL_FOLDER",
        ),
        (
            {"HOBBYMATCH_MAIL_BACKEND": "smtp"},
            "invalid settings: HOBBYMATCH_MAIL_BACKEND=smtp needs HOBBYMATCH_SMTP_HOST",
        ),
        (
            {"HOBBYMATCH_MAIL_BACKEND": "pigeon"},
            "invalid setting HOBBYMATCH_MAIL_BACKEND: Input should be 'console', 'file' or 'smtp'",
        ),
    ],
)
def test_a_backend_without_what_it_needs_stops_startup_in_one_line(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], line: str
) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        load_settings(None)
    assert str(refused.value) == line

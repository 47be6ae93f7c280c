"""The digest of unread notifications, as its reader lives it: mailed once no new one came for
a quiet while (daily at most, or each time), never twice for the same notification, only to a
verified address, and stopped with one click."""

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock
from hobbymatch_testkit.mail import SmtpServer
from sqlalchemy.orm import Session

from tests.mailbox import settings, text_of, verify_address  # noqa: F401 (settings: a fixture)
from tests.social import request_connection

SignUp = Callable[..., Account]
RunJobs = Callable[[], Any]


def digests(smtp_server: SmtpServer, account: Account) -> list[EmailMessage]:
    """The digests ``account`` received (every mail but the address checks), oldest first."""
    return [
        mail
        for mail in smtp_server.to(account.email)
        if mail["Subject"] != "Confirm your address for HobbyMatch"
    ]


def choose(client: TestClient, account: Account, digest: str) -> None:
    body = {"email_digest": digest}
    response = client.put("/notifications/preferences", json=body, headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.json() == body


@pytest.fixture
def ben(sign_up: SignUp, db: Session) -> Account:
    """Ben, whose address is verified."""
    account = sign_up(display_name="Ben")
    verify_address(db, account)
    return account


def test_an_immediate_digest_waits_for_a_quiet_while_and_mails_each_notification_once(
    client: TestClient,
    sign_up: SignUp,
    ben: Account,
    clock: MovableClock,
    run_jobs: RunJobs,
    smtp_server: SmtpServer,
) -> None:
    choose(client, ben, "immediately")
    request_connection(client, sign_up(display_name="Ana"), ben)
    run_jobs()
    assert digests(smtp_server, ben) == []  # not while things are still happening
    clock.move(minutes=16)
    run_jobs()
    [mail] = digests(smtp_server, ben)
    assert mail["Subject"] == "Ana asked to connect with you on HobbyMatch"
    assert "- Ana asked to connect with you" in text_of(mail)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/notifications/unsub")
    request_connection(client, sign_up(display_name="Cy"), ben)
    clock.move(minutes=16)
    run_jobs()
    assert [mail["Subject"] for mail in digests(smtp_server, ben)][1:] == [
        "Cy asked to connect with you on HobbyMatch"  # Ana's is not mailed again
    ]


def test_a_daily_digest_lists_everything_new_at_most_once_a_day(
    client: TestClient,
    sign_up: SignUp,
    ben: Account,
    clock: MovableClock,
    run_jobs: RunJobs,
    smtp_server: SmtpServer,
) -> None:
    ana, cy = sign_up(display_name="Ana"), sign_up(display_name="Cy")
    request_connection(client, ana, ben)
    request_connection(client, cy, ben)
    clock.move(minutes=16)
    run_jobs()
    [first] = digests(smtp_server, ben)
    assert first["Subject"] == "2 new on HobbyMatch"
    assert "- Cy asked to connect with you\n- Ana asked to connect with you\n" in text_of(first)
    request_connection(client, sign_up(display_name="Dee"), ben)
    clock.move(hours=2)
    run_jobs()
    assert len(digests(smtp_server, ben)) == 1  # the day is not over
    clock.move(days=1)
    run_jobs()
    second = digests(smtp_server, ben)[1]
    assert second["Subject"] == "Dee asked to connect with you on HobbyMatch"
    assert "Ana" not in text_of(second)


def test_no_digest_of_what_was_read_to_an_unverified_address_or_when_off(
    client: TestClient,
    sign_up: SignUp,
    ben: Account,
    db: Session,
    clock: MovableClock,
    run_jobs: RunJobs,
    smtp_server: SmtpServer,
) -> None:
    ana, unverified, quiet = sign_up(), sign_up(), sign_up()
    verify_address(db, quiet)
    choose(client, quiet, "off")
    for recipient in (ben, unverified, quiet):
        request_connection(client, ana, recipient)
    read = client.post("/notifications/read", json={"all": True}, headers=ben.headers)
    assert read.status_code == 204
    clock.move(days=2)
    run_jobs()
    for account in (ben, unverified, quiet):
        assert digests(smtp_server, account) == []


def test_one_click_in_the_mail_stops_the_digest(
    client: TestClient,
    sign_up: SignUp,
    ben: Account,
    clock: MovableClock,
    run_jobs: RunJobs,
    smtp_server: SmtpServer,
) -> None:
    ana = sign_up(display_name="Ana")
    request_connection(client, ana, ben)
    clock.move(minutes=16)
    run_jobs()
    [mail] = digests(smtp_server, ben)
    url = mail["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    page = client.get(url)
    assert page.status_code == 200
    assert 'method="post"' in page.text
    # What a mail client sends for RFC 8058's one click: a form POST to the link, no cookie.
    done = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "Unsubscribed" in done.text
    preferences = client.get("/notifications/preferences", headers=ben.headers)
    assert preferences.json() == {"email_digest": "off"}
    request_connection(client, sign_up(), ben)
    clock.move(days=2)
    run_jobs()
    assert len(digests(smtp_server, ben)) == 1


def test_an_unknown_unsubscribe_link_is_404(client: TestClient) -> None:
    response = client.post("/notifications/unsubscribe?token=made-up")
    assert response.status_code == 404
    assert "This link no longer works" in response.text


def test_the_preferences_default_to_daily_and_refuse_what_is_not_a_choice(
    client: TestClient, ben: Account
) -> None:
    read = client.get("/notifications/preferences", headers=ben.headers)
    assert read.status_code == 200
    assert read.json() == {"email_digest": "daily"}
    choose(client, ben, "immediately")
    assert client.get("/notifications/preferences", headers=ben.headers).json() == {
        "email_digest": "immediately"
    }
    for body in ({"email_digest": "weekly"}, {}, {"email_digest": "off", "extra": 1}):
        refused = client.put("/notifications/preferences", json=body, headers=ben.headers)
        assert refused.status_code == 422, body
    for method in ("GET", "PUT"):
        anonymous = client.request(
            method, "/notifications/preferences", json={"email_digest": "off"}
        )
        assert anonymous.status_code == 401

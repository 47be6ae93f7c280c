"""A forgotten password, as its owner lives it: ask, get a mail (at a real SMTP server in
this process), follow its link, choose a new password; and what nobody else can learn or do."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account, log_in
from hobbymatch_testkit.mail import SmtpServer

from modules.users.security import issue_reset_token
from tests.mailbox import link_in, mails, settings  # noqa: F401 (settings: a fixture)

ON_ITS_WAY = {
    "detail": "if an account has this address, a mail with a link to reset its password is on "
    "its way"
}


def mailed_link(smtp_server: SmtpServer, address: str) -> str:
    """The path and query of the reset link in the one mail ``address`` received."""
    [mail] = mails(smtp_server, address, "Reset your HobbyMatch password")
    return link_in(mail, "/auth/password-reset/confirm")


def ask_for_reset(client: TestClient, email: str) -> None:
    response = client.post("/auth/password-reset", json={"email": email})
    assert response.status_code == 202, response.text
    assert response.json() == ON_ITS_WAY


def mailed_token(
    client: TestClient, run_jobs: Callable[[], Any], smtp_server: SmtpServer, email: str
) -> str:
    """Ask for a reset of ``email``'s password; the token of the link the job mails."""
    ask_for_reset(client, email)
    run_jobs()
    return mailed_link(smtp_server, email).split("token=", 1)[1]


def test_the_mailed_link_opens_a_form_that_sets_the_new_password(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    ask_for_reset(client, ann.email)
    assert smtp_server.messages == []  # mailed by a job, after the request
    run_jobs()
    page = client.get(mailed_link(smtp_server, ann.email))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"  # its URL holds the token
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    done = client.post(
        "/auth/password-reset/form", data={"token": token[1], "new_password": "a new secret"}
    )
    assert done.status_code == 200
    assert "Password changed" in done.text
    assert log_in(client, ann.email, "a new secret")
    refused = client.post("/auth/token", data={"username": ann.email, "password": ann.password})
    assert refused.status_code == 401
    # Every earlier session of the account has ended, and the link works once.
    assert client.get("/users/me", headers=ann.headers).status_code == 401
    again = client.post(
        "/auth/password-reset/form", data={"token": token[1], "new_password": "another one"}
    )
    assert again.status_code == 400
    assert "This link no longer works" in again.text


def test_the_api_resets_with_the_token_of_the_link_once(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    token = mailed_token(client, run_jobs, smtp_server, ann.email)
    body = {"token": token, "new_password": "a new secret"}
    reset = client.post("/auth/password-reset/confirm", json=body)
    assert reset.status_code == 204
    assert log_in(client, ann.email, "a new secret")
    used = client.post("/auth/password-reset/confirm", json={**body, "new_password": "third one"})
    assert used.status_code == 400
    assert used.json() == {
        "detail": "this reset link is invalid, expired or used already: ask for a new one"
    }


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient, run_jobs: Callable[[], Any], smtp_server: SmtpServer
) -> None:
    ask_for_reset(client, "nobody@example.com")
    run_jobs()
    assert smtp_server.messages == []


def test_a_password_changed_otherwise_ends_the_reset_link(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    token = mailed_token(client, run_jobs, smtp_server, ann.email)
    changed = client.post(
        "/users/me/password",
        json={"current_password": ann.password, "new_password": "changed by hand"},
        headers=ann.headers,
    )
    assert changed.status_code == 204
    body = {"token": token, "new_password": "a new secret"}
    assert client.post("/auth/password-reset/confirm", json=body).status_code == 400


def test_an_expired_or_forged_token_is_refused(
    client: TestClient, sign_up: Callable[..., Account], secret_key: str
) -> None:
    ann = sign_up()
    with_ann = {"user_id": ann.id, "password_hash": "whatever was current"}
    expired = issue_reset_token(**with_ann, secret_key=secret_key, lifetime=timedelta(seconds=-1))
    forged = issue_reset_token(**with_ann, secret_key="x" * 40, lifetime=timedelta(hours=1))
    for token in (expired, forged, "not a token"):
        body = {"token": token, "new_password": "a new secret"}
        assert client.post("/auth/password-reset/confirm", json=body).status_code == 400
    assert log_in(client, ann.email, ann.password)


def test_asking_too_often_for_one_address_is_429_whether_or_not_it_has_an_account(
    client: TestClient, sign_up: Callable[..., Account]
) -> None:
    ann = sign_up()
    for address in (ann.email, "nobody@example.com"):
        for _ in range(3):
            ask_for_reset(client, address)
        refused = client.post("/auth/password-reset", json={"email": address})
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": "ann@example.com", "extra": 1}, "extra"),
    ],
)
def test_a_bad_reset_request_is_422(client: TestClient, body: dict[str, Any], field: str) -> None:
    response = client.post("/auth/password-reset", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_a_short_new_password_is_refused_on_the_page_and_in_the_api(client: TestClient) -> None:
    api = client.post("/auth/password-reset/confirm", json={"token": "t", "new_password": "short"})
    assert api.status_code == 422
    page = client.post("/auth/password-reset/form", data={"token": "t", "new_password": "short"})
    assert page.status_code == 422
    assert "8 to 128 characters" in page.text

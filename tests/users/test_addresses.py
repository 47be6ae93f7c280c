"""An account's address, as its owner lives it: the mail that checks it at sign-up, a new one
on request, and a change that the new address confirms and the old one hears of; and what
nobody else can learn or do with it."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account, log_in
from hobbymatch_testkit.mail import SmtpServer
from sqlalchemy.orm import Session

from modules.users.models import User
from modules.users.security import issue_address_token
from tests.mailbox import link_in, mails, settings, text_of  # noqa: F401 (settings: a fixture)

CONFIRM = "Confirm your address for HobbyMatch"
CHANGING = "Your HobbyMatch address is being changed"
IN_USE = "Your address is already on HobbyMatch"
CHANGE_ON_ITS_WAY = {
    "detail": "a mail with a link that confirms the change is on its way to the new address; "
    "your address changes once it is followed"
}
OUTDATED = {"detail": "this link is invalid, expired or outdated: ask for a new one"}


def token_mailed_to(smtp_server: SmtpServer, address: str) -> str:
    """The token of the last address link that ``address`` received."""
    return link_in(mails(smtp_server, address, CONFIRM)[-1], "/auth/verify-email").split("=")[1]


def me(client: TestClient, account: Account) -> dict[str, Any]:
    response = client.get("/users/me", headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def change_email(client: TestClient, account: Account, email: str) -> None:
    body = {"email": email, "current_password": account.password}
    response = client.patch("/users/me/email", json=body, headers=account.headers)
    assert response.status_code == 202, response.text
    assert response.json() == CHANGE_ON_ITS_WAY


def test_the_sign_up_mail_opens_a_page_whose_button_verifies_the_address(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    assert me(client, ann)["email_verified"] is False
    run_jobs()
    [mail] = mails(smtp_server, ann.email, CONFIRM)
    page = client.get(link_in(mail, "/auth/verify-email"))
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert me(client, ann)["email_verified"] is False  # opening the link is not enough
    token = token_mailed_to(smtp_server, ann.email)
    assert f'name="token" value="{token}"' in page.text
    done = client.post("/auth/verify-email/form", data={"token": token})
    assert done.status_code == 200
    assert "Address confirmed" in done.text
    assert me(client, ann)["email_verified"] is True


def test_the_api_verifies_with_the_mailed_token_and_again_is_harmless(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    run_jobs()
    token = token_mailed_to(smtp_server, ann.email)
    for _ in range(2):
        response = client.post("/auth/verify-email", json={"token": token})
        assert response.status_code == 204, response.text
    assert me(client, ann)["email_verified"] is True
    again = client.post("/users/me/email/verification", headers=ann.headers)
    assert again.status_code == 409
    assert again.json() == {"detail": "your address is verified already"}


def test_a_forged_or_expired_token_is_400_and_verifies_nothing(
    client: TestClient, sign_up: Callable[..., Account], secret_key: str
) -> None:
    ann = sign_up()
    claims = {"user_id": ann.id, "address": ann.email, "current_address": ann.email}
    expired = issue_address_token(**claims, secret_key=secret_key, lifetime=timedelta(seconds=-1))
    forged = issue_address_token(**claims, secret_key="x" * 40, lifetime=timedelta(days=1))
    for token in (expired, forged, "not a token"):
        response = client.post("/auth/verify-email", json={"token": token})
        assert response.status_code == 400
        assert response.json() == OUTDATED
    page = client.post("/auth/verify-email/form", data={"token": forged})
    assert page.status_code == 400
    assert "This link no longer works" in page.text
    assert me(client, ann)["email_verified"] is False


def test_a_new_link_is_mailed_on_request_a_few_times_an_hour(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    for _ in range(5):
        response = client.post("/users/me/email/verification", headers=ann.headers)
        assert response.status_code == 202, response.text
    refused = client.post("/users/me/email/verification", headers=ann.headers)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    run_jobs()
    assert len(mails(smtp_server, ann.email, CONFIRM)) == 6  # the sign-up's and five asked for


def test_a_change_waits_for_the_new_address_and_the_old_one_is_told(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    run_jobs()
    sign_up_token = token_mailed_to(smtp_server, ann.email)
    change_email(client, ann, " Ann.New@Example.com ")
    run_jobs()
    [notice] = mails(smtp_server, ann.email, CHANGING)
    assert "ann.new@example.com" in text_of(notice)
    assert me(client, ann)["email"] == ann.email  # unchanged until the new address confirms
    token = token_mailed_to(smtp_server, "ann.new@example.com")
    assert client.post("/auth/verify-email", json={"token": token}).status_code == 204
    profile = me(client, ann)
    assert (profile["email"], profile["email_verified"]) == ("ann.new@example.com", True)
    assert log_in(client, "ann.new@example.com", ann.password)
    old = client.post("/auth/token", data={"username": ann.email, "password": ann.password})
    assert old.status_code == 401
    # Every link mailed before the change is outdated by it, the change's own included.
    for used in (token, sign_up_token):
        response = client.post("/auth/verify-email", json={"token": used})
        assert response.status_code == 400
        assert response.json() == OUTDATED


def test_a_change_to_a_taken_address_answers_the_same_and_only_its_owner_is_told(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann, ben = sign_up(), sign_up()
    change_email(client, ann, ben.email)
    run_jobs()
    [told] = mails(smtp_server, ben.email, IN_USE)
    assert "/auth/verify-email" not in text_of(told)
    assert len(mails(smtp_server, ben.email, CONFIRM)) == 1  # his own sign-up's, no other
    assert me(client, ann)["email"] == ann.email


def test_an_address_taken_before_the_link_is_followed_is_refused(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    change_email(client, ann, "wanted@example.com")
    run_jobs()
    sign_up(email="wanted@example.com")
    token = token_mailed_to(smtp_server, "wanted@example.com")
    response = client.post("/auth/verify-email", json={"token": token})
    assert response.status_code == 400
    assert response.json() == {"detail": "another account has this address now"}
    assert me(client, ann)["email"] == ann.email


def test_a_change_needs_the_password_a_new_address_and_is_rate_limited(
    client: TestClient, sign_up: Callable[..., Account], db: Session
) -> None:
    ann = sign_up()
    wrong = {"email": "other@example.com", "current_password": "not the password"}
    refused = client.patch("/users/me/email", json=wrong, headers=ann.headers)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "the current password is wrong"}
    same = {"email": ann.email.upper(), "current_password": ann.password}
    unchanged = client.patch("/users/me/email", json=same, headers=ann.headers)
    assert unchanged.status_code == 422
    assert unchanged.json()["detail"][0]["msg"] == "this is your address already"
    for number in range(3):
        change_email(client, ann, f"new-{number}@example.com")
    # The five an hour include the refused attempts: a stolen token cannot guess on here.
    over = client.patch("/users/me/email", json=wrong, headers=ann.headers)
    assert over.status_code == 429
    assert db.get(User, ann.id).email == ann.email  # type: ignore[union-attr]


def test_nobody_floods_one_address_through_many_accounts(
    client: TestClient, sign_up: Callable[..., Account]
) -> None:
    for _ in range(3):
        change_email(client, sign_up(), "target@example.com")
    fourth = sign_up()
    body = {"email": "target@example.com", "current_password": fourth.password}
    refused = client.patch("/users/me/email", json=body, headers=fourth.headers)
    assert refused.status_code == 429


def test_a_sign_up_that_fails_mails_nothing(
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
) -> None:
    ann = sign_up()
    body = {"email": ann.email, "password": "another secret", "display_name": "Twin"}
    assert client.post("/users", json=body).status_code == 409
    run_jobs()
    assert len(smtp_server.to(ann.email)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not an address", "current_password": "x"}, "email"),
        ({"email": "a@example.com"}, "current_password"),
        ({"email": "a@example.com", "current_password": "x", "extra": 1}, "extra"),
    ],
)
def test_a_bad_change_is_422(
    client: TestClient, sign_up: Callable[..., Account], body: dict[str, Any], field: str
) -> None:
    response = client.patch("/users/me/email", json=body, headers=sign_up().headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_the_address_routes_need_a_token(client: TestClient) -> None:
    for method, path in (("POST", "/users/me/email/verification"), ("PATCH", "/users/me/email")):
        response = client.request(method, path, json={"email": "a@example.com"})
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"

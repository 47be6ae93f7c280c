"""Every moderation action's effect on every listing: a hidden message, meetup or reference
is gone for everyone (the evidence stays); a suspension or a ban hides the account
everywhere, signs it out, refuses its sign-in with the reason, mails the reason, and a
suspension ends after its days; a dismissal changes nothing."""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock
from hobbymatch_testkit.mail import SmtpServer
from sqlalchemy.orm import Session

from modules.messages import Message
from tests.mailbox import mails, settings, text_of, verify_address
from tests.meetups.planning import meetup_body, rsvp
from tests.moderation.reporting import filed, log_in, resolve, send, talk
from tests.social import skill_id

__all__ = ["settings"]  # the mail tests' app: its mail goes to the test's SMTP server

SignUp = Callable[..., Account]
RESTRICTED = "Your HobbyMatch account is restricted"


@pytest.fixture
def chess_id(client: TestClient) -> int:
    """The catalog's id of chess."""
    return skill_id(client, "Chess")


def host(client: TestClient, account: Account, chess_id: int) -> dict[str, Any]:
    """A public chess meetup ``account`` hosts."""
    response = client.post("/meetups", json=meetup_body(skill_id=chess_id), headers=account.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def texts_between(client: TestClient, viewer: Account, other: Account) -> list[str]:
    response = client.get(f"/messages/with/{other.id}", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return [item["text"] for item in response.json()["items"]]


def ids_of(client: TestClient, viewer: Account, path: str) -> list[Any]:
    response = client.get(path, headers=viewer.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_a_hidden_message_is_gone_from_both_sides(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    talk(client, ana, ben)
    nasty = send(client, ben, ana, "Something nasty")
    report_id = filed(client, ana, "message", nasty)
    assert resolve(client, moderator, report_id, action="hide").status_code == 200
    for viewer, other in ((ana, ben), (ben, ana)):
        assert "Something nasty" not in texts_between(client, viewer, other)
        [conversation] = client.get("/messages/conversations", headers=viewer.headers).json()[
            "items"
        ]
        assert conversation["last_message"]["text"] == "Hi! Chess on Saturday?"
    assert client.get(f"/users/{ben.id}", headers=ana.headers).status_code == 200  # only that
    resolved = client.get("/moderation/reports?status=resolved", headers=moderator.headers)
    [kept] = resolved.json()["items"]
    assert (kept["resolution"], kept["evidence"]["message"]["text"]) == ("hide", "Something nasty")


def test_a_hidden_meetup_is_gone_for_everyone_and_from_calendars(
    client: TestClient, sign_up: SignUp, moderator: Account, chess_id: int
) -> None:
    ana, ben = sign_up(), sign_up()
    meetup = host(client, ben, chess_id)
    rsvp(client, ana, meetup["id"])
    feed = client.post("/meetups/calendar-feed", headers=ana.headers).json()["url"]
    feed_path = feed[feed.index("/meetups/") :]
    assert "Chess in the park" in client.get(feed_path).text
    report_id = filed(client, ana, "meetup", meetup["id"])
    assert resolve(client, moderator, report_id, action="hide").status_code == 200
    for viewer in (ana, ben):
        assert meetup["id"] not in ids_of(client, viewer, "/meetups")
        assert meetup["id"] not in ids_of(client, viewer, "/meetups/mine")
        assert client.get(f"/meetups/{meetup['id']}", headers=viewer.headers).status_code == 404
        ics = client.get(f"/meetups/{meetup['id']}.ics", headers=viewer.headers)
        assert ics.status_code == 404
    assert "Chess in the park" not in client.get(feed_path).text


def test_a_hidden_reference_is_gone_from_its_page_the_profile_and_its_author(
    client: TestClient, sign_up: SignUp, moderator: Account, chess_id: int
) -> None:
    ana, ben = sign_up(), sign_up()
    talk(client, ana, ben)
    body = {"rating": 1, "would_meet_again": False, "text": "Awful", "skill_id": chess_id}
    written = client.post(f"/users/{ana.id}/references", json=body, headers=ben.headers)
    back = {**body, "rating": 5, "text": "Lovely"}
    assert client.post(f"/users/{ben.id}/references", json=back, headers=ana.headers).status_code
    reference_id = written.json()["id"]
    assert ids_of(client, ana, f"/users/{ana.id}/references") == [reference_id]
    report_id = filed(client, ana, "reference", reference_id)
    assert resolve(client, moderator, report_id, action="hide").status_code == 200
    page = client.get(f"/users/{ana.id}/references", headers=ben.headers).json()
    assert (page["items"], page["total"], page["average"]) == ([], 0, None)
    profile = client.get(f"/users/{ana.id}", headers=ben.headers).json()
    assert profile["extras"]["references"] == {"count": 0, "average": None}
    assert ids_of(client, ben, "/references/written") == []
    change = client.patch(f"/references/{reference_id}", json={"rating": 2}, headers=ben.headers)
    assert change.status_code == 404


def test_a_suspension_hides_the_account_everywhere_until_its_days_are_over(
    client: TestClient,
    sign_up: SignUp,
    moderator: Account,
    chess_id: int,
    clock: MovableClock,
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
    db: Session,
) -> None:
    ana, ben, cleo = sign_up(), sign_up(display_name="Ben"), sign_up()
    for account in (ben, cleo):
        verify_address(db, account)
    for account in (ben, ana):  # both want to learn chess: a shared match
        listed = client.put(
            "/users/me/skills",
            json=[{"skill_id": chess_id, "intent": "learn"}],
            headers=account.headers,
        )
        assert listed.status_code == 200, listed.text
    assert matched_ids(client, ana) == [str(ben.id)]
    meetup = host(client, ben, chess_id)
    rsvp(client, cleo, meetup["id"])
    report_id = filed(client, ana, "user", ben.id)
    done = resolve(client, moderator, report_id, action="suspend", days=2, note="Insults")
    assert done.status_code == 200, done.text
    assert client.get("/users/me", headers=ben.headers).status_code == 401
    refused = log_in(client, ben)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("this account is suspended until ")
    assert refused.json()["detail"].endswith(": reported for spam: Insults")
    assert_gone_for(client, ana, ben, chess_id, meetup["id"])
    run_jobs()
    [mail] = mails(smtp_server, ben.email, RESTRICTED)
    assert "reported for spam: Insults" in text_of(mail)
    told = "Ben cancelled a meetup you answered on HobbyMatch"
    assert len(mails(smtp_server, cleo.email, told)) == 1  # his meetup is off: she is told
    clock.move(days=2, seconds=1)
    again = log_in(client, ben)
    assert again.status_code == 200, again.text
    back = replace(ben, token=again.json()["access_token"])
    assert client.get(f"/users/{ben.id}", headers=ana.headers).status_code == 200
    assert matched_ids(client, ana) == [str(ben.id)]
    assert client.get(f"/meetups/{meetup['id']}", headers=back.headers).json()["cancelled"]
    assert client.get("/users/me", headers=back.headers).status_code == 200


def assert_gone_for(
    client: TestClient, viewer: Account, gone: Account, chess_id: int, meetup_id: int
) -> None:
    """``gone`` is missing from every listing ``viewer`` reads, as a deactivated account."""
    assert client.get(f"/users/{gone.id}", headers=viewer.headers).status_code == 404
    assert str(gone.id) not in ids_of(client, viewer, "/users?limit=100")
    assert str(gone.id) not in ids_of(client, viewer, f"/skills/{chess_id}/users")
    assert meetup_id not in ids_of(client, viewer, "/meetups")
    assert str(gone.id) not in matched_ids(client, viewer)


def matched_ids(client: TestClient, viewer: Account) -> list[str]:
    """The ids of the people ``viewer``'s matches rank."""
    response = client.get("/matches", headers=viewer.headers)
    assert response.status_code == 200, response.text
    return [item["user"]["id"] for item in response.json()["items"]]


def test_a_ban_over_a_message_hides_it_and_bans_its_sender_for_good(
    client: TestClient,
    sign_up: SignUp,
    moderator: Account,
    clock: MovableClock,
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
    db: Session,
) -> None:
    ana, ben = sign_up(), sign_up()
    verify_address(db, ben)
    talk(client, ana, ben)
    scam = send(client, ben, ana, "Send me money")
    report_id = filed(client, ana, "message", scam)
    assert resolve(client, moderator, report_id, action="ban").status_code == 200
    assert client.get(f"/users/{ben.id}", headers=ana.headers).status_code == 404
    assert client.get("/messages/conversations", headers=ana.headers).json()["total"] == 0
    message = db.get(Message, scam)
    assert message is not None
    assert message.hidden_at is not None  # hidden, should Ben ever return
    clock.move(days=400)
    refused = log_in(client, ben)
    assert (refused.status_code, refused.json()["detail"]) == (
        403,
        "this account is banned: reported for spam",
    )
    run_jobs()
    [mail] = mails(smtp_server, ben.email, RESTRICTED)
    assert "this account is banned: reported for spam" in text_of(mail)


def test_a_dismissal_changes_nothing_but_the_report(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    first, second = filed(client, ana, "user", ben.id), filed(client, sign_up(), "user", ben.id)
    done = resolve(client, moderator, first, action="dismiss", note="Nothing wrong")
    assert done.status_code == 200, done.text
    assert client.get("/users/me", headers=ben.headers).status_code == 200
    assert client.get(f"/users/{ben.id}", headers=ana.headers).status_code == 200
    resolved = client.get("/moderation/reports?status=resolved", headers=moderator.headers)
    assert sorted(item["id"] for item in resolved.json()["items"]) == [first, second]
    assert client.get("/moderation/reports", headers=moderator.headers).json()["total"] == 0
    [entry] = client.get("/moderation/audit", headers=moderator.headers).json()["items"]
    assert (entry["action"], entry["moderator_id"], entry["note"], entry["owner_id"]) == (
        "dismiss",
        str(moderator.id),
        "Nothing wrong",
        str(ben.id),
    )
    assert sorted(entry["report_ids"]) == [first, second]

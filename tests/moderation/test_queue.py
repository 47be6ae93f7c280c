"""The queue and its rules, as moderators live them: several people reporting one subject
within the window hide it until a moderator decides (a dismissal shows it again); a report
is decided once, by someone it is not about; the audit log keeps every action, newest first,
and the database refuses to change it."""

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from modules.moderation.models import AuditEntry
from modules.users.roles import grant_role
from tests.mailbox import verify_address
from tests.meetups.planning import meetup_body
from tests.moderation.reporting import filed, log_in, report, resolve, send, talk
from tests.notifications.streams import EventReader, live_server
from tests.social import skill_id

SignUp = Callable[..., Account]
REPORTS_PER_DAY = 3


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """A daily limit of reports small enough to reach."""
    return {"moderation": {"reports_per_day": REPORTS_PER_DAY}}


def public_meetup(client: TestClient, host: Account) -> int:
    """The id of a public chess meetup ``host`` hosts."""
    body = meetup_body(skill_id=skill_id(client, "Chess"))
    response = client.post("/meetups", json=body, headers=host.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def established(sign_up: SignUp, db: Session, count: int) -> list[Account]:
    """``count`` people with verified addresses (who count towards hiding, once their
    accounts are a week old)."""
    people = [sign_up() for _ in range(count)]
    for person in people:
        verify_address(db, person)
    return people


def test_three_established_reporters_within_a_day_hide_a_meetup_until_a_dismissal(
    client: TestClient, sign_up: SignUp, moderator: Account, clock: MovableClock, db: Session
) -> None:
    ben = sign_up()
    meetup_id = public_meetup(client, ben)
    ana, cleo, dan, eve = established(sign_up, db, 4)
    newcomers = [sign_up() for _ in range(3)]  # unverified: they never count
    clock.move(days=8)  # a week on: the accounts are old enough to count
    first = filed(client, ana, "meetup", meetup_id)
    clock.move(hours=25)  # out of the window: Ana's report no longer counts
    for reporter in (cleo, dan, *newcomers):
        filed(client, reporter, "meetup", meetup_id)
    assert client.get(f"/meetups/{meetup_id}", headers=ana.headers).status_code == 200
    filed(client, eve, "meetup", meetup_id)
    for viewer in (ana, ben):
        assert client.get(f"/meetups/{meetup_id}", headers=viewer.headers).status_code == 404
    [hidden] = client.get("/moderation/audit", headers=moderator.headers).json()["items"]
    assert (hidden["action"], hidden["moderator_id"], len(hidden["report_ids"])) == (
        "auto_hide",
        None,
        3,
    )
    assert first not in hidden["report_ids"]
    assert resolve(client, moderator, first, action="dismiss").status_code == 200
    assert client.get(f"/meetups/{meetup_id}", headers=ana.headers).status_code == 200
    actions = client.get("/moderation/audit", headers=moderator.headers).json()["items"]
    assert [entry["action"] for entry in actions] == ["dismiss", "auto_hide"]


def test_new_accounts_hide_nobody_and_reports_are_limited_per_day(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    ben = sign_up()
    for reporter in established(sign_up, db, 3):  # verified, but a day old, not a week
        filed(client, reporter, "user", ben.id)
    assert client.get("/users/me", headers=ben.headers).status_code == 200
    spammer = sign_up()
    for _ in range(REPORTS_PER_DAY):
        filed(client, spammer, "user", sign_up().id)
    refused = report(client, spammer, "user", sign_up().id)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 24 * 3600


def test_three_reports_of_a_person_hold_the_account_in_review_never_past_a_ban(
    client: TestClient, sign_up: SignUp, moderator: Account, clock: MovableClock, db: Session
) -> None:
    ben, ana = sign_up(), sign_up()
    reporters = established(sign_up, db, 3)
    talk(client, ana, ben)
    spam = send(client, ben, ana, "Buy now")
    clock.move(days=8)
    reports = [filed(client, reporter, "user", ben.id) for reporter in reporters]
    assert client.get("/users/me", headers=ben.headers).status_code == 401
    held = log_in(client, ben)
    assert (held.status_code, held.json()["detail"]) == (
        403,
        "this account is hidden while moderators review reports about it",
    )
    about_the_message = filed(client, ana, "message", spam)
    assert resolve(client, moderator, about_the_message, action="ban").status_code == 200
    assert resolve(client, moderator, reports[1], action="dismiss").status_code == 200
    still = log_in(client, ben)  # the dismissal ended the review, not the ban decided since
    assert (still.status_code, still.json()["detail"]) == (
        403,
        "this account is banned: reported for spam",
    )


def test_a_dismissed_review_lets_the_person_back(
    client: TestClient, sign_up: SignUp, moderator: Account, clock: MovableClock, db: Session
) -> None:
    ben = sign_up()
    reporters = established(sign_up, db, 3)
    clock.move(days=8)
    reports = [filed(client, reporter, "user", ben.id) for reporter in reporters]
    assert log_in(client, ben).status_code == 403
    assert resolve(client, moderator, reports[0], action="dismiss").status_code == 200
    assert log_in(client, ben).status_code == 200


def test_a_report_is_decided_once_and_never_by_the_person_it_is_about(
    client: TestClient, sign_up: SignUp, moderator: Account, db: Session
) -> None:
    ana, ben = sign_up(), sign_up()
    report_id = filed(client, ana, "user", ben.id)
    for body in ({"action": "suspend"}, {"action": "ban", "days": 2}):
        refused = resolve(client, moderator, report_id, **body)
        assert refused.status_code == 422
        assert "days is required with suspend, and only with it" in refused.text
    assert resolve(client, moderator, report_id, action="warn").status_code == 422
    assert resolve(client, moderator, 999_999, action="dismiss").status_code == 404
    assert resolve(client, moderator, report_id, action="dismiss").status_code == 200
    assert resolve(client, moderator, report_id, action="ban").status_code == 409
    about_mo = filed(client, ana, "user", moderator.id)
    other = sign_up()
    grant_role(db, email=other.email, role="moderator")
    assert client.get("/moderation/reports", headers=moderator.headers).json()["total"] == 0
    assert client.get("/moderation/reports", headers=other.headers).json()["total"] == 1
    own = resolve(client, moderator, about_mo, action="dismiss")
    assert (own.status_code, own.json()["detail"]) == (
        403,
        "another moderator decides the reports about you",
    )
    assert report(client, ana, "user", ben.id).status_code == 201  # resolved: report anew


def test_the_database_refuses_to_change_the_audit_log(
    client: TestClient, sign_up: SignUp, moderator: Account, db: Session
) -> None:
    report_id = filed(client, sign_up(), "user", sign_up().id)
    assert resolve(client, moderator, report_id, action="dismiss").status_code == 200
    with pytest.raises(DBAPIError, match="the moderation audit log is append-only"):
        db.execute(update(AuditEntry).values(note="nothing happened"))
    db.rollback()
    [entry] = client.get("/moderation/audit", headers=moderator.headers).json()["items"]
    assert entry["note"] == ""


@pytest.fixture
def base(app: FastAPI) -> Iterator[str]:
    """The test app, served by Uvicorn on a loopback port."""
    with live_server(app) as url:
        yield url


def test_a_suspension_ends_the_live_stream_of_the_account(
    client: TestClient, sign_up: SignUp, moderator: Account, base: str
) -> None:
    ana, ben = sign_up(), sign_up()
    ticket = client.post("/notifications/stream-tickets", headers=ben.headers).json()["ticket"]
    reader = EventReader(base, f"/notifications/stream?ticket={ticket}")
    try:
        assert reader.status == 200
        report_id = filed(client, ana, "user", ben.id)
        assert resolve(client, moderator, report_id, action="suspend", days=1).status_code == 200
        reader.wait_until_ended(timeout=5)
        events = [reader.next_event(timeout=0).event for _ in range(reader.events.qsize())]
        assert events[-1] == "revoked"  # after the notification of it, if it came first
    finally:
        reader.close()
    assert client.get("/users/me", headers=ben.headers).status_code == 401

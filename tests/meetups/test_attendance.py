"""After a meetup: the host records who came, or people check in with the host's code during
it; a person's reliability score, from those records, on their public profile. Before it:
the reminders, at their time (the test moves the clock), in the stream and the mailbox."""

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock
from hobbymatch_testkit.mail import SmtpServer
from sqlalchemy.orm import Session

from modules.meetups import met_at_a_meetup
from tests.mailbox import settings, verify_address  # noqa: F401 (settings: a fixture)
from tests.meetups.conftest import Host
from tests.meetups.planning import kinds_of, rsvp
from tests.notifications.streams import EventReader, live_server

SignUp = Callable[..., Account]
RunJobs = Callable[[], Any]


def mark(client: TestClient, host: Account, meetup_id: int, person: Account, came: bool) -> int:
    body = {"user_id": str(person.id), "attended": came}
    response = client.post(f"/meetups/{meetup_id}/attendance", json=body, headers=host.headers)
    return response.status_code


def reliability(client: TestClient, viewer: Account, person: Account) -> dict[str, Any]:
    profile = client.get(f"/users/{person.id}", headers=viewer.headers).json()
    score: dict[str, Any] = profile["extras"]["meetups_reliability"]
    return score


def test_the_host_records_who_came_after_the_end_and_the_score_follows(
    client: TestClient, sign_up: SignUp, host_meetup: Host, clock: MovableClock
) -> None:
    host, ana, viewer = sign_up(), sign_up(), sign_up()
    meetups = [host_meetup(host)["id"] for _ in range(4)]
    waiting = host_meetup(host, capacity=2)["id"]
    for meetup_id in meetups:
        rsvp(client, ana, meetup_id)
    assert mark(client, host, meetups[0], ana, True) == 409  # not ended yet
    assert reliability(client, viewer, ana) == {"score": None, "records": 0}  # new
    clock.move(days=3, hours=3)
    assert mark(client, ana, meetups[0], ana, True) == 403  # only the host
    assert mark(client, host, meetups[0], ana, True) == 204
    assert mark(client, host, meetups[1], ana, False) == 204
    assert reliability(client, viewer, ana) == {"score": None, "records": 2}  # still new
    assert mark(client, host, meetups[2], ana, True) == 204
    assert reliability(client, viewer, ana) == {"score": 7, "records": 3}  # 1 + 9 x 2/3
    assert mark(client, host, meetups[3], ana, True) == 204
    assert reliability(client, viewer, ana) == {"score": 8, "records": 4}  # 1 + 9 x 3/4, up
    assert mark(client, host, waiting, viewer, True) == 404  # was not going


def test_people_going_check_in_with_the_code_during_the_meetup(
    client: TestClient, sign_up: SignUp, host_meetup: Host, clock: MovableClock
) -> None:
    host, ana, ben = sign_up(), sign_up(), sign_up()
    created = host_meetup(host)
    meetup_id, code = created["id"], created["check_in_code"]
    rsvp(client, ana, meetup_id)

    def check_in(person: Account, with_code: str) -> int:
        body = {"code": with_code}
        path = f"/meetups/{meetup_id}/check-in"
        return client.post(path, json=body, headers=person.headers).status_code

    assert check_in(ana, code) == 409  # too early
    clock.move(days=3, minutes=-10)
    wrong = "000000" if code != "000000" else "111111"
    assert check_in(ana, wrong) == 403
    assert check_in(ben, code) == 404  # not going
    assert check_in(ana, "12ab") == 422
    assert check_in(ana, code) == 204
    clock.move(hours=3)
    people = client.get(f"/meetups/{meetup_id}/attendees", headers=host.headers).json()
    assert people["items"][0]["attended"] is True


@pytest.fixture
def base(app: FastAPI) -> Iterator[str]:
    """The test app, served by Uvicorn on a loopback port (for its event stream)."""
    with live_server(app) as url:
        yield url


def test_reminders_reach_the_stream_and_the_mailbox_at_their_time(
    client: TestClient,
    sign_up: SignUp,
    host_meetup: Host,
    db: Session,
    clock: MovableClock,
    run_jobs: RunJobs,
    smtp_server: SmtpServer,
    base: str,
) -> None:
    host, ana = sign_up(display_name="Hannah"), sign_up()
    verify_address(db, ana)
    meetup_id = host_meetup(host)["id"]
    rsvp(client, ana, meetup_id)
    ticket = client.post("/notifications/stream-tickets", headers=ana.headers).json()["ticket"]
    reader = EventReader(base, f"/notifications/stream?ticket={ticket}")
    try:
        clock.move(days=1, hours=23)  # a day and an hour before: nothing yet
        run_jobs()
        assert [m["Subject"] for m in smtp_server.to(ana.email) if "meetup" in m["Subject"]] == []
        clock.move(hours=1, minutes=1)
        run_jobs()
        event = reader.next_event(timeout=5)
        assert (event.data["kind"], event.data["subject_id"]) == (
            "meetups.starts_tomorrow",
            str(meetup_id),
        )
        clock.move(hours=23)
        run_jobs()
        assert reader.next_event(timeout=5).data["kind"] == "meetups.starts_soon"
    finally:
        reader.close()
    subjects = [m["Subject"] for m in smtp_server.to(ana.email) if "meetup" in m["Subject"]]
    assert subjects == [
        "Hannah's meetup is tomorrow on HobbyMatch",
        "Hannah's meetup starts within the hour on HobbyMatch",
    ]


def test_a_moved_meetup_is_reminded_at_its_new_time_only(
    client: TestClient,
    sign_up: SignUp,
    host_meetup: Host,
    clock: MovableClock,
    run_jobs: RunJobs,
) -> None:
    host, ana = sign_up(), sign_up()
    created = host_meetup(host)
    meetup_id = created["id"]
    rsvp(client, ana, meetup_id)
    two_days_later = {
        field: (datetime.fromisoformat(created[field]) + timedelta(days=2)).isoformat()
        for field in ("starts_at", "ends_at")
    }
    moved = client.patch(f"/meetups/{meetup_id}", json=two_days_later, headers=host.headers)
    assert moved.status_code == 200, moved.text
    clock.move(days=2, hours=1)  # the old day-before reminder's time
    run_jobs()
    assert kinds_of(client, ana) == ["meetups.changed"]
    clock.move(days=2)
    run_jobs()
    assert kinds_of(client, ana) == ["meetups.starts_tomorrow", "meetups.changed"]


def test_the_front_door_says_who_met_at_a_meetup(
    client: TestClient, sign_up: SignUp, host_meetup: Host, db: Session, clock: MovableClock
) -> None:
    host, ana, ben, no_show = sign_up(), sign_up(), sign_up(), sign_up()
    meetup_id = host_meetup(host)["id"]
    for person in (ana, ben, no_show):
        rsvp(client, person, meetup_id)
    assert not met_at_a_meetup(db, ana.id, ben.id)
    clock.move(days=3, hours=3)
    for person, came in ((ana, True), (ben, True), (no_show, False)):
        assert mark(client, host, meetup_id, person, came) == 204
    db.expire_all()
    assert met_at_a_meetup(db, ana.id, ben.id)
    assert met_at_a_meetup(db, host.id, ana.id)
    assert met_at_a_meetup(db, ben.id, host.id)
    assert not met_at_a_meetup(db, ana.id, no_show.id)
    assert not met_at_a_meetup(db, host.id, no_show.id)

"""Calendars: a meetup's ``.ics`` in its own time zone (the address only for those who may
know it), and a personal feed whose URL a calendar app fetches without signing in, ended by
making a new one or deleting it. And the demo's meetups."""

from collections.abc import Callable

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import utc_now
from modules.meetups.demo import seed_demo_meetups
from modules.meetups.models import Meetup, Rsvp
from modules.users.demo import seed_demo_users
from tests.meetups.conftest import Host
from tests.meetups.planning import rsvp

SignUp = Callable[..., Account]
PUBLIC_URL = "http://127.0.0.1:8000"


def calendar(client: TestClient, path: str, account: Account | None = None) -> Calendar:
    response = client.get(path, headers=account.headers if account else None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_a_meetups_ics_is_in_its_time_zone_with_the_address_for_those_going(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, ana, ben = sign_up(), sign_up(), sign_up()
    meetup_id = host_meetup(host, capacity=2, time_zone="Europe/Lisbon")["id"]
    rsvp(client, ana, meetup_id)
    [event] = calendar(client, f"/meetups/{meetup_id}.ics", ana).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Chess in the park"
    assert str(event["LOCATION"]) == "Tiergarten, by the chess tables, Berlin"
    assert event.decoded("DTSTART").tzinfo.key == "Europe/Lisbon"
    whole = calendar(client, f"/meetups/{meetup_id}.ics", ben)
    assert [str(zone["TZID"]) for zone in whole.walk("VTIMEZONE")] == ["Europe/Lisbon"]
    assert str(whole.walk("VEVENT")[0]["LOCATION"]) == "Berlin"  # ben is not going


def test_a_personal_feed_lists_hosted_and_going_and_is_revocable(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, ana = sign_up(), sign_up()
    hosted = host_meetup(ana, title="Ana's own")["id"]
    going = host_meetup(host, title="Going there")["id"]
    host_meetup(host, title="Not answered")
    rsvp(client, ana, going)
    made = client.post("/meetups/calendar-feed", headers=ana.headers)
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.startswith(f"{PUBLIC_URL}/meetups/calendar/")
    path = url.removeprefix(PUBLIC_URL)
    events = calendar(client, path).walk("VEVENT")  # no sign-in
    assert sorted(str(event["UID"]) for event in events) == sorted(
        f"meetup-{meetup_id}@hobbymatch" for meetup_id in (hosted, going)
    )
    renewed = client.post("/meetups/calendar-feed", headers=ana.headers).json()["url"]
    assert client.get(path).status_code == 404  # the old URL ended
    assert client.delete("/meetups/calendar-feed", headers=ana.headers).status_code == 204
    assert client.get(renewed.removeprefix(PUBLIC_URL)).status_code == 404
    assert client.get("/meetups/calendar/not-a-token!.ics").status_code == 422


def test_the_demo_has_past_meetups_with_attendance_and_upcoming_waitlists(db: Session) -> None:
    list(seed_demo_users(db, count=200, seed=1))
    list(seed_demo_meetups(db, count=200, seed=1))
    db.commit()
    meetups = db.scalars(select(Meetup)).all()
    now = utc_now()
    assert any(meetup.ends_at < now for meetup in meetups)
    assert any(meetup.starts_at > now for meetup in meetups)
    recorded = db.scalar(select(func.count()).where(Rsvp.attended.is_not(None)))
    waitlisted = db.scalar(select(func.count()).where(Rsvp.status == "waitlisted"))
    assert recorded
    assert waitlisted
    list(seed_demo_meetups(db, count=200, seed=1))
    db.commit()
    assert db.scalar(select(func.count()).select_from(Meetup)) == len(meetups)  # nothing twice

"""iCalendar files (RFC 5545, through the icalendar library): one meetup, or a person's feed of
the meetups they host or go to. Times are in each meetup's own time zone, its VTIMEZONE
included, so that a calendar app shows them right wherever its user is."""

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Platform, now, upsert
from modules.meetups.exceptions import UnknownFeedError
from modules.meetups.models import CalendarFeed, Meetup, Rsvp, RsvpStatus
from modules.users import is_active_user

PRODUCT_ID = "-//HobbyMatch//Meetups//EN"
# How far back a feed reaches: recent meetups stay in the calendar for a while.
FEED_PAST = timedelta(days=30)


def calendar_of(meetups: Sequence[Meetup], *, address_for: set[int], name: str) -> bytes:
    """An iCalendar file of ``meetups``; the address is the location of those in
    ``address_for`` (the host's, the people going), the city for the others."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meetup in meetups:
        calendar.add_component(_event(meetup, with_address=meetup.id in address_for))
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _event(meetup: Meetup, *, with_address: bool) -> Event:
    zone = ZoneInfo(meetup.time_zone)
    event = Event()
    event.add("uid", f"meetup-{meetup.id}@hobbymatch")
    event.add("dtstamp", meetup.created_at)
    event.add("dtstart", meetup.starts_at.astimezone(zone))
    event.add("dtend", meetup.ends_at.astimezone(zone))
    event.add("summary", meetup.title)
    if meetup.description:
        event.add("description", meetup.description)
    event.add("location", f"{meetup.address}, {meetup.city}" if with_address else meetup.city)
    event.add("status", "CANCELLED" if meetup.cancelled_at is not None else "CONFIRMED")
    return event


def new_feed(db: Session, *, user_id: uuid.UUID) -> str:
    """Make ``user_id``'s calendar feed anew (the old URL stops working); its URL, which is
    shown this once (only the token's hash is kept)."""
    token = secrets.token_urlsafe(32)
    values = {"token_hash": _hashed(token), "created_at": now(db)}
    db.execute(
        upsert(db, CalendarFeed)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[CalendarFeed.user_id], set_=values)
    )
    db.commit()
    return f"{Platform.of(db).settings.public_url}/meetups/calendar/{token}.ics"


def end_feed(db: Session, *, user_id: uuid.UUID) -> None:
    """Stop ``user_id``'s calendar feed, if they have one."""
    feed = db.get(CalendarFeed, user_id)
    if feed is not None:
        db.delete(feed)
        db.commit()


def feed(db: Session, *, token: str) -> bytes:
    """The calendar of the feed with ``token``: the meetups its person hosts or goes to, from
    30 days ago on, with their addresses.

    :raises UnknownFeedError: no feed has this token.
    """
    owner = db.scalar(
        select(CalendarFeed.user_id).where(
            CalendarFeed.token_hash == _hashed(token), is_active_user(CalendarFeed.user_id)
        )
    )
    if owner is None:
        raise UnknownFeedError("this calendar feed is unknown: it was replaced or deleted")
    going = select(Rsvp.meetup_id).where(Rsvp.user_id == owner, Rsvp.status == RsvpStatus.GOING)
    meetups = db.scalars(
        select(Meetup)
        .where(
            (Meetup.host_id == owner) | Meetup.id.in_(going),
            Meetup.ends_at > now(db) - FEED_PAST,
            Meetup.hidden_at.is_(None),
        )
        .order_by(Meetup.starts_at, Meetup.id)
    ).all()
    return calendar_of(meetups, address_for={m.id for m in meetups}, name="HobbyMatch meetups")


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()

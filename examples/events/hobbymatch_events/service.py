"""Business rules: plain functions that take a session, never HTTP."""

import uuid

from sqlalchemy import Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import PageParams, utc_now
from hobbymatch_events.exceptions import (
    AlreadyGoingError,
    EventInPastError,
    EventNotFoundError,
    NotGoingError,
)
from hobbymatch_events.models import Event, Rsvp
from hobbymatch_events.schemas import EventCreate, EventOut
from modules.skills import Skill, SkillOut


def create_event(db: Session, *, organizer_id: uuid.UUID, data: EventCreate) -> EventOut:
    """Organize an event; the organizer is going.

    :raises EventNotFoundError: the skill does not exist (reported as a missing skill).
    :raises EventInPastError: the event would start in the past.
    """
    if data.starts_at <= utc_now():
        raise EventInPastError("an event must start in the future", loc=("body", "starts_at"))
    if db.get(Skill, data.skill_id) is None:
        raise EventNotFoundError("skill not found")
    event = Event(organizer_id=organizer_id, **data.model_dump())
    db.add(event)
    db.flush()
    db.add(Rsvp(event_id=event.id, user_id=organizer_id))
    db.commit()
    return get_event(db, event_id=event.id)


def get_event(db: Session, *, event_id: int) -> EventOut:
    """One event with its attendance.

    :raises EventNotFoundError: no such event.
    """
    events = _with_attendance(db, select(Event).where(Event.id == event_id))
    if not events:
        raise EventNotFoundError("event not found")
    return events[0]


def upcoming_events(
    db: Session, *, skill_id: int | None, page: PageParams
) -> tuple[list[EventOut], int]:
    """One page of events still to come, soonest first, optionally for one skill."""
    conditions = [Event.starts_at > utc_now()]
    if skill_id is not None:
        conditions.append(Event.skill_id == skill_id)
    total = db.scalar(select(func.count()).select_from(Event).where(*conditions)) or 0
    query = (
        select(Event)
        .where(*conditions)
        .order_by(Event.starts_at, Event.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return _with_attendance(db, query), total


def rsvp(db: Session, *, event_id: int, user_id: uuid.UUID) -> None:
    """Say the user is going.

    :raises EventNotFoundError: no such event.
    :raises AlreadyGoingError: the user already RSVPed.
    """
    get_event(db, event_id=event_id)
    db.add(Rsvp(event_id=event_id, user_id=user_id))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise AlreadyGoingError("you are already going") from None


def cancel_rsvp(db: Session, *, event_id: int, user_id: uuid.UUID) -> None:
    """Take back the user's RSVP.

    :raises NotGoingError: the user had none.
    """
    removed = db.execute(delete(Rsvp).where(Rsvp.event_id == event_id, Rsvp.user_id == user_id))
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise NotGoingError("you are not going to this event")
    db.commit()


def delete_event(db: Session, *, event_id: int, organizer_id: uuid.UUID) -> None:
    """Cancel an event the caller organizes.

    :raises EventNotFoundError: no such event organized by the caller.
    """
    removed = db.execute(
        delete(Event).where(Event.id == event_id, Event.organizer_id == organizer_id)
    )
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        raise EventNotFoundError("event not found")
    db.commit()


def _with_attendance(db: Session, query: Select[Event]) -> list[EventOut]:
    attendees = select(func.count()).where(Rsvp.event_id == Event.id).scalar_subquery()
    rows = db.execute(query.add_columns(attendees)).all()
    skills = {
        skill.id: skill
        for skill in db.scalars(
            select(Skill).where(Skill.id.in_({row[0].skill_id for row in rows}))
        )
    }
    return [
        EventOut(
            id=event.id,
            organizer_id=event.organizer_id,
            skill=SkillOut.model_validate(skills[event.skill_id]),
            title=event.title,
            location=event.location,
            starts_at=event.starts_at,
            attendees=count,
        )
        for event, count in rows
    ]

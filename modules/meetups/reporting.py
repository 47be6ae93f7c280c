"""What a moderating module needs of meetups: the evidence of a reported one, and hiding it.

A hidden meetup is gone for everyone, its host included: from listings, its page, the
calendars and the reminders. The evidence keeps what it said when it was reported."""

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from core import now
from modules.meetups.models import Meetup
from modules.meetups.service import tell_taken_down, visible_meetup


def reported_meetup(
    db: Session, *, meetup_id: int, reporter_id: uuid.UUID
) -> tuple[uuid.UUID, dict[str, object]]:
    """The host of a meetup ``reporter_id`` may see, and the evidence: what it says.

    :raises MeetupNotFoundError: no such meetup, or one the reporter may not see.
    """
    meetup = visible_meetup(db, meetup_id=meetup_id, viewer_id=reporter_id)
    return meetup.host_id, {
        "id": meetup.id,
        "host_id": str(meetup.host_id),
        "title": meetup.title,
        "description": meetup.description,
        "city": meetup.city,
        "starts_at": meetup.starts_at.isoformat(),
    }


def set_meetup_hidden(db: Session, *, meetup_id: int, hidden: bool) -> None:
    """Hide the meetup from everyone, or show it again, in the caller's transaction. Hiding
    an upcoming one tells everyone who answered it that it was taken down."""
    hidden_at: datetime | None = now(db) if hidden else None
    db.execute(update(Meetup).where(Meetup.id == meetup_id).values(hidden_at=hidden_at))
    meetup = db.get(Meetup, meetup_id)
    if hidden and meetup is not None:
        tell_taken_down(db, meetup)

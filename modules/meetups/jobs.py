"""The meetups module's jobs (``hobbymatch_jobs``): the reminders before a meetup."""

from sqlalchemy.orm import Session

from core import job
from modules.meetups import service


@job("remind")
def remind(db: Session, meetup_id: int, starts_at: str, kind: str) -> None:
    """Remind the people going, the day before or the hour before (deferred for its time when
    the meetup is created or moved)."""
    service.remind(db, meetup_id=meetup_id, starts_at=starts_at, kind=kind)

"""The notifications module's jobs (``hobbymatch_jobs``): the digest of unread notifications."""

import uuid
from datetime import timedelta

from sqlalchemy.orm import Session

from core import Platform, job
from modules.notifications import service
from modules.notifications.settings import NotificationsSettings


@job("queue_digests", every=timedelta(minutes=1))
def queue_digests(db: Session) -> None:
    """Each minute, on one worker of all: queue a digest for each person due one."""
    platform = Platform.of(db)
    quiet = timedelta(minutes=platform.settings_of(NotificationsSettings).digest_quiet_minutes)
    service.queue_digests(db, now=platform.clock(), quiet=quiet)


@job("send_digest")
def send_digest(db: Session, user_id: str, after: int, up_to: int) -> None:
    """Mail one person the digest that ``queue_digests`` queued for them."""
    service.send_digest(db, user_id=uuid.UUID(user_id), after=after, up_to=up_to)


@job("mail_one")
def mail_one(db: Session, notification_id: int) -> None:
    """Mail one notification at once (another module's ``notify(..., mail_now=True)``)."""
    service.mail_one(db, notification_id=notification_id)

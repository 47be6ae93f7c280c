"""The notifications module's request and response bodies."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from core import Page, StrictBody
from modules.notifications.models import Digest
from modules.users import UserPublic

NotificationIdValue = Annotated[int, Field(ge=1, le=2**53)]


class NotificationOut(BaseModel):
    """A notification: what happened (``kind``), who did it, what it is about, when."""

    id: int
    kind: str = Field(
        description="request_received, request_accepted, message_received, or another "
        "module's <module>.<name> (meetups.cancelled...)"
    )
    actor: UserPublic
    subject_id: str = Field(description="The connection request's id, or the message's id")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page[NotificationOut]):
    """One page of the caller's notifications, newest first."""


class MarkSomeRead(StrictBody):
    """``POST /notifications/read`` with ``{"ids": [...]}``: these (1 to 100) of yours."""

    ids: list[NotificationIdValue] = Field(min_length=1, max_length=100)


class MarkAllRead(StrictBody):
    """``POST /notifications/read`` with ``{"all": true}``: every one of yours."""

    all: Literal[True]


MarkRead = MarkSomeRead | MarkAllRead


class StreamTicketOut(BaseModel):
    """A single-use ticket for ``GET /notifications/stream?ticket=...``."""

    ticket: str
    expires_in: int = Field(description="Seconds left to open the stream with it")


# Ids up to 2**53: beyond, JSON numbers lose precision in most clients (and in schemas).
LAST_EVENT_ID_MAX = 2**53


class MailPreferences(StrictBody):
    """``/notifications/preferences``: how often unread notifications are mailed (only ever to
    a verified address)."""

    email_digest: Digest = Field(
        description="off; daily (at most one digest a day); or immediately (once no new "
        "notification came for a quiet while)"
    )

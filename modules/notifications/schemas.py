"""The notifications module's request and response bodies."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from core.database import MAX_INTEGER_ID
from core.pagination import Page
from core.schemas import StrictBody
from modules.notifications.models import Kind
from modules.users import UserPublic

NotificationIdValue = Annotated[int, Field(ge=1, le=2**63 - 1)]


class NotificationOut(BaseModel):
    """A notification: what happened (``kind``), who did it, what it is about, when."""

    id: int
    kind: Kind
    actor: UserPublic
    subject_id: str = Field(description="The connection request's id, or the message's id")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Page[NotificationOut]):
    """One page of the caller's notifications, newest first."""


class MarkRead(StrictBody):
    """``POST /notifications/read``: ``{"ids": [...]}`` (at most 100) or ``{"all": true}``."""

    ids: list[NotificationIdValue] | None = Field(default=None, min_length=1, max_length=100)
    all: bool = False

    @model_validator(mode="after")
    def _one_of_ids_or_all(self) -> Self:
        if (self.ids is None) == (not self.all):
            raise ValueError('give either "ids" or "all": true')
        return self


class StreamTicketOut(BaseModel):
    """A single-use ticket for ``GET /notifications/stream?ticket=...``."""

    ticket: str
    expires_in: int = Field(description="Seconds left to open the stream with it")


LAST_EVENT_ID_MAX = MAX_INTEGER_ID * 2**32

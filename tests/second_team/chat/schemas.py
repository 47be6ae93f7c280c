"""The chat module's request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from core.pagination import Page
from core.schemas import StrictBody

from .models import MAX_TEXT_LENGTH


class MessageIn(StrictBody):
    """``POST /chat/messages``: whom to write to, and what (1..2000 characters, trimmed)."""

    to_user_id: uuid.UUID
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH)
    ]


class MessageOut(BaseModel):
    """A message as its sender and recipient see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    sender_id: uuid.UUID
    recipient_id: uuid.UUID
    text: str
    sent_at: datetime


class MessagePage(Page[MessageOut]):
    """One page of a conversation, newest first."""

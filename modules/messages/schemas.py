"""The messages module's request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from core import Page, StrictBody, TrimmedTo
from modules.messages.models import MAX_TEXT_LENGTH
from modules.users import UserPublic

MessageText = Annotated[str, TrimmedTo(MAX_TEXT_LENGTH)]


class MessageCreate(StrictBody):
    """``POST /messages``: to whom, and what (1 to 2,000 characters once trimmed)."""

    to_user_id: uuid.UUID
    text: MessageText


class MessageOut(BaseModel):
    """A message as its sender and recipient see it."""

    id: int
    sender: UserPublic
    recipient: UserPublic
    text: str
    sent_at: datetime
    read_at: datetime | None


class ConversationOut(BaseModel):
    """One conversation of the caller: the other person, the latest message, and how many of
    the other person's messages the caller has not read."""

    user: UserPublic
    last_message: MessageOut
    unread_count: int


class ConversationPage(Page[ConversationOut]):
    """The caller's conversations, the most recent first."""


class MessageHistory(BaseModel):
    """A slice of one conversation, newest first; pass ``next_before`` as ``before`` for the
    older messages (``null``: there are none)."""

    items: list[MessageOut]
    next_before: int | None = Field(description="The ``before`` of the next, older slice")

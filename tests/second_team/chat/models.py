"""The chat module's one table: messages between two users."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.users import User

MAX_TEXT_LENGTH = 2000
GREETING = "We are connected now: say hello!"


class ChatMessage(Base):
    """A message ``sender_id`` wrote to ``recipient_id``; deleted with either account."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        # One conversation, newest first: (sender, recipient) in either order, then id.
        Index(None, "sender_id", "recipient_id", "id"),
        Index(None, "recipient_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MAX_TEXT_LENGTH))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

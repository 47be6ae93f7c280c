"""The messages module's table: messages between two connected people."""

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.users import User

MAX_TEXT_LENGTH = 2_000


class Message(Base):
    """A message ``sender_id`` wrote to ``recipient_id``; deleted with either account.

    Ids grow with time: a conversation is read newest first by id, and ``before`` pages by it.
    """

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint("sender_id <> recipient_id", name="not_to_self"),
        # A conversation, newest first, from either side; and "what did I send lately".
        Index("ix_messages_conversation_sent", "sender_id", "recipient_id", "id"),
        Index("ix_messages_conversation_received", "recipient_id", "sender_id", "id"),
        Index("ix_messages_sender_recent", "sender_id", "sent_at"),
        # Never hand a deleted message's id out again (SQLite would reuse the largest).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(MAX_TEXT_LENGTH))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when a moderator hides the message: from then on nobody reads it (reports keep it).
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

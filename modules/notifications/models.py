"""The notifications module's tables: notifications, each person's inbox row, stream tickets."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.users import User

# Ids grow in each person's commit order (see Inbox), so a stream resumes with "after id N".
NotificationId = BigInteger().with_variant(Integer(), "sqlite")


class Kind(StrEnum):
    """What a notification announces."""

    REQUEST_RECEIVED = "request_received"
    REQUEST_ACCEPTED = "request_accepted"
    MESSAGE_RECEIVED = "message_received"


class Notification(Base):
    """Something ``actor_id`` did that ``user_id`` should know; deleted with either account.

    ``subject_id`` names what it is about: a connection request's id, or a message's id.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index(
            "ix_notifications_unread",
            "user_id",
            "actor_id",
            "kind",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(NotificationId, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    subject_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Inbox(Base):
    """One row per person who was ever notified. A new notification locks its person's row
    first and holds the lock until its transaction ends, so that one person's notifications
    commit in the order of their ids: a stream that has sent id N never misses a smaller one
    committed later."""

    __tablename__ = "notification_inboxes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    notified: Mapped[int] = mapped_column(BigInteger, default=0)


class StreamTicket(Base):
    """A short-lived, single-use ticket to open ``GET /notifications/stream`` (a browser's
    EventSource cannot send an Authorization header). Only its SHA-256 is kept."""

    __tablename__ = "notification_stream_tickets"

    ticket_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    # The token version of the access token that asked for it: a ticket outlives no password
    # change, and the stream it opens ends at the next one.
    token_version: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)

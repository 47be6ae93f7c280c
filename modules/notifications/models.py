"""The notifications module's tables: notifications, each person's inbox row, stream tickets,
and each person's choice of mail."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.users import User

MAX_KIND_LENGTH = 50
# Ids grow in each person's commit order (see Inbox), so a stream resumes with "after id N".
NotificationId = BigInteger().with_variant(Integer(), "sqlite")


class Kind(StrEnum):
    """What a notification of this module's own announces; other modules declare kinds of
    theirs (``notifications_kinds``), named ``"<module>.<name>"``."""

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
    kind: Mapped[str] = mapped_column(String(MAX_KIND_LENGTH))
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    subject_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When it was mailed on its own (a kind that cannot wait for a digest: a reminder); a
    # digest lists only those never mailed.
    mailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


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


class Digest(StrEnum):
    """How often a person is mailed their unread notifications."""

    OFF = "off"
    DAILY = "daily"
    IMMEDIATELY = "immediately"


# What a person who never chose is mailed (only at a verified address).
DEFAULT_DIGEST = Digest.DAILY
UNSUBSCRIBE_TOKEN_LENGTH = 43  # 32 random bytes, URL-safe base64


class MailChoice(Base):
    """A person's choice of notification mail, and how far it has mailed them. A person
    without a row has :data:`DEFAULT_DIGEST` and was never mailed; the row is made with their
    first digest, or their first choice."""

    __tablename__ = "notification_mail_choices"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(12), default=DEFAULT_DIGEST)
    # The newest notification id a digest covered: later ones make the next digest.
    mailed_up_to: Mapped[int] = mapped_column(BigInteger, default=0)
    last_mailed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Random; the one-click unsubscribe link of every digest carries it. It allows nothing but
    # turning the digest off, so it is kept as it is, to be put in each mail.
    unsubscribe_token: Mapped[str] = mapped_column(String(UNSUBSCRIBE_TOKEN_LENGTH), unique=True)

"""The matches module's tables: connection requests between two users, what limits sending
them (each request sent, cooldowns between two people), and the change log of matching."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.users import User


class RequestStatus(StrEnum):
    """Where a connection request stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


_OPEN = "status IN ('pending', 'accepted')"


class ConnectionRequest(Base):
    """A request from ``sender`` to connect with ``recipient``; accepted, it is a connection."""

    __tablename__ = "match_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="status"),
        CheckConstraint("sender_id <> recipient_id", name="not_to_self"),
        # At most one open (pending or accepted) request per pair of users, in either
        # direction: the database decides between concurrent twins.
        Index(
            "uq_match_requests_open_pair",
            "pair_key",
            unique=True,
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
        Index("ix_match_requests_recipient", "recipient_id", "status", "created_at"),
        Index("ix_match_requests_sender", "sender_id", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    # "<smaller id>:<larger id>": the same for both directions of one pair.
    pair_key: Mapped[str] = mapped_column(String(73))
    message: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(8), default=RequestStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    responded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def pair_key(first: uuid.UUID, second: uuid.UUID) -> str:
    """The key of the unordered pair ``{first, second}``."""
    low, high = sorted((str(first), str(second)))
    return f"{low}:{high}"


class PastConnection(Base):
    """A connection that ended (either person ended it, or one blocked the other): the
    accepted request is deleted then, and this is what remains of it, so that a module can
    still tell that the two were connected (:func:`modules.matches.were_ever_connected`)."""

    __tablename__ = "match_past_connections"
    __table_args__ = (Index("ix_match_past_connections_pair_key", "pair_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    second_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    pair_key: Mapped[str] = mapped_column(String(73))
    connected_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class SentRequest(Base):
    """A connection request ``sender_id`` sent, kept a day whatever became of the request (a
    withdrawn one is deleted), so that the daily limit counts every request sent."""

    __tablename__ = "match_requests_sent"
    __table_args__ = (Index("ix_match_requests_sent_sender_at", "sender_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class CooldownReason(StrEnum):
    """Why ``sender`` must wait before asking ``recipient`` again."""

    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class RequestCooldown(Base):
    """The last request from ``sender_id`` to ``recipient_id`` ended ``since``: declined by the
    recipient, or withdrawn by the sender. The sender may ask that person again once the
    cooldown for ``reason`` (a setting) has passed; it binds that direction only."""

    __tablename__ = "match_request_cooldowns"
    __table_args__ = (CheckConstraint("reason IN ('declined', 'withdrawn')", name="reason"),)

    sender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    recipient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(9))
    since: Mapped[datetime] = mapped_column(UtcDateTime)


class MatchChange(Base):
    """A write that changed what matching reads about ``user_id`` (a skill list, a deactivation,
    a reactivation, a deletion), logged in the writing transaction, so that every worker's index
    can re-read that user before its next ranking. Rows are trimmed by age."""

    __tablename__ = "match_changes"
    # Sequence numbers must never be handed out twice: once trimming had emptied the log, a
    # plain SQLite ROWID would start again at 1, below every worker's position, and their
    # indexes would miss every change until the numbers caught up. AUTOINCREMENT never reuses.
    __table_args__ = ({"sqlite_autoincrement": True},)

    # SQLite hands out ROWIDs only to an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    # No foreign key: a deleted user's change must outlive the user.
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)

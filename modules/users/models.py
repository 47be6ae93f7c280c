"""The users module's tables: accounts, failed login attempts and roles."""

import uuid
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Select,
    String,
    Text,
    exists,
    select,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Mapped, aliased, mapped_column

from core import Base, UtcDateTime, utc_now

RESTRICTION_REASON_LENGTH = 500


class User(Base):
    """An account. Other modules point foreign keys at ``users.id`` with ``ON DELETE CASCADE``."""

    __tablename__ = "users"
    __table_args__ = (
        # The few deactivated accounts, so that "and the user is active" is a NOT EXISTS against
        # this small index rather than a join with every user (see the module's front door).
        Index(
            "ix_users_inactive",
            "id",
            postgresql_where=text("NOT is_active"),
            sqlite_where=text("NOT is_active"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # When the account proved it reads mail at ``email`` (a mailed link); None until then, and
    # again never: a changed address is set only once it is proven.
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(50), index=True)
    bio: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Raised on every password change; a token carries the value it was issued under.
    token_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # A moderator's restriction (see :mod:`modules.users.restrictions`): "suspended" until
    # ``restricted_until``, "banned", or "in_review" (hidden after reports, until a moderator
    # decides); None for none. A restricted account is inactive and cannot sign in.
    restriction: Mapped[str | None] = mapped_column(String(12))
    restricted_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    restriction_reason: Mapped[str | None] = mapped_column(String(RESTRICTION_REASON_LENGTH))

    @property
    def email_verified(self) -> bool:
        """Whether the account proved that it reads mail at its address."""
        return self.email_verified_at is not None


# The aliases the conditions below look accounts up under: made once, since making one costs
# about 0.3 ms, which every query using a condition would pay again.
_INACTIVE = aliased(User, name="inactive_user")
_MAILED = aliased(User, name="mailed_user")


def is_active_user(
    user_id: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID],
) -> ColumnElement[bool]:
    """A condition true when ``user_id`` is not a deactivated account's id.

    Written as NOT EXISTS against the index of inactive accounts: a query over many rows of
    another table stays on that table instead of joining every user to check the flag. (A
    deleted account's rows are gone by cascade, so only deactivation needs checking.)
    """
    return ~exists().where(_INACTIVE.id == user_id, ~_INACTIVE.is_active)


def has_verified_address(
    user_id: ColumnElement[uuid.UUID] | InstrumentedAttribute[uuid.UUID],
) -> ColumnElement[bool]:
    """A condition true when ``user_id`` is an active account whose address is verified: one
    that may be sent mail it did not ask for (a digest, a reminder)."""
    return exists().where(
        _MAILED.id == user_id, _MAILED.is_active, _MAILED.email_verified_at.is_not(None)
    )


def inactive_user_ids() -> Select[uuid.UUID]:
    """The ids of the deactivated accounts: a small set, read from their partial index.

    For ``user_id.not_in(inactive_user_ids())`` over many rows of another table, which
    PostgreSQL answers with one hashed set rather than a lookup per row.
    """
    return select(User.id).where(~User.is_active)


THROTTLE_KEY_LENGTH = 400


class LoginAttempt(Base):
    """A failed login, kept in the database so that every worker counts the same attempts."""

    __tablename__ = "users_login_attempts"
    __table_args__ = (Index("ix_users_login_attempts_key_at", "key", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(THROTTLE_KEY_LENGTH))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


ROLE_NAME_LENGTH = 50


class UserRole(Base):
    """A role given to an account (``hobbymatch users grant``), read on every request that
    needs one of its permissions: a revoked role stops working at once. Deleted with the
    account."""

    __tablename__ = "users_roles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(ROLE_NAME_LENGTH), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

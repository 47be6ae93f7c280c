"""The users module's tables: accounts and failed login attempts."""

import uuid
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base, UtcDateTime, utc_now


class User(Base):
    """An account. Other modules point foreign keys at ``users.id`` with ``ON DELETE CASCADE``."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(50), index=True)
    bio: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Raised on every password change; a token carries the value it was issued under.
    token_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class LoginAttempt(Base):
    """A failed login, kept in the database so that every worker counts the same attempts."""

    __tablename__ = "users_login_attempts"
    __table_args__ = (Index("ix_users_login_attempts_key_at", "key", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    attempted_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

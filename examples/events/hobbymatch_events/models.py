"""Tables: events and who is going."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.skills import Skill
from modules.users import User


class Event(Base):
    """A meet-up around one skill; deleted with its organizer or its skill."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_skill_starts", "skill_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organizer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey(Skill.id, ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Rsvp(Base):
    """A user going to an event."""

    __tablename__ = "events_rsvps"

    event_id: Mapped[int] = mapped_column(
        ForeignKey(Event.id, ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

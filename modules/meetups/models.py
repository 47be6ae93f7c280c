"""The meetups module's tables: meetups, who answered each (going, waitlisted, and whether
they came), and each person's calendar feed."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.skills import Skill
from modules.users import User

MAX_TITLE_LENGTH = 100
MAX_DESCRIPTION_LENGTH = 2000
MAX_CITY_LENGTH = 100
MAX_ADDRESS_LENGTH = 300
CHECK_IN_CODE_LENGTH = 6


class Visibility(StrEnum):
    """Who may see and join a meetup: every signed-in person, or the host's connections."""

    PUBLIC = "public"
    CONNECTIONS = "connections"


class RsvpStatus(StrEnum):
    """An answer: a place among the ``capacity`` going, or one in the waitlist's order."""

    GOING = "going"
    WAITLISTED = "waitlisted"


class Meetup(Base):
    """A hobby event: a skill, a time (stored in UTC, shown in its IANA ``time_zone``), a
    capacity, and a place. Others see the place as its city and a distance only; ``address``
    is for the host and the people going. Deleted with its host's account."""

    __tablename__ = "meetups"
    __table_args__ = (Index("ix_meetups_skill_id_starts_at", "skill_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey(Skill.id, ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    time_zone: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int]
    city: Mapped[str] = mapped_column(String(MAX_CITY_LENGTH))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(MAX_ADDRESS_LENGTH))
    visibility: Mapped[str] = mapped_column(String(12), default=Visibility.PUBLIC)
    # Shown to the host during the meetup: attendees check in with it.
    check_in_code: Mapped[str] = mapped_column(String(CHECK_IN_CODE_LENGTH))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # Set when a moderator hides the meetup: from then on it is gone for everyone, its host
    # included (reports keep what it said).
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Rsvp(Base):
    """``user_id``'s answer to a meetup; its id orders the waitlist (first come, first
    promoted). ``attended`` is recorded after the meetup: True (came, or checked in), False
    (a no-show), None (not recorded)."""

    __tablename__ = "meetup_rsvps"
    __table_args__ = (
        UniqueConstraint("meetup_id", "user_id"),
        Index("ix_meetup_rsvps_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey(Meetup.id, ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    attended: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class CalendarFeed(Base):
    """A person's personal iCalendar feed: its URL holds a token, which a calendar app fetches
    without signing in; only the token's SHA-256 is kept (the feed holds addresses). Making a
    new one ends the old one; so does deleting it."""

    __tablename__ = "meetup_calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

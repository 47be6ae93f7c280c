"""Tables: resources and who recommends them."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.skills import Skill
from modules.users import User


class Kind(StrEnum):
    """What a resource is."""

    BOOK = "book"
    VIDEO = "video"
    COURSE = "course"
    ARTICLE = "article"
    OTHER = "other"


class Resource(Base):
    """Something to learn a skill from; deleted with the person who shared it, or its skill."""

    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey(Skill.id, ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class Recommendation(Base):
    """A person recommending a resource."""

    __tablename__ = "resources_recommendations"

    resource_id: Mapped[int] = mapped_column(
        ForeignKey(Resource.id, ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)

"""The skills module's tables: the catalog, and each user's ranked list."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import Base, UtcDateTime, utc_now
from modules.users import User

MAX_SKILLS_PER_USER = 10


class Category(StrEnum):
    """The fixed categories of the catalog."""

    ARTS = "arts"
    CRAFTS = "crafts"
    MUSIC = "music"
    SPORTS = "sports"
    OUTDOORS = "outdoors"
    GAMES = "games"
    TECH = "tech"
    LANGUAGES = "languages"
    COOKING = "cooking"
    WELLNESS = "wellness"
    OTHER = "other"


_CATEGORY_BITS = {category: 1 << position for position, category in enumerate(Category)}


def category_bit(category: str) -> int:
    """The bit that stands for ``category`` in a ``SkillProfile.category_mask``."""
    return _CATEGORY_BITS[Category(category)]


class Intent(StrEnum):
    """Why a user lists a skill."""

    SHARE = "share"
    TEACH = "teach"
    LEARN = "learn"


def _one_of(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(value)) for value in values)})"


class Skill(Base):
    """A hobby or skill of the catalog; ``key`` is its normalized name, unique."""

    __tablename__ = "skills"
    __table_args__ = (
        CheckConstraint(_one_of("category", Category), name="category"),
        # Substring search (GET /skills?q=) on PostgreSQL: a trigram index serves LIKE '%q%'.
        Index(
            "ix_skills_key_trgm",
            "key",
            postgresql_using="gin",
            postgresql_ops={"key": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(60), unique=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(User.id, ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)


class UserSkill(Base):
    """One entry of a user's ranked list: rank 1 is the most important."""

    __tablename__ = "user_skills"
    __table_args__ = (
        UniqueConstraint("user_id", "rank"),
        CheckConstraint(_one_of("intent", Intent), name="intent"),
        CheckConstraint(f"rank BETWEEN 1 AND {MAX_SKILLS_PER_USER}", name="rank"),
        # "Who lists this skill (with this intent)?", in rank order, without touching other skills.
        Index("ix_user_skills_skill_rank", "skill_id", "rank", "user_id"),
        Index("ix_user_skills_skill_intent_rank", "skill_id", "intent", "rank", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey(Skill.id, ondelete="CASCADE"), primary_key=True
    )
    intent: Mapped[str] = mapped_column(String(5))
    rank: Mapped[int]

    skill: Mapped[Skill] = relationship(lazy="joined", innerjoin=True)


class SkillProfile(Base):
    """What a user's whole list adds up to, kept beside it so that other modules need not read
    every entry: ``category_mask`` has the ``category_bit`` of each category the list touches.

    Written in the same transaction as every change of the list; a user without a list has no
    profile.
    """

    __tablename__ = "skill_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(User.id, ondelete="CASCADE"), primary_key=True
    )
    category_mask: Mapped[int]


event.listen(
    Skill.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(  # type: ignore[no-untyped-call]
        dialect="postgresql"
    ),
)

"""The references module's table: what one person wrote about another after they met."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.skills import Skill
from modules.users import User

MAX_TEXT_LENGTH = 1000


class Reference(Base):
    """``author_id``'s reference about ``subject_id``: one per pair and direction. Hidden from
    everyone but its author until ``revealed_at`` (both wrote, or 14 days passed), and fixed
    from then on. Deleted with either account."""

    __tablename__ = "user_references"
    __table_args__ = (
        UniqueConstraint("author_id", "subject_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        Index("ix_user_references_subject_id_revealed_at", "subject_id", "revealed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(User.id, ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey(Skill.id, ondelete="CASCADE"))
    rating: Mapped[int]
    # Private: it counts only in the subject's aggregate, never shown with the reference.
    would_meet_again: Mapped[bool]
    text: Mapped[str] = mapped_column(String(MAX_TEXT_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    revealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set when a moderator hides the reference: from then on nobody reads it, nor counts it.
    hidden_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

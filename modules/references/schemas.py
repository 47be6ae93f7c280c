"""The references module's request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from core import MAX_INTEGER_ID, Page, StrictBody
from modules.references.models import MAX_TEXT_LENGTH
from modules.skills import SkillOut
from modules.users import UserPublic

Rating = Annotated[int, Field(ge=1, le=5)]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_LENGTH)]


class ReferenceCreate(StrictBody):
    """``POST /users/{user_id}/references``: how meeting them went. ``would_meet_again`` is
    never shown: it counts only in their aggregate."""

    rating: Rating
    would_meet_again: bool
    text: Text
    skill_id: Annotated[int, Field(ge=1, le=MAX_INTEGER_ID)]


class ReferenceUpdate(StrictBody):
    """``PATCH /references/{id}``: a change before it is revealed."""

    rating: Rating | None = None
    would_meet_again: bool | None = None
    text: Text | None = None


class ReferenceOut(BaseModel):
    """A revealed reference, as anyone sees it (never ``would_meet_again``)."""

    id: int
    author: UserPublic
    subject_id: uuid.UUID
    skill: SkillOut
    rating: int
    text: str
    created_at: datetime
    revealed_at: datetime | None = Field(description="null while only its author sees it")


class ReferencePage(Page[ReferenceOut]):
    """A page of someone's revealed references, newest first, with their aggregate."""

    average: float | None = Field(description="Average rating of all revealed, or null")
    would_meet_again_percent: int | None = Field(
        description="Share of the revealed references whose author would meet again, or null "
        "below 3 of them"
    )

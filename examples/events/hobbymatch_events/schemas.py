"""Request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from core import MAX_INTEGER_ID, Page, StrictBody
from modules.skills import SkillOut


class EventCreate(StrictBody):
    """``POST /events``: a new meet-up."""

    skill_id: int = Field(ge=1, le=MAX_INTEGER_ID)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    location: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    starts_at: AwareDatetime


class EventOut(BaseModel):
    """An event, with how many are going."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    organizer_id: uuid.UUID
    skill: SkillOut
    title: str
    location: str
    starts_at: datetime
    attendees: int


class EventPage(Page[EventOut]):
    """A page of upcoming events, soonest first."""

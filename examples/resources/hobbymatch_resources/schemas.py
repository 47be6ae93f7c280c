"""Request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, Field, StringConstraints, UrlConstraints

from core import MAX_INTEGER_ID, Page, StrictBody
from hobbymatch_resources.models import Kind
from modules.skills import SkillOut

WebAddress = Annotated[AnyHttpUrl, UrlConstraints(max_length=500)]


class ResourceCreate(StrictBody):
    """``POST /resources``: something to learn a skill from, at an http(s) address."""

    skill_id: int = Field(ge=1, le=MAX_INTEGER_ID)
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    url: WebAddress
    kind: Kind


class ResourceOut(BaseModel):
    """A resource, with how many recommend it."""

    id: int
    author_id: uuid.UUID
    skill: SkillOut
    title: str
    url: str
    kind: Kind
    created_at: datetime
    recommendations: int


class ResourcePage(Page[ResourceOut]):
    """A page of resources, the most recommended first."""

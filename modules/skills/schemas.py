"""The skills module's request and response bodies."""

from typing import Annotated

from fastapi import Body
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from core import MAX_INTEGER_ID, Page, StrictBody, TrimmedTo
from modules.skills.models import MAX_SKILLS_PER_USER, Category, Intent
from modules.users import UserPublic

MAX_SKILL_NAME_LENGTH = 60


def normalize_skill_name(name: str) -> str:
    """The catalog key of ``name``: trimmed, lower-case, inner spaces collapsed."""
    return " ".join(name.split()).lower()


def _key_fits(name: str) -> str:
    # Lower-casing may lengthen a name ("İ" becomes two characters): the key must fit too.
    if len(normalize_skill_name(name)) > MAX_SKILL_NAME_LENGTH:
        raise ValueError(
            f"the name's lower-case form must have at most {MAX_SKILL_NAME_LENGTH} characters"
        )
    return name


SkillName = Annotated[str, TrimmedTo(MAX_SKILL_NAME_LENGTH), AfterValidator(_key_fits)]


class SkillCreate(StrictBody):
    """``POST /skills``: a new skill for the catalog."""

    name: SkillName
    category: Category


class SkillOut(BaseModel):
    """A skill of the catalog."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    category: Category


class SkillPage(Page[SkillOut]):
    """A page of the catalog."""


class CategoryCount(BaseModel):
    """A category and how many skills of the catalog it holds."""

    category: Category
    skill_count: int


class SkillChoice(StrictBody):
    """One skill a user lists, and why."""

    skill_id: int = Field(ge=1, le=MAX_INTEGER_ID)
    intent: Intent


def _each_skill_once(entries: list[SkillChoice]) -> list[SkillChoice]:
    skill_ids = [entry.skill_id for entry in entries]
    if len(set(skill_ids)) != len(skill_ids):
        raise ValueError("each skill may appear only once")
    return entries


# ``PUT /users/me/skills``: the whole ordered list, most important first.
SkillList = Annotated[
    list[SkillChoice],
    AfterValidator(_each_skill_once),
    Body(max_length=MAX_SKILLS_PER_USER, description="The whole list, most important first"),
]


class UserSkillOut(BaseModel):
    """One entry of a user's list."""

    model_config = ConfigDict(from_attributes=True)

    skill: SkillOut
    intent: Intent
    rank: int


class UserPublicPage(Page[UserPublic]):
    """A page of public profiles."""

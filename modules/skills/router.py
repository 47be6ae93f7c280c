"""The skills module's HTTP endpoints: a thin layer over :mod:`modules.skills.service`."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID, NO_NUL_PATTERN, Pagination, ReadsFromReplica, get_db, hot_read
from modules.skills import service
from modules.skills.models import Category, Intent, Skill, UserSkill
from modules.skills.schemas import (
    CategoryCount,
    SkillChoice,
    SkillCreate,
    SkillList,
    SkillOut,
    SkillPage,
    UserPublicPage,
    UserSkillOut,
)
from modules.users import UNAUTHENTICATED, CurrentUser, UserPublic

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such skill or user"}}
# Ids are PostgreSQL integers: larger numbers cannot name a skill, and are refused as invalid.
SkillIdInPath = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]

router = APIRouter()


@router.get("/skills", response_model=SkillPage, dependencies=[ReadsFromReplica])
@hot_read
def search_skills(
    connection: Connection,
    page: Pagination,
    q: Annotated[
        str | None,
        Query(max_length=60, pattern=NO_NUL_PATTERN, description="Part of a skill's name"),
    ] = None,
    category: Category | None = None,
) -> SkillPage:
    """The catalog; names starting with ``q`` come before names merely containing it."""
    return service.search_catalog(connection, query=q, category=category, page=page)


@router.get(
    "/skills/categories", response_model=list[CategoryCount], dependencies=[ReadsFromReplica]
)
def list_categories(db: Session = Depends(get_db)) -> list[CategoryCount]:
    """Every category, with its number of skills."""
    return service.count_by_category(db)


@router.get(
    "/skills/{skill_id}",
    response_model=SkillOut,
    responses=NOT_FOUND,
    dependencies=[ReadsFromReplica],
)
def read_skill(skill_id: SkillIdInPath, db: Session = Depends(get_db)) -> Skill:
    """One skill of the catalog."""
    return service.get_skill(db, skill_id=skill_id)


@router.post(
    "/skills",
    status_code=status.HTTP_201_CREATED,
    response_model=SkillOut,
    responses={**UNAUTHENTICATED, 409: {"description": "The skill exists; its id is in skill_id"}},
)
def create_skill(body: SkillCreate, caller: CurrentUser, db: Session = Depends(get_db)) -> Skill:
    """Add a skill to the catalog."""
    return service.create_skill(db, name=body.name, category=body.category, created_by=caller.id)


@router.get(
    "/skills/{skill_id}/users",
    response_model=UserPublicPage,
    responses={**UNAUTHENTICATED, **NOT_FOUND},
    dependencies=[ReadsFromReplica],
)
def users_listing_skill(
    skill_id: SkillIdInPath,
    page: Pagination,
    caller: CurrentUser,
    intent: Intent | None = None,
    db: Session = Depends(get_db),
) -> UserPublicPage:
    """Who lists this skill, with ``intent`` when given ("who teaches guitar?"), by rank; for
    signed-in people, without the people hidden from the caller."""
    users, total = service.users_listing_skill(
        db,
        skill_id=skill_id,
        intent=intent,
        page=page,
        viewer_id=caller.id,
    )
    return UserPublicPage(
        items=[UserPublic.model_validate(user) for user in users],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/users/me/skills",
    response_model=list[UserSkillOut],
    responses=UNAUTHENTICATED,
    dependencies=[ReadsFromReplica],
)
def read_my_skills(caller: CurrentUser, db: Session = Depends(get_db)) -> list[UserSkill]:
    """The caller's list, by rank."""
    return service.list_user_skills(db, user_id=caller.id)


@router.put(
    "/users/me/skills",
    response_model=list[UserSkillOut],
    responses={**UNAUTHENTICATED, **NOT_FOUND},
)
def replace_my_skills(
    entries: SkillList, caller: CurrentUser, db: Session = Depends(get_db)
) -> list[UserSkill]:
    """Replace the caller's whole list (at most 10, most important first)."""
    return service.replace_user_skills(db, user_id=caller.id, entries=entries)


@router.post(
    "/users/me/skills",
    status_code=status.HTTP_201_CREATED,
    response_model=UserSkillOut,
    responses={**UNAUTHENTICATED, **NOT_FOUND, 409: {"description": "Already in the list"}},
)
def add_my_skill(
    body: SkillChoice, caller: CurrentUser, db: Session = Depends(get_db)
) -> UserSkill:
    """Append a skill at the end of the caller's list."""
    return service.add_user_skill(db, user_id=caller.id, skill_id=body.skill_id, intent=body.intent)


@router.delete(
    "/users/me/skills/{skill_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, 404: {"description": "Not in the list"}},
)
def remove_my_skill(
    skill_id: SkillIdInPath, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Remove a skill from the caller's list; the ones behind it move up."""
    service.remove_user_skill(db, user_id=caller.id, skill_id=skill_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/users/{user_id}/skills",
    response_model=list[UserSkillOut],
    responses={**UNAUTHENTICATED, **NOT_FOUND},
    dependencies=[ReadsFromReplica],
)
def read_user_skills(
    user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)
) -> list[UserSkill]:
    """A user's list, by rank, for signed-in people; one hidden from the caller is 404, as an
    account that does not exist."""
    return service.list_user_skills(db, user_id=user_id, viewer_id=caller.id)

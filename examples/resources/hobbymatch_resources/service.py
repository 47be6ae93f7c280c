"""Business rules: plain functions that take a session, never HTTP."""

import uuid

from sqlalchemy import ScalarSelect, Select, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import PageParams
from hobbymatch_resources.exceptions import (
    AlreadyRecommendedError,
    NotRecommendedError,
    ResourceNotFoundError,
)
from hobbymatch_resources.models import Kind, Recommendation, Resource
from hobbymatch_resources.schemas import ResourceCreate, ResourceOut
from modules.skills import Skill, SkillOut


def share_resource(db: Session, *, author_id: uuid.UUID, data: ResourceCreate) -> ResourceOut:
    """Share a resource; its author recommends it.

    :raises ResourceNotFoundError: the skill does not exist (reported as a missing skill).
    """
    if db.get(Skill, data.skill_id) is None:
        raise ResourceNotFoundError("skill not found")
    resource = Resource(
        author_id=author_id,
        skill_id=data.skill_id,
        title=data.title,
        url=str(data.url),
        kind=data.kind,
    )
    db.add(resource)
    db.flush()
    db.add(Recommendation(resource_id=resource.id, user_id=author_id))
    db.commit()
    return get_resource(db, resource_id=resource.id)


def get_resource(db: Session, *, resource_id: int) -> ResourceOut:
    """One resource with its recommendations.

    :raises ResourceNotFoundError: no such resource.
    """
    resources = _with_recommendations(db, select(Resource).where(Resource.id == resource_id))
    if not resources:
        raise ResourceNotFoundError("resource not found")
    return resources[0]


def resources_for(
    db: Session, *, skill_id: int | None, page: PageParams
) -> tuple[list[ResourceOut], int]:
    """One page of resources, the most recommended first (the newest among equals),
    optionally for one skill."""
    conditions = [] if skill_id is None else [Resource.skill_id == skill_id]
    total = db.scalar(select(func.count()).select_from(Resource).where(*conditions)) or 0
    count = _recommendations()
    query = (
        select(Resource)
        .where(*conditions)
        .order_by(count.desc(), Resource.id.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return _with_recommendations(db, query), total


def recommend(db: Session, *, resource_id: int, user_id: uuid.UUID) -> None:
    """Recommend a resource.

    :raises ResourceNotFoundError: no such resource.
    :raises AlreadyRecommendedError: the user already recommends it.
    """
    get_resource(db, resource_id=resource_id)
    db.add(Recommendation(resource_id=resource_id, user_id=user_id))
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        raise AlreadyRecommendedError("you already recommend this resource") from None


def take_back(db: Session, *, resource_id: int, user_id: uuid.UUID) -> None:
    """Stop recommending a resource.

    :raises NotRecommendedError: the user did not recommend it.
    """
    mine = select(Recommendation).where(
        Recommendation.resource_id == resource_id, Recommendation.user_id == user_id
    )
    recommendation = db.scalar(mine)
    if recommendation is None:
        raise NotRecommendedError("you do not recommend this resource")
    db.delete(recommendation)
    db.commit()


def remove_resource(db: Session, *, resource_id: int, author_id: uuid.UUID) -> None:
    """Remove a resource the caller shared.

    :raises ResourceNotFoundError: no such resource shared by the caller.
    """
    resource = db.get(Resource, resource_id)
    if resource is None or resource.author_id != author_id:
        raise ResourceNotFoundError("resource not found")
    db.execute(delete(Resource).where(Resource.id == resource_id))
    db.commit()


def _recommendations() -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(Recommendation.resource_id == Resource.id)
        .correlate(Resource)
        .scalar_subquery()
    )


def _with_recommendations(db: Session, query: Select[Resource]) -> list[ResourceOut]:
    rows = db.execute(query.add_columns(_recommendations())).all()
    skills = {
        skill.id: skill
        for skill in db.scalars(
            select(Skill).where(Skill.id.in_({row[0].skill_id for row in rows}))
        )
    }
    return [
        ResourceOut(
            id=resource.id,
            author_id=resource.author_id,
            skill=SkillOut.model_validate(skills[resource.skill_id]),
            title=resource.title,
            url=resource.url,
            kind=Kind(resource.kind),
            created_at=resource.created_at,
            recommendations=count,
        )
        for resource, count in rows
    ]

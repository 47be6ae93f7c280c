"""``/users/{user_id}/references`` and ``/references``: a thin layer over the service."""

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID, Pagination, get_db
from modules.references import service
from modules.references.models import Reference
from modules.references.schemas import ReferenceCreate, ReferenceOut, ReferencePage, ReferenceUpdate
from modules.skills import Skill, SkillOut
from modules.users import UNAUTHENTICATED, CurrentUser, UserPublic, users_by_id

router = APIRouter()

ReferenceId = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]
NO_SUCH_USER: dict[int | str, dict[str, Any]] = {
    **UNAUTHENTICATED,
    404: {"description": "No such user (or one hidden from you)"},
}


def _out(db: Session, references: Sequence[Reference]) -> list[ReferenceOut]:
    authors = users_by_id(db, (reference.author_id for reference in references))
    skill_ids = {reference.skill_id for reference in references}
    skills = {skill.id: skill for skill in db.scalars(select(Skill).where(Skill.id.in_(skill_ids)))}
    return [
        ReferenceOut(
            id=reference.id,
            author=UserPublic.model_validate(authors[reference.author_id]),
            subject_id=reference.subject_id,
            skill=SkillOut.model_validate(skills[reference.skill_id]),
            rating=reference.rating,
            text=reference.text,
            created_at=reference.created_at,
            revealed_at=reference.revealed_at,
        )
        for reference in references
    ]


@router.post(
    "/users/{user_id}/references",
    status_code=status.HTTP_201_CREATED,
    response_model=ReferenceOut,
    responses={
        **NO_SUCH_USER,
        403: {"description": "You two never met"},
        409: {"description": "You wrote one about them already"},
    },
)
def write_reference(
    user_id: uuid.UUID, body: ReferenceCreate, caller: CurrentUser, db: Session = Depends(get_db)
) -> ReferenceOut:
    """Say how meeting someone went. Hidden until they wrote theirs, or for 14 days."""
    reference = service.write(db, author_id=caller.id, subject_id=user_id, data=body)
    return _out(db, [reference])[0]


@router.get("/users/{user_id}/references", response_model=ReferencePage, responses=NO_SUCH_USER)
def references_about(
    user_id: uuid.UUID, caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)
) -> ReferencePage:
    """The revealed references about someone, newest first, with their count and average."""
    found, total, average, share = service.about(
        db, subject_id=user_id, viewer_id=caller.id, page=page
    )
    return ReferencePage(
        items=_out(db, found),
        total=total,
        limit=page.limit,
        offset=page.offset,
        average=average,
        would_meet_again_percent=share,
    )


@router.get("/references/written", response_model=ReferencePage, responses=UNAUTHENTICATED)
def my_references(
    caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)
) -> ReferencePage:
    """The references you wrote, newest first, those not yet revealed included."""
    found, total = service.written_by(db, author_id=caller.id, page=page)
    return ReferencePage(
        items=_out(db, found),
        total=total,
        limit=page.limit,
        offset=page.offset,
        average=None,
        would_meet_again_percent=None,
    )


@router.patch(
    "/references/{reference_id}",
    response_model=ReferenceOut,
    responses={
        **UNAUTHENTICATED,
        404: {"description": "No such reference of yours"},
        409: {"description": "It is revealed: it cannot change"},
    },
)
def change_reference(
    reference_id: ReferenceId,
    body: ReferenceUpdate,
    caller: CurrentUser,
    db: Session = Depends(get_db),
) -> ReferenceOut:
    """Change your reference while it is hidden."""
    reference = service.change(db, author_id=caller.id, reference_id=reference_id, changes=body)
    return _out(db, [reference])[0]

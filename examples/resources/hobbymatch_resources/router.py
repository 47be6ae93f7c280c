"""HTTP endpoints: a thin layer over the service."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID, Pagination, get_db
from hobbymatch_resources import service
from hobbymatch_resources.schemas import ResourceCreate, ResourceOut, ResourcePage
from modules.users import UNAUTHENTICATED, CurrentUser

ResourceId = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such resource"}}

router = APIRouter(prefix="/resources")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ResourceOut,
    responses={**UNAUTHENTICATED, **NOT_FOUND},
)
def share_resource(
    body: ResourceCreate, caller: CurrentUser, db: Session = Depends(get_db)
) -> ResourceOut:
    """Share something to learn a skill from; you recommend it."""
    return service.share_resource(db, author_id=caller.id, data=body)


@router.get("", response_model=ResourcePage)
def list_resources(
    page: Pagination,
    skill_id: Annotated[int | None, Query(ge=1, le=MAX_INTEGER_ID)] = None,
    db: Session = Depends(get_db),
) -> ResourcePage:
    """Resources, the most recommended first."""
    resources, total = service.resources_for(db, skill_id=skill_id, page=page)
    return ResourcePage(items=resources, total=total, limit=page.limit, offset=page.offset)


@router.get("/{resource_id}", response_model=ResourceOut, responses=NOT_FOUND)
def read_resource(resource_id: ResourceId, db: Session = Depends(get_db)) -> ResourceOut:
    """One resource and how many recommend it."""
    return service.get_resource(db, resource_id=resource_id)


@router.post(
    "/{resource_id}/recommendation",
    status_code=status.HTTP_201_CREATED,
    responses={**UNAUTHENTICATED, **NOT_FOUND, 409: {"description": "Already recommended"}},
)
def recommend(
    resource_id: ResourceId, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Recommend a resource."""
    service.recommend(db, resource_id=resource_id, user_id=caller.id)
    return Response(status_code=status.HTTP_201_CREATED)


@router.delete(
    "/{resource_id}/recommendation",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, 404: {"description": "Not recommended"}},
)
def take_back(
    resource_id: ResourceId, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Stop recommending a resource."""
    service.take_back(db, resource_id=resource_id, user_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{resource_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, **NOT_FOUND},
)
def remove_resource(
    resource_id: ResourceId, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Remove a resource you shared (anyone else's looks missing)."""
    service.remove_resource(db, resource_id=resource_id, author_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

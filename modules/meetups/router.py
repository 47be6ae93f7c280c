"""HTTP endpoints: a thin layer over the service."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID, Pagination, get_db
from modules.users import UNAUTHENTICATED, CurrentUser

from . import service
from .models import Item
from .schemas import ItemCreate, ItemOut, ItemPage

router = APIRouter(prefix="/meetups")

ItemIdInPath = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]


@router.get("", response_model=ItemPage, responses=UNAUTHENTICATED)
def list_items(caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)) -> ItemPage:
    """The caller's items, newest first."""
    items, total = service.list_items(db, owner_id=caller.id, page=page)
    return ItemPage(
        items=[ItemOut.model_validate(item) for item in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=ItemOut, responses=UNAUTHENTICATED
)
def create_item(body: ItemCreate, caller: CurrentUser, db: Session = Depends(get_db)) -> Item:
    """Store a new item for the caller."""
    return service.create_item(db, owner_id=caller.id, text=body.text)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, 404: {"description": "No such item of yours"}},
)
def delete_item(
    item_id: ItemIdInPath, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Delete one of the caller's items."""
    service.delete_item(db, owner_id=caller.id, item_id=item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

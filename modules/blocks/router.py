"""``/blocks``: block someone, stop blocking them, list whom you block."""

import uuid

from fastapi import APIRouter, Depends, Response, status
from sqlalchemy.orm import Session

from core import Pagination, get_db
from modules.blocks import service
from modules.blocks.schemas import BlockCreate, BlockOut, BlockPage
from modules.users import UNAUTHENTICATED, CurrentUser, UserPublic

router = APIRouter(prefix="/blocks")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=BlockOut,
    responses={
        **UNAUTHENTICATED,
        404: {"description": "No such user"},
        409: {"description": "You already block this person"},
    },
)
def block(body: BlockCreate, caller: CurrentUser, db: Session = Depends(get_db)) -> BlockOut:
    """Block someone: the two stop seeing each other anywhere, pending requests between them
    are withdrawn, a connection ends and messages stop. They are not told."""
    blocked, entry = service.block(db, blocker_id=caller.id, blocked_id=body.user_id)
    return BlockOut(user=UserPublic.model_validate(blocked), blocked_at=entry.created_at)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, 404: {"description": "You do not block this person"}},
)
def unblock(user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Stop blocking someone; what the block ended stays ended."""
    service.unblock(db, blocker_id=caller.id, blocked_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", response_model=BlockPage, responses=UNAUTHENTICATED)
def list_blocks(caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)) -> BlockPage:
    """The people the caller blocks, newest block first."""
    blocked, total = service.list_blocks(db, blocker_id=caller.id, page=page)
    return BlockPage(
        items=[
            BlockOut(user=UserPublic.model_validate(user), blocked_at=at) for user, at in blocked
        ],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )

"""``/chat``: write to a connection, read a conversation."""

import uuid

from fastapi import APIRouter, Depends, status
from sqlalchemy.orm import Session

from core import get_db
from core.pagination import Pagination
from modules.users import CurrentUser

from . import service
from .schemas import MessageIn, MessageOut, MessagePage

router = APIRouter(prefix="/chat")


@router.post("/messages", response_model=MessageOut, status_code=status.HTTP_201_CREATED)
def send_message(body: MessageIn, caller: CurrentUser, db: Session = Depends(get_db)) -> MessageOut:
    """Write to someone you are connected with (403 otherwise)."""
    message = service.send_message(
        db, sender_id=caller.id, recipient_id=body.to_user_id, text=body.text
    )
    return MessageOut.model_validate(message)


@router.get("/with/{user_id}", response_model=MessagePage)
def conversation(
    user_id: uuid.UUID, caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)
) -> MessagePage:
    """Your conversation with ``user_id``, newest first."""
    items, total = service.conversation(db, user_id=caller.id, other_user_id=user_id, page=page)
    return MessagePage(
        items=[MessageOut.model_validate(item) for item in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )

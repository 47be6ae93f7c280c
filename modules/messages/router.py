"""``/messages``: write to a connection, list conversations, read and mark one."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session

from core import DEFAULT_PAGE_SIZE, MAX_INTEGER_ID, MAX_PAGE_SIZE, Pagination, get_db
from modules.messages import service
from modules.messages.models import Message
from modules.messages.schemas import (
    ConversationOut,
    ConversationPage,
    MessageCreate,
    MessageHistory,
    MessageOut,
)
from modules.users import (
    UNAUTHENTICATED,
    UNVERIFIED,
    CurrentUser,
    User,
    UserPublic,
    VerifiedUser,
    users_by_id,
)

NO_SUCH_USER: dict[int | str, dict[str, Any]] = {404: {"description": "No such user"}}

router = APIRouter(prefix="/messages")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageOut,
    responses={
        **UNVERIFIED,
        **NO_SUCH_USER,
        403: {
            "description": "You are not connected with this person, or your address must be "
            "verified first"
        },
        429: {"description": "Too many messages in the last minute"},
    },
)
def send_message(
    body: MessageCreate, caller: VerifiedUser, db: Session = Depends(get_db)
) -> MessageOut:
    """Write to someone you are connected with."""
    message = service.send_message(
        db, sender_id=caller.id, recipient_id=body.to_user_id, text=body.text
    )
    return _messages_out(db, [message])[0]


@router.get("/conversations", response_model=ConversationPage, responses=UNAUTHENTICATED)
def list_conversations(
    caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)
) -> ConversationPage:
    """The caller's conversations, the most recent first, each with its unread count."""
    found, total = service.conversations(db, user_id=caller.id, page=page)
    lasts = _messages_out(db, [each.last_message for each in found])
    items = [
        ConversationOut(
            user=UserPublic.model_validate(each.other),
            last_message=last,
            unread_count=each.unread_count,
        )
        for each, last in zip(found, lasts, strict=True)
    ]
    return ConversationPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get(
    "/with/{user_id}", response_model=MessageHistory, responses={**UNAUTHENTICATED, **NO_SUCH_USER}
)
def read_conversation(
    user_id: uuid.UUID,
    caller: CurrentUser,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_INTEGER_ID, description="Only messages older than this id")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    db: Session = Depends(get_db),
) -> MessageHistory:
    """The caller's conversation with someone, newest first, ``limit`` at a time."""
    messages, next_before = service.history(
        db, user_id=caller.id, other_user_id=user_id, before=before, limit=limit
    )
    return MessageHistory(items=_messages_out(db, messages), next_before=next_before)


@router.post(
    "/with/{user_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, **NO_SUCH_USER},
)
def mark_read(user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Mark every message from that person as read."""
    service.mark_read(db, user_id=caller.id, other_user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _messages_out(db: Session, messages: list[Message]) -> list[MessageOut]:
    people: dict[uuid.UUID, User] = users_by_id(
        db, (person for m in messages for person in (m.sender_id, m.recipient_id))
    )
    return [
        MessageOut(
            id=m.id,
            sender=UserPublic.model_validate(people[m.sender_id]),
            recipient=UserPublic.model_validate(people[m.recipient_id]),
            text=m.text,
            sent_at=m.sent_at,
            read_at=m.read_at,
        )
        for m in messages
    ]

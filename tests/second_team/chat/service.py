"""The chat module's rules: only connected people write to each other; history stays."""

import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.pagination import PageParams, fetch_page
from modules.matches import are_connected
from modules.users import get_user

from .exceptions import MessageToYourselfError, NotConnectedError
from .models import ChatMessage


def send_message(
    db: Session, *, sender_id: uuid.UUID, recipient_id: uuid.UUID, text: str
) -> ChatMessage:
    """Write ``text`` from ``sender_id`` to ``recipient_id``, who must be an active user
    connected with the sender."""
    if recipient_id == sender_id:
        raise MessageToYourselfError()
    get_user(db, user_id=recipient_id)  # 404 for an unknown or deactivated account
    if not are_connected(db, sender_id, recipient_id):
        raise NotConnectedError()
    message = ChatMessage(sender_id=sender_id, recipient_id=recipient_id, text=text)
    db.add(message)
    db.commit()
    db.refresh(message)
    return message


def conversation(
    db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID, page: PageParams
) -> tuple[list[ChatMessage], int]:
    """One page of the messages between two users, newest first, and how many there are.

    Readable whether or not the two are still connected."""
    if other_user_id == user_id:
        raise MessageToYourselfError(loc=("path", "user_id"))
    get_user(db, user_id=other_user_id)
    statement = (
        select(ChatMessage)
        .where(
            or_(
                and_(ChatMessage.sender_id == user_id, ChatMessage.recipient_id == other_user_id),
                and_(ChatMessage.sender_id == other_user_id, ChatMessage.recipient_id == user_id),
            )
        )
        .order_by(ChatMessage.id.desc())
    )
    return fetch_page(db, statement, page)

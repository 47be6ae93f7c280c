"""The messages module's rules: plain functions that take a session, never HTTP."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from core import PageParams, Platform, hooks, serialize_on, utc_now
from modules.matches import are_connected
from modules.messages.exceptions import (
    MessageToYourselfError,
    NoConversationWithYourselfError,
    NotConnectedError,
    TooManyMessagesError,
)
from modules.messages.models import Message
from modules.messages.settings import MessagesSettings
from modules.users import User, get_user, gone_for, is_active_user, users_by_id


@dataclass(frozen=True)
class Conversation:
    """One of a person's conversations: the other person, the latest message, the unread."""

    other: User
    last_message: Message
    unread_count: int


def send_message(
    db: Session, *, sender_id: uuid.UUID, recipient_id: uuid.UUID, text: str
) -> Message:
    """Write ``text`` from ``sender_id`` to ``recipient_id``, fire ``messages_message_sent``
    and commit.

    :raises MessageToYourselfError: the two are one person.
    :raises UserNotFoundError: no active user is the recipient (or they blocked the sender).
    :raises NotConnectedError: the two are not connected (never were, no longer, or blocked).
    :raises TooManyMessagesError: the sender exceeded ``HOBBYMATCH_MESSAGES_PER_MINUTE``.
    """
    if sender_id == recipient_id:
        raise MessageToYourselfError()
    get_user(db, user_id=recipient_id, as_seen_by=sender_id)
    if not are_connected(db, sender_id, recipient_id):
        raise NotConnectedError()
    _refuse_when_too_fast(db, sender_id)
    message = Message(sender_id=sender_id, recipient_id=recipient_id, text=text)
    db.add(message)
    db.flush()
    hooks(db).messages_message_sent(db=db, message=message)
    db.commit()
    return message


def _refuse_when_too_fast(db: Session, sender_id: uuid.UUID) -> None:
    # Counted under a lock per sender, held until the message commits: parallel sends would
    # otherwise all count the same recent messages and pass the limit together.
    serialize_on(db, f"messages.sent:{sender_id}")
    limit = Platform.of(db).settings_of(MessagesSettings).per_minute
    recent = db.scalar(
        select(func.count()).where(
            Message.sender_id == sender_id, Message.sent_at > utc_now() - timedelta(minutes=1)
        )
    )
    if (recent or 0) >= limit:
        raise TooManyMessagesError()


def history(
    db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID, before: int | None, limit: int
) -> tuple[list[Message], int | None]:
    """The messages between two people, newest first: at most ``limit`` older than message
    ``before`` (any, when ``None``), and the ``before`` of the next slice (``None`` at the end).

    Readable whether or not the two are still connected, except by someone the other blocked:
    to them the other is gone, as a deleted account is (whose messages are deleted).
    """
    if other_user_id == user_id:
        raise NoConversationWithYourselfError()
    get_user(db, user_id=other_user_id, as_seen_by=user_id)
    conditions = [between(user_id, other_user_id), Message.hidden_at.is_(None)]
    if before is not None:
        conditions.append(Message.id < before)
    rows = list(
        db.scalars(select(Message).where(*conditions).order_by(Message.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    page = rows[:limit]
    return page, page[-1].id if more else None


def mark_read(db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """Mark every message from ``other_user_id`` to ``user_id`` read; fire
    ``messages_conversation_read`` and commit."""
    if other_user_id == user_id:
        raise NoConversationWithYourselfError()
    get_user(db, user_id=other_user_id, as_seen_by=user_id)
    db.execute(
        update(Message)
        .where(
            Message.sender_id == other_user_id,
            Message.recipient_id == user_id,
            Message.read_at.is_(None),
        )
        .values(read_at=utc_now())
    )
    hooks(db).messages_conversation_read(db=db, user_id=user_id, other_user_id=other_user_id)
    db.commit()


def conversations(
    db: Session, *, user_id: uuid.UUID, page: PageParams
) -> tuple[list[Conversation], int]:
    """One page of ``user_id``'s conversations with active people, the most recent first, and
    how many there are; without the people gone for ``user_id`` (who blocked them)."""
    other = case((Message.sender_id == user_id, Message.recipient_id), else_=Message.sender_id)
    unread = case((and_(Message.recipient_id == user_id, Message.read_at.is_(None)), 1), else_=0)
    mine = or_(Message.sender_id == user_id, Message.recipient_id == user_id) & (
        Message.hidden_at.is_(None)
    )
    grouped = (
        select(
            other.label("other_id"),
            func.max(Message.id).label("last_id"),
            func.sum(unread).label("unread"),
        )
        .where(mine)
        .group_by(other)
        .subquery()
    )
    active = is_active_user(grouped.c.other_id)
    gone = gone_for(db, user_id)
    if gone:
        active = active & grouped.c.other_id.not_in(gone)
    total = db.scalar(select(func.count()).select_from(grouped).where(active)) or 0
    rows = db.execute(
        select(grouped.c.other_id, grouped.c.last_id, grouped.c.unread)
        .where(active)
        .order_by(grouped.c.last_id.desc())
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    people = users_by_id(db, (row.other_id for row in rows))
    messages = {
        m.id: m
        for m in db.scalars(select(Message).where(Message.id.in_([row.last_id for row in rows])))
    }
    items = [
        Conversation(people[row.other_id], messages[row.last_id], int(row.unread or 0))
        for row in rows
    ]
    return items, total


def between(first: uuid.UUID, second: uuid.UUID) -> ColumnElement[bool]:
    """A condition true for the messages of the two's conversation, either way."""
    return or_(
        and_(Message.sender_id == first, Message.recipient_id == second),
        and_(Message.sender_id == second, Message.recipient_id == first),
    )

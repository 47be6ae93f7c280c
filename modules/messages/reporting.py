"""What a moderating module needs of messages: the evidence of a reported one, and hiding it.

A report keeps its evidence (the message and the conversation's last messages) as it was when
reported, so that deleting the message, or an account, later does not erase it.
"""

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import now
from modules.messages.exceptions import MessageNotFoundError
from modules.messages.models import Message
from modules.messages.service import between
from modules.users import gone_for

EVIDENCE_MESSAGES = 20


def reported_message(
    db: Session, *, message_id: int, reporter_id: uuid.UUID
) -> tuple[uuid.UUID, dict[str, object]]:
    """The sender of a message ``reporter_id`` received or sent, and the evidence: the message,
    and its conversation's :data:`EVIDENCE_MESSAGES` messages up to it and its last
    :data:`EVIDENCE_MESSAGES` now (the same when nothing came since), oldest first.

    :raises MessageNotFoundError: no such message of theirs (or a hidden one, or one with
        someone gone for them).
    """
    message = db.get(Message, message_id)
    parties = (message.sender_id, message.recipient_id) if message is not None else ()
    if message is None or message.hidden_at is not None or reporter_id not in parties:
        raise MessageNotFoundError("message not found")
    other = message.sender_id if message.recipient_id == reporter_id else message.recipient_id
    if other in gone_for(db, reporter_id):
        raise MessageNotFoundError("message not found")
    conversation = between(message.sender_id, message.recipient_id)
    newest_first = select(Message).order_by(Message.id.desc()).limit(EVIDENCE_MESSAGES)
    before = db.scalars(newest_first.where(conversation, Message.id <= message.id)).all()
    latest = db.scalars(newest_first.where(conversation)).all()
    kept = {item.id: item for item in (*before, *latest)}
    return message.sender_id, {
        "message": _as_evidence(message),
        "conversation": [_as_evidence(kept[number]) for number in sorted(kept)],
    }


def set_message_hidden(db: Session, *, message_id: int, hidden: bool) -> None:
    """Hide the message from everyone, or show it again, in the caller's transaction."""
    hidden_at: datetime | None = now(db) if hidden else None
    db.execute(update(Message).where(Message.id == message_id).values(hidden_at=hidden_at))


def _as_evidence(message: Message) -> dict[str, object]:
    return {
        "id": message.id,
        "sender_id": str(message.sender_id),
        "recipient_id": str(message.recipient_id),
        "text": message.text,
        "sent_at": message.sent_at.isoformat(),
    }

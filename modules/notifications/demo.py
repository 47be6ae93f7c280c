"""Demo notifications for ``hobbymatch seed``, derived from the demo requests and messages."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from modules.matches import ConnectionRequest, RequestStatus
from modules.messages import Message
from modules.notifications.models import Kind, Notification

BATCH = 5_000


def seed_demo_notifications(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """A notification for every pending request (to its recipient), every accepted request
    (to its sender) and every conversation with unread messages (to the reader), for the
    requests and messages that have none yet. Deterministic: it only reads the demo data."""
    rows = [*_for_requests(db), *_for_unread_messages(db)]
    rows.sort(key=lambda row: row["created_at"])
    for start in range(0, len(rows), BATCH):
        db.execute(insert(Notification), rows[start : start + BATCH])
    yield count


def _for_requests(db: Session) -> list[dict[str, Any]]:
    announced = set(
        db.scalars(
            select(Notification.subject_id).where(
                Notification.kind.in_([Kind.REQUEST_RECEIVED, Kind.REQUEST_ACCEPTED])
            )
        )
    )
    requests = db.scalars(
        select(ConnectionRequest)
        .where(ConnectionRequest.status.in_([RequestStatus.PENDING, RequestStatus.ACCEPTED]))
        .order_by(ConnectionRequest.id)
    )
    rows = []
    for request in requests:
        if str(request.id) in announced:
            continue
        pending = request.status == RequestStatus.PENDING
        rows.append(
            {
                "user_id": request.recipient_id if pending else request.sender_id,
                "kind": Kind.REQUEST_RECEIVED if pending else Kind.REQUEST_ACCEPTED,
                "actor_id": request.sender_id if pending else request.recipient_id,
                "subject_id": str(request.id),
                "created_at": request.created_at if pending else request.responded_at,
                "read_at": None,
                # History, not news: no digest mails the demo's past to its people.
                "mailed_at": request.created_at if pending else request.responded_at,
            }
        )
    return rows


def _for_unread_messages(db: Session) -> list[dict[str, Any]]:
    first_unread = (
        select(
            Message.recipient_id,
            Message.sender_id,
            func.min(Message.id).label("message_id"),
            func.min(Message.sent_at).label("sent_at"),
        )
        .where(Message.read_at.is_(None))
        .group_by(Message.recipient_id, Message.sender_id)
    )
    announced = select(Notification.user_id, Notification.actor_id).where(
        Notification.kind == Kind.MESSAGE_RECEIVED, Notification.read_at.is_(None)
    )
    already = {tuple(row) for row in db.execute(announced)}
    return [
        {
            "user_id": recipient,
            "kind": Kind.MESSAGE_RECEIVED,
            "actor_id": sender,
            "subject_id": str(message_id),
            "created_at": sent_at,
            "read_at": None,
            "mailed_at": sent_at,
        }
        for recipient, sender, message_id, sent_at in db.execute(first_unread)
        if (recipient, sender) not in already
    ]

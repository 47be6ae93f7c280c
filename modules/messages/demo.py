"""Demo messages for ``hobbymatch seed``: short exchanges in most demo connections."""

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from core import utc_now
from modules.matches import ConnectionRequest, RequestStatus
from modules.messages.models import Message

BATCH = 5_000
LINES = (
    "Hi! Great to connect.",
    "When are you free this week?",
    "I have a spare racket if you want to try.",
    "Saturday morning works for me.",
    "Do you know a good place to practise?",
    "Thanks for the tips yesterday!",
    "Shall we meet at the park?",
    "I just finished the book you mentioned.",
)


def seed_demo_messages(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Give three connections in four, without messages yet, two to six messages; the last
    one or two of a conversation are unread. A conversation's draws depend on ``seed`` and the
    two people alone, so that a grown database writes new conversations, never copies."""
    quiet = ~exists().where(
        (
            (Message.sender_id == ConnectionRequest.sender_id)
            & (Message.recipient_id == ConnectionRequest.recipient_id)
        )
        | (
            (Message.sender_id == ConnectionRequest.recipient_id)
            & (Message.recipient_id == ConnectionRequest.sender_id)
        )
    )
    pairs = db.execute(
        select(ConnectionRequest.sender_id, ConnectionRequest.recipient_id)
        .where(ConnectionRequest.status == RequestStatus.ACCEPTED, quiet)
        .order_by(ConnectionRequest.id)
    ).all()
    now = utc_now()
    rows: list[dict[str, Any]] = []
    for first, second in pairs:
        rng = random.Random(f"messages-{seed}-{first}-{second}")
        if rng.random() >= 0.75:
            continue
        length = rng.randint(2, 6)
        unread_from = length - rng.randint(1, 2)
        started = now - timedelta(hours=rng.randint(1, 24 * 30))
        for number in range(length):
            sender, recipient = (first, second) if number % 2 == 0 else (second, first)
            rows.append(
                {
                    "sender_id": sender,
                    "recipient_id": recipient,
                    "text": rng.choice(LINES),
                    "sent_at": started + timedelta(minutes=7 * number),
                    "read_at": None
                    if number >= unread_from
                    else started + timedelta(minutes=7 * number + 3),
                }
            )
    rows.sort(key=lambda row: row["sent_at"])  # ids follow time, as in a live conversation
    for start in range(0, len(rows), BATCH):
        db.execute(insert(Message), rows[start : start + BATCH])
    yield count

"""Demo connections for ``hobbymatch seed``: requests between demo users, most accepted."""

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import utc_now
from modules.matches.models import ConnectionRequest, RequestStatus, pair_key
from modules.users import User, hidden_from

BATCH = 5_000
REQUESTS_PER_USER = 2
# What becomes of a demo request: most are accepted, some wait, a few are declined.
OUTCOMES = {RequestStatus.ACCEPTED: 0.6, RequestStatus.PENDING: 0.25, RequestStatus.DECLINED: 0.15}


def seed_demo_requests(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Let every user who has sent no request ask about two others, a pair linked at most once
    and never two people hidden from each other. Each sender's draws depend on ``seed`` and on
    the sender alone, so that a run over a grown database draws new requests (and new ids) for
    the new people only."""
    user_ids = list(db.scalars(select(User.id).order_by(User.created_at, User.id)))
    linked = set(db.scalars(select(ConnectionRequest.pair_key)))
    busy = set(db.scalars(select(ConnectionRequest.sender_id)))
    outcomes, weights = list(OUTCOMES), list(OUTCOMES.values())
    now = utc_now()
    rows: list[dict[str, object]] = []
    for sender in user_ids if len(user_ids) > 1 else []:
        if sender in busy:
            continue
        hidden = hidden_from(db, sender)
        rng = random.Random(f"matches-{seed}-{sender}")
        for recipient in rng.sample(user_ids, k=min(REQUESTS_PER_USER, len(user_ids))):
            key = pair_key(sender, recipient)
            if recipient == sender or key in linked or recipient in hidden:
                continue
            linked.add(key)
            rows.append(
                _request(rng, sender, recipient, key, rng.choices(outcomes, weights)[0], now)
            )
    for first in range(0, len(rows), BATCH):
        db.execute(insert(ConnectionRequest), rows[first : first + BATCH])
        yield min(BATCH, len(rows) - first) // REQUESTS_PER_USER
    if not rows:
        yield 0


def _request(
    rng: random.Random,
    sender: uuid.UUID,
    recipient: uuid.UUID,
    key: str,
    status: RequestStatus,
    now: datetime,
) -> dict[str, object]:
    sent = now - timedelta(days=rng.randint(1, 60))
    answered = (
        sent + timedelta(hours=rng.randint(1, 48)) if status != RequestStatus.PENDING else None
    )
    return {
        "id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "sender_id": sender,
        "recipient_id": recipient,
        "pair_key": key,
        "message": "Would you like to meet up?",
        "status": status,
        "created_at": sent,
        "responded_at": answered,
    }

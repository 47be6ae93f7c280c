"""``hobbymatch seed`` gives demo connection requests: each pair linked once, most accepted."""

from collections import Counter

from fastapi import FastAPI
from sqlalchemy import select

from core.platform import Platform
from modules.matches import ConnectionRequest, RequestStatus
from modules.matches.demo import seed_demo_requests
from modules.users.demo import seed_demo_users


def test_demo_requests_link_each_pair_once_mostly_accepted(app: FastAPI) -> None:
    with Platform.of(app).session_factory() as db:
        list(seed_demo_users(db, count=200, seed=5))
        list(seed_demo_requests(db, count=200, seed=5))
        list(seed_demo_requests(db, count=200, seed=5))  # again: nothing new
        db.commit()
        requests = db.scalars(select(ConnectionRequest)).all()
    assert 300 <= len(requests) <= 400
    pairs = [frozenset((r.sender_id, r.recipient_id)) for r in requests]
    assert len(set(pairs)) == len(pairs)
    assert all(r.sender_id != r.recipient_id for r in requests)
    statuses = Counter(r.status for r in requests)
    assert statuses[RequestStatus.ACCEPTED] > statuses[RequestStatus.PENDING] > 0
    assert statuses[RequestStatus.DECLINED] > 0
    assert all((r.responded_at is None) == (r.status == RequestStatus.PENDING) for r in requests)

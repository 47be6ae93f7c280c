"""Demo blocks for ``hobbymatch seed``: about one demo user in a hundred blocks someone."""

import random
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import insert_ignoring_duplicates
from modules.blocks.models import Block
from modules.users import User

BLOCKING_SHARE = 0.01


def seed_demo_blocks(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Let a random one in a hundred users block another random user, the same for ``seed``."""
    rng = random.Random(f"blocks-{seed}")
    user_ids = list(db.scalars(select(User.id).order_by(User.created_at, User.id)))
    if len(user_ids) < 2:
        return
    rows = []
    for blocker in rng.sample(user_ids, k=max(1, round(len(user_ids) * BLOCKING_SHARE))):
        blocked = rng.choice(user_ids)
        if blocked != blocker:
            rows.append({"blocker_id": blocker, "blocked_id": blocked})
    insert_ignoring_duplicates(db, Block, rows, unique=["blocker_id", "blocked_id"])
    yield len(user_ids)

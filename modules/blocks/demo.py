"""Demo blocks for ``hobbymatch seed``: about one demo user in a hundred blocks someone."""

import random
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import insert_ignoring_duplicates
from modules.blocks.models import Block
from modules.users import User, hide_from_each_other

BLOCKING_SHARE = 0.01


def seed_demo_blocks(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Let a random one in a hundred users block another random user, the same for ``seed``
    and the same people. Each new block ends what linked the two, as every block does
    (``hide_from_each_other``): a database grown after an earlier seed keeps no connection
    between two people of whom one blocks the other."""
    rng = random.Random(f"blocks-{seed}")
    user_ids = list(db.scalars(select(User.id).order_by(User.created_at, User.id)))
    if len(user_ids) < 2:
        return
    existing = {tuple(pair) for pair in db.execute(select(Block.blocker_id, Block.blocked_id))}
    rows = []
    for blocker in rng.sample(user_ids, k=max(1, round(len(user_ids) * BLOCKING_SHARE))):
        blocked = rng.choice(user_ids)
        if blocked != blocker and (blocker, blocked) not in existing:
            rows.append({"blocker_id": blocker, "blocked_id": blocked})
    insert_ignoring_duplicates(db, Block, rows, unique=["blocker_id", "blocked_id"])
    for row in rows:
        hide_from_each_other(db, user_id=row["blocker_id"], other_user_id=row["blocked_id"])
    yield len(user_ids)

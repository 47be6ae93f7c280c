"""Demo items for ``hobbymatch seed``: one to three for every person of the demo."""

import random
from collections.abc import Iterator

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from modules.users import User

from .models import Item

BATCH = 5_000
TEXTS = ("Bring the board", "Ask about Saturday", "Practise the opening", "Buy new strings")


def seed_demo_items(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Give every person without items one to three; a person's items depend on ``seed`` and
    that person alone, so that a grown demo gives its new people items of their own and the
    same run again adds nothing."""
    with_items = select(Item.owner_id)
    user_ids = db.scalars(
        select(User.id).where(User.id.not_in(with_items)).order_by(User.created_at, User.id)
    ).all()
    rows: list[dict[str, object]] = []
    for user_id in user_ids:
        rng = random.Random(f"meetups-{seed}-{user_id}")
        for _ in range(rng.randint(1, 3)):
            rows.append({"owner_id": user_id, "text": rng.choice(TEXTS)})
    for first in range(0, len(rows), BATCH):
        db.execute(insert(Item), rows[first : first + BATCH])
    yield count

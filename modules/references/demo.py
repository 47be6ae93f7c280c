"""Demo references for ``hobbymatch seed``: revealed ones between demo people who wrote to each
other both ways (the messages module's demo conversations)."""

import random
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased

from modules.messages import Message
from modules.references.models import Reference
from modules.skills import Skill

TEXTS = (
    "Patient and clear, I learned a lot.",
    "Great company, on time, well prepared.",
    "Fun afternoon; we will play again.",
    "Knows the subject inside out.",
)


def seed_demo_references(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """For each pair of demo people who wrote to each other both ways and have no reference
    yet, a revealed one each way (ratings mostly high); the same run again adds nothing."""
    back = aliased(Message)
    pairs = db.execute(
        select(Message.sender_id, Message.recipient_id)
        .join(
            back,
            (back.sender_id == Message.recipient_id) & (back.recipient_id == Message.sender_id),
        )
        .distinct()
    ).all()
    written = set(db.execute(select(Reference.author_id, Reference.subject_id)).tuples())
    skills = list(db.scalars(select(Skill.id).order_by(Skill.id)))
    rows = []
    for author_id, subject_id in pairs:
        if (author_id, subject_id) in written or not skills:
            continue
        rng = random.Random(f"references-{seed}-{author_id}-{subject_id}")
        rows.append(
            {
                "author_id": author_id,
                "subject_id": subject_id,
                "skill_id": rng.choice(skills),
                "rating": rng.choice((3, 4, 4, 5, 5, 5)),
                "would_meet_again": rng.random() < 0.9,
                "text": rng.choice(TEXTS),
                "created_at": datetime(2026, 2, 1, tzinfo=UTC),
                "revealed_at": datetime(2026, 2, 1, tzinfo=UTC),
            }
        )
    if rows:
        db.execute(insert(Reference), rows)
    yield count

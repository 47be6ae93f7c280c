"""Demo reports for ``hobbymatch seed``: about one demo person in two hundred reports another,
so that a moderator's queue has something in it."""

import random
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from modules.moderation.models import Reason, Report, SubjectKind
from modules.users import User, UserPublic

REPORTING_SHARE = 0.005


def seed_demo_reports(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Open reports of demo people by other demo people, with their profile as evidence; the
    same for ``seed`` and the same people, and a reporter who reported before reports no
    one more (the same run again adds nothing)."""
    rng = random.Random(f"moderation-{seed}")
    users = list(db.scalars(select(User).order_by(User.created_at, User.id)))
    if len(users) < 2:
        return
    reporters = set(db.scalars(select(Report.reporter_id)))
    for reporter in rng.sample(users, k=max(1, round(len(users) * REPORTING_SHARE))):
        subject = rng.choice(users)
        if subject.id == reporter.id or reporter.id in reporters:
            continue
        db.add(
            Report(
                reporter_id=reporter.id,
                subject_kind=SubjectKind.USER,
                subject_id=str(subject.id),
                owner_id=subject.id,
                reason=rng.choice([Reason.SPAM, Reason.HARASSMENT, Reason.IMPERSONATION]),
                details="Demo report",
                evidence={"profile": UserPublic.model_validate(subject).model_dump(mode="json")},
            )
        )
    yield len(users)

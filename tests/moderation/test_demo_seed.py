"""The demo gives a moderator a queue: a few open reports between demo people, never of
oneself, each reporter once; seeding again adds nothing."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.moderation.demo import seed_demo_reports
from modules.moderation.models import Report
from modules.users.demo import seed_demo_users


def seed(db: Session, count: int) -> None:
    """Seed ``count`` demo people and their reports, as ``hobbymatch seed`` does."""
    for steps in (
        seed_demo_users(db, count=count, seed=7),
        seed_demo_reports(db, count=count, seed=7),
    ):
        for _ in steps:
            pass
    db.commit()


def test_the_demo_files_a_few_reports_once(db: Session) -> None:
    seed(db, 400)
    reports = list(db.scalars(select(Report)))
    assert len(reports) == 2
    assert all(report.owner_id != report.reporter_id for report in reports)
    assert len({report.reporter_id for report in reports}) == len(reports)
    assert all(report.status == "open" for report in reports)
    seed(db, 400)
    assert db.scalar(select(func.count()).select_from(Report)) == len(reports)

"""Demo meetups for ``hobbymatch seed``: one host in twenty people, each with a past meetup
whose attendance is recorded and an upcoming one, some full with a waitlist."""

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import Platform
from modules.meetups.models import Meetup, Rsvp, RsvpStatus
from modules.skills import Skill
from modules.users import User

SHARE_OF_HOSTS = 0.05
# (city, latitude, longitude, time zone): the demo's cities, as the places module's demo.
CITIES = (
    ("Berlin", 52.5200, 13.4050, "Europe/Berlin"),
    ("Paris", 48.8566, 2.3522, "Europe/Paris"),
    ("London", 51.5072, -0.1276, "Europe/London"),
    ("Madrid", 40.4168, -3.7038, "Europe/Madrid"),
    ("Amsterdam", 52.3676, 4.9041, "Europe/Amsterdam"),
    ("Lisbon", 38.7223, -9.1393, "Europe/Lisbon"),
)
TITLES = ("Beginners welcome", "Practice evening", "Weekend session", "Open table")


def seed_demo_meetups(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Give the hosts among the people who host nothing yet two meetups each; a host's draws
    depend on ``seed`` and that person alone, so that a grown demo gives its new hosts
    meetups of their own and the same run again adds nothing."""
    hosting = select(Meetup.host_id)
    people = list(db.scalars(select(User.id).order_by(User.created_at, User.id)))
    skills = list(db.scalars(select(Skill.id).order_by(Skill.id)))
    today = Platform.of(db).clock().replace(hour=18, minute=0, second=0, microsecond=0)
    new_hosts = set(db.scalars(select(User.id).where(User.id.not_in(hosting))))
    for host_id in people:
        rng = random.Random(f"meetups-{seed}-{host_id}")
        if host_id not in new_hosts or rng.random() >= SHARE_OF_HOSTS or not skills:
            continue
        for days in (-rng.randint(2, 30), rng.randint(2, 30)):
            _seed_meetup(db, rng, host_id, people, skills, today + timedelta(days=days))
    yield count


def _seed_meetup(
    db: Session,
    rng: random.Random,
    host_id: uuid.UUID,
    people: list[uuid.UUID],
    skills: list[int],
    starts_at: datetime,
) -> None:
    city, latitude, longitude, zone = rng.choice(CITIES)
    capacity = rng.randint(4, 12)
    meetup_id = db.scalar(
        insert(Meetup)
        .values(
            host_id=host_id,
            skill_id=rng.choice(skills),
            title=rng.choice(TITLES),
            description="",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            time_zone=zone,
            capacity=capacity,
            city=city,
            latitude=latitude + rng.gauss(0, 0.02),
            longitude=longitude + rng.gauss(0, 0.03),
            address=f"{rng.randint(1, 120)} Demo Street",
            check_in_code=f"{rng.randrange(10**6):06d}",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        .returning(Meetup.id)
    )
    others = [person for person in people if person != host_id]
    answers = rng.sample(others, min(len(others), capacity + rng.randint(-2, 4)))
    past = starts_at < Platform.of(db).clock()
    rows = [
        {
            "meetup_id": meetup_id,
            "user_id": person,
            "status": RsvpStatus.GOING if place < capacity else RsvpStatus.WAITLISTED,
            "attended": (rng.random() < 0.8) if past and place < capacity else None,
        }
        for place, person in enumerate(answers)
    ]
    if rows:
        db.execute(insert(Rsvp), rows)

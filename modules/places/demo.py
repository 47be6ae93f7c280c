"""Demo places for ``hobbymatch seed``: people spread around a few real cities."""

import random
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import insert_ignoring_duplicates
from modules.places.models import Place
from modules.users import User

BATCH = 5_000
SHARE_WITH_A_PLACE = 0.8
# (city, latitude, longitude) of each city's centre.
CITIES = (
    ("Berlin", 52.5200, 13.4050),
    ("Paris", 48.8566, 2.3522),
    ("London", 51.5072, -0.1276),
    ("Madrid", 40.4168, -3.7038),
    ("Amsterdam", 52.3676, 4.9041),
    ("Lisbon", 38.7223, -9.1393),
)
# How far people live from their city's centre: about 6 km (one standard deviation, degrees).
SPREAD_DEGREES = 0.055


def seed_demo_places(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Give four users in five without a place one around a random city; a person's draws
    depend on ``seed`` and that person alone, so that a grown database places its new people
    anew, never where the first people are."""
    placed = select(Place.user_id)
    user_ids = list(
        db.scalars(select(User.id).where(User.id.not_in(placed)).order_by(User.created_at, User.id))
    )
    for start in range(0, len(user_ids), BATCH):
        rows = []
        for user_id in user_ids[start : start + BATCH]:
            rng = random.Random(f"places-{seed}-{user_id}")
            if rng.random() >= SHARE_WITH_A_PLACE:
                continue
            city, latitude, longitude = rng.choice(CITIES)
            rows.append(
                {
                    "user_id": user_id,
                    "latitude": latitude + rng.gauss(0, SPREAD_DEGREES),
                    "longitude": longitude + rng.gauss(0, SPREAD_DEGREES * 1.5),
                    "city": city,
                }
            )
        insert_ignoring_duplicates(db, Place, rows, unique=["user_id"])
        yield min(BATCH, len(user_ids) - start)
    if not user_ids:
        yield 0

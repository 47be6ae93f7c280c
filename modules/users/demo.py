"""Demo users for ``hobbymatch seed``: plausible names, one shared password, bulk inserts."""

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from core import Platform, insert_ignoring_duplicates
from modules.users.models import User
from modules.users.security import hash_password
from modules.users.settings import UsersSettings

BATCH = 5_000

FIRST_NAMES = (
    "Ada",
    "Alan",
    "Amara",
    "Anna",
    "Ben",
    "Bruno",
    "Carla",
    "Chen",
    "Chloe",
    "Daniel",
    "Dara",
    "Diego",
    "Elena",
    "Emil",
    "Fatima",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Isaac",
    "Jana",
    "Jonas",
    "Kai",
    "Kenji",
    "Lea",
    "Leo",
    "Lina",
    "Luca",
    "Maya",
    "Mateo",
    "Mia",
    "Nadia",
    "Noah",
    "Nora",
    "Omar",
    "Olga",
    "Pablo",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Uma",
    "Vera",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoe",
)
LAST_NAMES = (
    "Adler",
    "Alvarez",
    "Berg",
    "Brown",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Hansen",
    "Ito",
    "Jensen",
    "Kim",
    "Kowalski",
    "Laurent",
    "Lopez",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Smith",
    "Tanaka",
    "Varga",
    "Weber",
    "Wong",
    "Yilmaz",
    "Zhang",
)


def seed_demo_users(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Insert ``count`` demo users, the same ones for the same ``seed``; yield progress.

    Emails are ``demo-<seed>-<n>@example.com``, counted as verified; users that already exist
    are skipped.
    """
    rng = random.Random(f"users-{seed}")
    settings = Platform.of(db).settings_of(UsersSettings)
    password_hash = hash_password(
        settings.demo_password.get_secret_value(), cost=settings.password_hash_cost
    )
    started = datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, count, BATCH):
        rows = [
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "email": f"demo-{seed}-{number}@example.com",
                # Verified, so that demo people may reach out where addresses must be.
                "email_verified_at": started,
                "password_hash": password_hash,
                "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "bio": None,
                "is_active": True,
                "token_version": 0,
                "created_at": started + timedelta(seconds=number),
            }
            for number in range(first, min(first + BATCH, count))
        ]
        insert_ignoring_duplicates(db, User, rows, unique=["email"])
        yield len(rows)

"""Demo skill lists for ``hobbymatch seed``: a few very popular hobbies and a long tail."""

import random
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import insert_ignoring_duplicates
from modules.skills.models import (
    MAX_SKILLS_PER_USER,
    Intent,
    Skill,
    SkillProfile,
    UserSkill,
    category_bit,
)
from modules.users import User

BATCH = 5_000
# Roughly how people list hobbies: most share, some want to learn, fewer offer to teach.
INTENT_WEIGHTS = {Intent.SHARE: 0.5, Intent.LEARN: 0.3, Intent.TEACH: 0.2}
# Popularity falls as 1 / position ** SKEW: the favourite hobby is about 25 times as common as
# the hundredth.
SKEW = 0.7


def seed_demo_lists(db: Session, *, count: int, seed: int) -> Iterator[int]:
    """Give every user without a list 10 skills. Which skills are popular depends on ``seed``;
    a person's draws on ``seed`` and that person alone, so that a grown database gives its new
    people lists of their own, never copies of the first people's."""
    rng = random.Random(f"skills-{seed}")
    categories = dict(
        db.execute(select(Skill.id, Skill.category).order_by(Skill.id)).tuples().all()
    )
    skill_ids = list(categories)
    popularity = rng.sample(skill_ids, len(skill_ids))
    weights = [1 / (position + 1) ** SKEW for position in range(len(popularity))]
    listed = select(UserSkill.user_id).distinct()
    user_ids = list(
        db.scalars(select(User.id).where(User.id.not_in(listed)).order_by(User.created_at, User.id))
    )
    intents, intent_weights = list(INTENT_WEIGHTS), list(INTENT_WEIGHTS.values())
    for first in range(0, len(user_ids), BATCH):
        rows: list[dict[str, object]] = []
        profiles: list[dict[str, object]] = []
        for user_id in user_ids[first : first + BATCH]:
            draws = random.Random(f"skills-{seed}-{user_id}")
            chosen: dict[int, None] = {}
            while len(chosen) < MAX_SKILLS_PER_USER:
                chosen.update(
                    dict.fromkeys(draws.choices(popularity, weights, k=MAX_SKILLS_PER_USER))
                )
            entries = list(chosen)[:MAX_SKILLS_PER_USER]
            for rank, skill_id in enumerate(entries, start=1):
                intent = draws.choices(intents, intent_weights)[0]
                rows.append(
                    {"user_id": user_id, "skill_id": skill_id, "intent": intent, "rank": rank}
                )
            mask = sum({category_bit(categories[skill_id]) for skill_id in entries})
            profiles.append({"user_id": user_id, "category_mask": mask})
        insert_ignoring_duplicates(db, UserSkill, rows, unique=["user_id", "skill_id"])
        insert_ignoring_duplicates(db, SkillProfile, profiles, unique=["user_id"])
        yield min(BATCH, len(user_ids) - first)

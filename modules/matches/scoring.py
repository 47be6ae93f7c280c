"""How matches are scored: in SQL over every user (ranking), in Python for one page (reasons).

A skill at rank ``r`` weighs ``w(r) = (11 - r) / 10``. Scores are summed in hundredths, as
integers, so that SQLite and PostgreSQL rank and break ties identically.

- shared: a skill both list with ``share`` or ``teach`` counts ``w(a) * w(b)``; so does a skill
  both want to ``learn``. Each category in which both have skills, but no skill in common
  (whatever the intents), adds 0.25.
- trade: a skill the caller learns and the other teaches counts ``w(a) * w(b)``; if the other
  also learns something the caller teaches, the score is doubled.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import TextClause, TextualSelect, Uuid, bindparam, text

from modules.matches.schemas import MatchReason, MatchType, ReasonKind, Teacher
from modules.skills import Intent, Skill, UserSkill
from modules.users import User

CATEGORY_BONUS = 25  # hundredths
_TABLES = {
    "user_skills": UserSkill.__tablename__,
    "skills": Skill.__tablename__,
    "users": User.__tablename__,
}

_SHARED = """
WITH mine AS (
    SELECT us.skill_id, us.intent, us.rank, s.category
    FROM {user_skills} us JOIN {skills} s ON s.id = us.skill_id
    WHERE us.user_id = :me
),
pairs AS (
    SELECT other.user_id, mine.category,
           CASE WHEN (mine.intent = 'learn') = (other.intent = 'learn')
                THEN (11 - mine.rank) * (11 - other.rank) ELSE 0 END AS points
    FROM mine JOIN {user_skills} other ON other.skill_id = mine.skill_id
    WHERE other.user_id <> :me
),
candidates AS (
    SELECT user_id, SUM(points) AS points, COUNT(DISTINCT category) AS common_categories
    FROM pairs GROUP BY user_id
),
their_categories AS (
    -- How many of the caller's categories each candidate has skills in. Every category of a
    -- common skill is among them, so the bonus counts the rest.
    SELECT theirs.user_id, COUNT(DISTINCT s.category) AS categories
    FROM candidates
    JOIN {user_skills} theirs ON theirs.user_id = candidates.user_id
    JOIN {skills} s ON s.id = theirs.skill_id
    WHERE s.category IN (SELECT category FROM mine)
    GROUP BY theirs.user_id
),
scored AS (
    SELECT candidates.user_id,
           candidates.points
           + {bonus} * (their_categories.categories - candidates.common_categories) AS points
    FROM candidates
    JOIN their_categories ON their_categories.user_id = candidates.user_id
    JOIN {users} u ON u.id = candidates.user_id AND u.is_active = :active
)
"""

_TRADE = """
WITH mine AS (
    SELECT skill_id, intent, rank FROM {user_skills} WHERE user_id = :me
),
taught AS (
    SELECT other.user_id, SUM((11 - mine.rank) * (11 - other.rank)) AS points
    FROM mine JOIN {user_skills} other ON other.skill_id = mine.skill_id
    WHERE mine.intent = 'learn' AND other.intent = 'teach' AND other.user_id <> :me
    GROUP BY other.user_id
),
two_way AS (
    SELECT DISTINCT other.user_id
    FROM mine JOIN {user_skills} other ON other.skill_id = mine.skill_id
    WHERE mine.intent = 'teach' AND other.intent = 'learn' AND other.user_id <> :me
),
scored AS (
    SELECT taught.user_id,
           taught.points * CASE WHEN two_way.user_id IS NULL THEN 1 ELSE 2 END AS points
    FROM taught
    JOIN {users} u ON u.id = taught.user_id AND u.is_active = :active
    LEFT JOIN two_way ON two_way.user_id = taught.user_id
)
"""

_PAGE = """
SELECT user_id, points, COUNT(*) OVER () AS total FROM scored WHERE points > 0
ORDER BY points DESC, user_id LIMIT :limit OFFSET :offset
"""
_COUNT = "SELECT COUNT(*) FROM scored WHERE points > 0"


def ranking_query(match_type: MatchType, *, counting: bool = False) -> TextClause | TextualSelect:
    """The SQL ranking every other active user for ``:me`` (or counting them), portable to
    SQLite and PostgreSQL. Parameters: ``me``, ``active``, and ``limit``/``offset`` to rank."""
    body = _SHARED if match_type is MatchType.SHARED else _TRADE
    sql = body.format(bonus=CATEGORY_BONUS, **_TABLES) + (_COUNT if counting else _PAGE)
    statement = text(sql).bindparams(bindparam("me", type_=Uuid), bindparam("active", value=True))
    return statement if counting else statement.columns(user_id=Uuid)


@dataclass(frozen=True)
class ListEntry:
    """One entry of a user's skill list, with its skill's name and category."""

    skill: str
    category: str
    intent: str
    rank: int


def explain(
    match_type: MatchType, mine: Sequence[ListEntry], theirs: Sequence[ListEntry]
) -> list[MatchReason]:
    """Every reason that adds to the score of ``theirs`` for the owner of ``mine``."""
    if match_type is MatchType.SHARED:
        return _shared_reasons(mine, theirs)
    return _trade_reasons(mine, theirs)


def _ranks(your_rank: int, their_rank: int) -> str:
    return f"(your #{your_rank}, their #{their_rank})"


def _points(your_rank: int, their_rank: int) -> float:
    return (11 - your_rank) * (11 - their_rank) / 100


def _shared_reasons(mine: Sequence[ListEntry], theirs: Sequence[ListEntry]) -> list[MatchReason]:
    reasons: list[MatchReason] = []
    theirs_by_skill = {entry.skill: entry for entry in theirs}
    common_categories: set[str] = set()
    for my_entry in mine:
        their_entry = theirs_by_skill.get(my_entry.skill)
        if their_entry is None:
            continue
        common_categories.add(my_entry.category)
        both_learn = my_entry.intent == their_entry.intent == Intent.LEARN
        neither_learns = Intent.LEARN not in (my_entry.intent, their_entry.intent)
        if both_learn or neither_learns:
            verb = "want to learn" if both_learn else "do"
            kind: ReasonKind = "both_learn" if both_learn else "both_share"
            text = f"You both {verb} {my_entry.skill}"
            reasons.append(_reason(kind, my_entry, their_entry, text=text))
    for category in sorted({entry.category for entry in mine} - common_categories):
        your_best = min(entry.rank for entry in mine if entry.category == category)
        their_ranks = [entry.rank for entry in theirs if entry.category == category]
        if their_ranks:
            reasons.append(
                MatchReason(
                    kind="same_category",
                    category=category,
                    your_rank=your_best,
                    their_rank=min(their_ranks),
                    points=CATEGORY_BONUS / 100,
                    text=f"You both like {category} {_ranks(your_best, min(their_ranks))}",
                )
            )
    return reasons


def _trade_reasons(mine: Sequence[ListEntry], theirs: Sequence[ListEntry]) -> list[MatchReason]:
    reasons: list[MatchReason] = []
    theirs_by_skill = {entry.skill: entry for entry in theirs}
    for my_entry in mine:
        their_entry = theirs_by_skill.get(my_entry.skill)
        if their_entry is None:
            continue
        if my_entry.intent == Intent.LEARN and their_entry.intent == Intent.TEACH:
            text = f"They teach {my_entry.skill}, which you want to learn"
            reasons.append(_reason("they_teach", my_entry, their_entry, text=text, teacher="them"))
        if my_entry.intent == Intent.TEACH and their_entry.intent == Intent.LEARN:
            text = f"You teach {my_entry.skill}, which they want to learn"
            # It adds no points of its own: it doubles the trade's score.
            reasons.append(
                _reason(
                    "you_teach",
                    my_entry,
                    their_entry,
                    text=text,
                    teacher="you",
                    points=0,
                    note=": a two-way trade doubles the score",
                )
            )
    return reasons


def _reason(
    kind: ReasonKind,
    mine: ListEntry,
    theirs: ListEntry,
    *,
    text: str,
    teacher: Teacher | None = None,
    points: float | None = None,
    note: str = "",
) -> MatchReason:
    """A reason about one skill both list; ``points`` defaults to ``w(mine) * w(theirs)``."""
    return MatchReason(
        kind=kind,
        skill=mine.skill,
        category=mine.category,
        teacher=teacher,
        your_rank=mine.rank,
        their_rank=theirs.rank,
        points=_points(mine.rank, theirs.rank) if points is None else points,
        text=f"{text} {_ranks(mine.rank, theirs.rank)}{note}",
    )

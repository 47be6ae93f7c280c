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
from modules.skills import Intent, SkillProfile, UserSkill, category_bit
from modules.users import User

CATEGORY_BONUS = 25  # hundredths
_TABLES = {
    "user_skills": UserSkill.__tablename__,
    "skill_profiles": SkillProfile.__tablename__,
    "users": User.__tablename__,
}

# Inactive users are left out with NOT IN over their few ids, a set PostgreSQL hashes once. (A
# NOT EXISTS per candidate made it expect a few hundred candidates instead of tens of thousands,
# and so probe the skill profiles with one index lookup per candidate: 30 % slower.)
#
# The caller's list arrives as a VALUES table ``mine`` (see ``_mine``): each entry's skill, its
# weight ``11 - rank``, whether it is learnt, and a bit of its own (``1 << (rank - 1)``) so that
# ``SUM(bit)`` over a candidate's rows says exactly which of the caller's skills they list.
_SHARED = """
WITH {mine},
candidates AS (
    SELECT other.user_id,
           SUM(CASE WHEN mine.learns = CASE WHEN other.intent = 'learn' THEN 1 ELSE 0 END
                    THEN mine.weight * (11 - other.rank) ELSE 0 END) AS points,
           SUM(mine.bit) AS common
    FROM mine JOIN {user_skills} other ON other.skill_id = mine.skill_id
    WHERE other.user_id <> :me
    GROUP BY other.user_id
),
scored AS (
    SELECT candidates.user_id, candidates.points + {bonus} AS points
    FROM candidates JOIN {skill_profiles} profile ON profile.user_id = candidates.user_id
    WHERE candidates.user_id NOT IN (SELECT id FROM {users} WHERE NOT is_active)
)
"""

# One term per category of the caller's: the bonus, if the candidate has something in that
# category (their profile) and lists none of the caller's skills in it (``common``).
_CATEGORY_TERM = (
    "CASE WHEN (profile.category_mask & :{name}_category) <> 0"
    " AND (candidates.common & :{name}_skills) = 0 THEN {bonus} ELSE 0 END"
)

_TRADE = """
WITH {mine},
taught AS (
    SELECT other.user_id, SUM(mine.weight * (11 - other.rank)) AS points
    FROM mine JOIN {user_skills} other ON other.skill_id = mine.skill_id
    WHERE mine.learns = 1 AND other.intent = 'teach' AND other.user_id <> :me
    GROUP BY other.user_id
),
two_way AS (
    SELECT DISTINCT other.user_id
    FROM mine JOIN {user_skills} other ON other.skill_id = mine.skill_id
    WHERE mine.teaches = 1 AND other.intent = 'learn' AND other.user_id <> :me
),
scored AS (
    SELECT taught.user_id,
           taught.points * CASE WHEN two_way.user_id IS NULL THEN 1 ELSE 2 END AS points
    FROM taught
    LEFT JOIN two_way ON two_way.user_id = taught.user_id
    WHERE taught.user_id NOT IN (SELECT id FROM {users} WHERE NOT is_active)
)
"""

# ``scored`` is read twice, so both databases compute it once; counting beside the page (rather
# than COUNT(*) OVER ()) lets PostgreSQL keep only the page's rows in its sort.
_PAGE = """
SELECT user_id, points, (SELECT COUNT(*) FROM scored WHERE points > 0) AS total
FROM scored WHERE points > 0 ORDER BY points DESC, user_id LIMIT :limit OFFSET :offset
"""
_COUNT = "SELECT COUNT(*) FROM scored WHERE points > 0"


@dataclass(frozen=True)
class ListEntry:
    """One entry of a user's skill list, with its skill's name and category."""

    skill_id: int
    skill: str
    category: str
    intent: str
    rank: int


def ranking_query(
    match_type: MatchType, mine: Sequence[ListEntry], *, counting: bool = False
) -> TextClause | TextualSelect:
    """The SQL ranking every other active user for the caller, whose list is ``mine`` (or
    counting them), portable to SQLite and PostgreSQL. Parameters left to bind: ``me`` (the
    caller's id), and ``limit``/``offset`` to rank. ``mine`` must not be empty."""
    values, parameters = _mine(mine)
    if match_type is MatchType.SHARED:
        bonus, bonus_parameters = _category_bonus(mine)
        body = _SHARED.format(mine=values, bonus=bonus, **_TABLES)
        parameters |= bonus_parameters
    else:
        body = _TRADE.format(mine=values, **_TABLES)
    statement = text(body + (_COUNT if counting else _PAGE)).bindparams(
        bindparam("me", type_=Uuid), **parameters
    )
    return statement if counting else statement.columns(user_id=Uuid)


_MINE_COLUMNS = ("skill_id", "weight", "learns", "teaches", "bit")


def _mine(mine: Sequence[ListEntry]) -> tuple[str, dict[str, int]]:
    rows: list[str] = []
    parameters: dict[str, int] = {}
    for number, entry in enumerate(mine):
        values = (
            entry.skill_id,
            11 - entry.rank,
            int(entry.intent == Intent.LEARN),
            int(entry.intent == Intent.TEACH),
            1 << (entry.rank - 1),
        )
        names = [f"mine_{number}_{column}" for column in _MINE_COLUMNS]
        parameters |= dict(zip(names, values, strict=True))
        rows.append("(" + ", ".join(f":{name}" for name in names) + ")")
    return f"mine({', '.join(_MINE_COLUMNS)}) AS (VALUES {', '.join(rows)})", parameters


def _category_bonus(mine: Sequence[ListEntry]) -> tuple[str, dict[str, int]]:
    skills_by_category: dict[str, int] = {}
    for entry in mine:
        bit = 1 << (entry.rank - 1)
        skills_by_category[entry.category] = skills_by_category.get(entry.category, 0) | bit
    terms: list[str] = []
    parameters: dict[str, int] = {}
    for number, (category, skills) in enumerate(sorted(skills_by_category.items())):
        name = f"bonus_{number}"
        terms.append(_CATEGORY_TERM.format(name=name, bonus=CATEGORY_BONUS))
        parameters |= {f"{name}_category": category_bit(category), f"{name}_skills": skills}
    return " + ".join(terms), parameters


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

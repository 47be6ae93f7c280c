"""How matches are scored by :mod:`modules.matches.rule`: in SQL over every user (ranking),
in Python for one page (the reasons).

Written against the models and enums that the skills and users modules export, never their
column names.
"""

import uuid
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import CTE, ColumnElement, Integer, Select, case, column, func, select, values

from modules.matches.rule import (
    CATEGORY_BONUS,
    TWO_WAY_FACTOR,
    MatchType,
    Reason,
    ReasonKind,
    Teacher,
    pair_points,
    weight,
)
from modules.skills import Intent, SkillProfile, UserSkill, category_bit
from modules.users import inactive_user_ids


class ListEntry(NamedTuple):
    """One entry of a user's skill list, with its skill's name and category (a named tuple:
    pages build hundreds of them per request)."""

    skill_id: int
    skill: str
    category: str
    intent: str
    rank: int


def ranking_page(
    match_type: MatchType, mine: Sequence[ListEntry], *, me: uuid.UUID, limit: int, offset: int
) -> Select[uuid.UUID, int, int]:
    """One page of every other active user ranked for the caller ``me``, whose list is ``mine``
    (not empty): rows of ``(user_id, points, total)``, best first, ties by user id.

    Portable to SQLite and PostgreSQL. ``scored`` is read twice, so both databases compute it
    once; counting beside the page (rather than COUNT(*) OVER ()) lets PostgreSQL keep only the
    page's rows in its sort.
    """
    scored = _scored(match_type, mine, me)
    total = select(func.count()).select_from(scored).where(scored.c.points > 0)
    return (
        select(scored.c.user_id, scored.c.points, total.scalar_subquery().label("total"))
        .where(scored.c.points > 0)
        .order_by(scored.c.points.desc(), scored.c.user_id)
        .limit(limit)
        .offset(offset)
    )


def ranking_count(
    match_type: MatchType, mine: Sequence[ListEntry], *, me: uuid.UUID
) -> Select[int]:
    """How many users :func:`ranking_page` ranks in all."""
    scored = _scored(match_type, mine, me)
    return select(func.count()).select_from(scored).where(scored.c.points > 0)


def _scored(match_type: MatchType, mine: Sequence[ListEntry], me: uuid.UUID) -> CTE:
    if match_type is MatchType.SHARED:
        return _shared(mine, me)
    return _trade(mine, me)


def _mine(mine: Sequence[ListEntry]) -> CTE:
    """The caller's list as a table: each entry's skill, weight, whether it is learnt or taught,
    and a bit of its own (``1 << (rank - 1)``), so that ``SUM(bit)`` over a candidate's rows says
    exactly which of the caller's skills they list."""
    table = values(
        *(column(name, Integer) for name in ("skill_id", "weight", "learns", "teaches", "bit")),
        name="mine",
    )
    rows = [
        (
            entry.skill_id,
            weight(entry.rank),
            int(entry.intent == Intent.LEARN),
            int(entry.intent == Intent.TEACH),
            1 << (entry.rank - 1),
        )
        for entry in mine
    ]
    return table.data(rows).cte("mine")


def _active(user_id: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    # NOT IN over the few deactivated ids, a set PostgreSQL hashes once. (A NOT EXISTS per
    # candidate made it expect a few hundred candidates instead of tens of thousands, and so
    # probe the skill profiles with one index lookup per candidate: 30 % slower.)
    return user_id.not_in(inactive_user_ids())


def _shared(entries: Sequence[ListEntry], me: uuid.UUID) -> CTE:
    mine = _mine(entries)
    they_learn = case((UserSkill.intent == Intent.LEARN, 1), else_=0)
    same_side = case((mine.c.learns == they_learn, mine.c.weight * weight(UserSkill.rank)), else_=0)
    candidates = (
        select(
            UserSkill.user_id,
            func.sum(same_side).label("points"),
            func.sum(mine.c.bit).label("common"),
        )
        .select_from(mine)
        .join(UserSkill, UserSkill.skill_id == mine.c.skill_id)
        .where(UserSkill.user_id != me)
        .group_by(UserSkill.user_id)
        .cte("candidates")
    )
    bonus = _category_bonus(entries, candidates.c.common)
    return (
        select(candidates.c.user_id, (candidates.c.points + bonus).label("points"))
        .join(SkillProfile, SkillProfile.user_id == candidates.c.user_id)
        .where(_active(candidates.c.user_id))
        .cte("scored")
    )


def _category_bonus(entries: Sequence[ListEntry], common: ColumnElement[int]) -> ColumnElement[int]:
    """One term per category of the caller's: the bonus, if the candidate has something in that
    category (their profile) and lists none of the caller's skills in it (``common``)."""
    skills_by_category: dict[str, int] = {}
    for entry in entries:
        bit = 1 << (entry.rank - 1)
        skills_by_category[entry.category] = skills_by_category.get(entry.category, 0) | bit
    terms = [
        case(
            (
                (SkillProfile.category_mask.bitwise_and(category_bit(category)) != 0)
                & (common.bitwise_and(skills) == 0),
                CATEGORY_BONUS,
            ),
            else_=0,
        )
        for category, skills in sorted(skills_by_category.items())
    ]
    return sum(terms[1:], terms[0])


def _trade(entries: Sequence[ListEntry], me: uuid.UUID) -> CTE:
    mine = _mine(entries)
    taught = (
        select(UserSkill.user_id, func.sum(mine.c.weight * weight(UserSkill.rank)).label("points"))
        .select_from(mine)
        .join(UserSkill, UserSkill.skill_id == mine.c.skill_id)
        .where(mine.c.learns == 1, UserSkill.intent == Intent.TEACH, UserSkill.user_id != me)
        .group_by(UserSkill.user_id)
        .cte("taught")
    )
    two_way = (
        select(UserSkill.user_id)
        .distinct()
        .select_from(mine)
        .join(UserSkill, UserSkill.skill_id == mine.c.skill_id)
        .where(mine.c.teaches == 1, UserSkill.intent == Intent.LEARN, UserSkill.user_id != me)
        .cte("two_way")
    )
    doubled = case((two_way.c.user_id.is_(None), 1), else_=TWO_WAY_FACTOR)
    return (
        select(taught.c.user_id, (taught.c.points * doubled).label("points"))
        .outerjoin(two_way, two_way.c.user_id == taught.c.user_id)
        .where(_active(taught.c.user_id))
        .cte("scored")
    )


def explain(
    match_type: MatchType, mine: Sequence[ListEntry], theirs: Sequence[ListEntry]
) -> list[Reason]:
    """Every reason that adds to the score of ``theirs`` for the owner of ``mine``."""
    if match_type is MatchType.SHARED:
        return _shared_reasons(mine, theirs)
    return _trade_reasons(mine, theirs)


def _ranks(your_rank: int, their_rank: int) -> str:
    return f"(your #{your_rank}, their #{their_rank})"


def _points(your_rank: int, their_rank: int) -> float:
    return pair_points(your_rank, their_rank) / 100


def _shared_reasons(mine: Sequence[ListEntry], theirs: Sequence[ListEntry]) -> list[Reason]:
    reasons: list[Reason] = []
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
                Reason(
                    kind="same_category",
                    text=f"You both like {category} {_ranks(your_best, min(their_ranks))}",
                    skill=None,
                    category=category,
                    teacher=None,
                    your_rank=your_best,
                    their_rank=min(their_ranks),
                    points=CATEGORY_BONUS / 100,
                )
            )
    return reasons


def _trade_reasons(mine: Sequence[ListEntry], theirs: Sequence[ListEntry]) -> list[Reason]:
    """They-teach reasons carry the points, doubled in a two-way trade, so that the points of
    all reasons add up to the score; you-teach reasons say why the doubling, at 0 points."""
    theirs_by_skill = {entry.skill: entry for entry in theirs}
    pairs = [(mine, theirs_by_skill[mine.skill]) for mine in mine if mine.skill in theirs_by_skill]
    two_way = any(
        my_entry.intent == Intent.TEACH and their_entry.intent == Intent.LEARN
        for my_entry, their_entry in pairs
    )
    reasons: list[Reason] = []
    for my_entry, their_entry in pairs:
        if my_entry.intent == Intent.LEARN and their_entry.intent == Intent.TEACH:
            text = f"They teach {my_entry.skill}, which you want to learn"
            points = _points(my_entry.rank, their_entry.rank) * (TWO_WAY_FACTOR if two_way else 1)
            note = ", doubled by the two-way trade" if two_way else ""
            reasons.append(
                _reason(
                    "they_teach",
                    my_entry,
                    their_entry,
                    text=text,
                    teacher="them",
                    points=points,
                    note=note,
                )
            )
        if my_entry.intent == Intent.TEACH and their_entry.intent == Intent.LEARN:
            text = f"You teach {my_entry.skill}, which they want to learn"
            note = ": a two-way trade, which doubles the score"
            reasons.append(
                _reason(
                    "you_teach",
                    my_entry,
                    their_entry,
                    text=text,
                    teacher="you",
                    points=0,
                    note=note,
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
) -> Reason:
    """A reason about one skill both list; ``points`` defaults to :func:`pair_points`."""
    return Reason(
        kind=kind,
        text=f"{text} {_ranks(mine.rank, theirs.rank)}{note}",
        skill=mine.skill,
        category=mine.category,
        teacher=teacher,
        your_rank=mine.rank,
        their_rank=theirs.rank,
        points=_points(mine.rank, theirs.rank) if points is None else points,
    )

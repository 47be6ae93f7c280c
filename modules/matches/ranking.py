"""Ranking: who matches the caller, best first, with the reasons, from the live index or SQL."""

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import PageParams, Platform, hooks
from modules.matches.filtering import MatchFilter
from modules.matches.freshness import LiveIndex
from modules.matches.index import Ranked
from modules.matches.rule import MatchType
from modules.matches.schemas import Match, MatchReason
from modules.matches.scoring import ListEntry, explain, ranking_count, ranking_page
from modules.skills import Skill, UserSkill
from modules.users import UserPublic, hidden_from, users_by_id

_ALL = 2**31 - 1


def find_matches(
    db: Session,
    *,
    user_id: uuid.UUID,
    match_type: MatchType,
    page: PageParams,
    query: Mapping[str, str] | None = None,
    use_index: bool = True,
) -> tuple[list[Match], int]:
    """One page of the caller's matches, best first (ties by user id), and how many in all.

    Ranked by this worker's index once it is ready (synced with every change committed so far),
    which also holds the caller's list and the page's, else in SQL over every user; only the
    page's users are loaded. The people hidden from the
    caller (the users module's ``users_hidden_from``) are never ranked; other modules narrow the
    ranking (``matches_filter``) and add fields to the page (``matches_annotate``).

    :param query: the request's query parameters, for those extension points.
    :param use_index: ``False`` ranks in SQL even when the index is ready (the reference).
    """
    query = query or {}
    # The extension points are asked first, even for a caller with nothing to rank: they
    # validate their own query parameters (a within_km without a place is 422 either way).
    hidden = MatchFilter(hidden=hidden_from(db, user_id))
    filters = [hidden, *hooks(db).matches_filter(db=db, user_id=user_id, query=query)]
    index: LiveIndex | None = Platform.of(db).find_state(LiveIndex)
    snapshot = index.fresh_snapshot(db) if index is not None and use_index else None
    lists = snapshot.lists_of if snapshot is not None else partial(lists_of, db)
    mine = lists([user_id])[user_id]
    if not mine:
        return [], 0
    allowed = MatchFilter.combined(filters)
    if snapshot is not None:
        ranked = snapshot.rank(
            match_type, mine, me=user_id, limit=page.limit, offset=page.offset, allowed=allowed
        )
    else:
        ranked = rank_in_sql(db, match_type, mine, me=user_id, page=page, allowed=allowed)
    matches = _explained(db, match_type, mine, ranked.page, lists)
    extra_fields = _annotations(db, user_id, matches, query)
    annotated = [
        match.model_copy(update=dict(extra_fields.get(match.user.id, {}))) for match in matches
    ]
    return annotated, ranked.total


def rank_in_sql(
    db: Session,
    match_type: MatchType,
    mine: Sequence[ListEntry],
    *,
    me: uuid.UUID,
    page: PageParams,
    allowed: MatchFilter | None = None,
) -> Ranked:
    """The reference ranking, in the database over every user. With a filter, the whole
    ranking is read and filtered here: the reference is for correctness, not speed."""
    if allowed is not None:
        everyone = rank_in_sql(db, match_type, mine, me=me, page=PageParams(limit=_ALL, offset=0))
        kept = [(user, points) for user, points in everyone.page if allowed.allows(user)]
        return Ranked(page=kept[page.offset : page.offset + page.limit], total=len(kept))
    ranking = ranking_page(match_type, mine, me=me, limit=page.limit, offset=page.offset)
    rows = db.execute(ranking).all()
    if rows:
        total = int(rows[0].total)
    elif page.offset:
        total = int(db.scalar(ranking_count(match_type, mine, me=me)) or 0)
    else:
        total = 0
    return Ranked(page=[(row.user_id, int(row.points)) for row in rows], total=total)


def _explained(
    db: Session,
    match_type: MatchType,
    mine: Sequence[ListEntry],
    page: Sequence[tuple[uuid.UUID, int]],
    lists_of_page: Callable[[list[uuid.UUID]], dict[uuid.UUID, list[ListEntry]]],
) -> list[Match]:
    ids = [user for user, _ in page]
    users = users_by_id(db, ids)
    lists = lists_of_page(ids)
    return [
        Match(
            user=UserPublic.model_validate(users[user]),
            score=points / 100,
            type=match_type,
            reasons=[
                MatchReason(**reason._asdict()) for reason in explain(match_type, mine, lists[user])
            ],
        )
        for user, points in page
    ]


def _annotations(
    db: Session, user_id: uuid.UUID, matches: list[Match], query: Mapping[str, str]
) -> dict[uuid.UUID, dict[str, object]]:
    fields: dict[uuid.UUID, dict[str, object]] = defaultdict(dict)
    for answer in hooks(db).matches_annotate(db=db, user_id=user_id, matches=matches, query=query):
        for other, values in (answer or {}).items():
            fields[other].update(values)
    return fields


def lists_of(db: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ListEntry]]:
    """The skill lists of these users, by user id, each in rank order (empty when none).

    Read through the Core connection: a ranking in SQL reads the caller's list and the page's.
    """
    rows = db.connection().execute(
        select(
            UserSkill.user_id,
            UserSkill.skill_id,
            Skill.name,
            Skill.category,
            UserSkill.intent,
            UserSkill.rank,
        )
        .join(Skill, Skill.id == UserSkill.skill_id)
        .where(UserSkill.user_id.in_(user_ids))
        .order_by(UserSkill.user_id, UserSkill.rank)
    )
    lists: dict[uuid.UUID, list[ListEntry]] = defaultdict(list)
    for user_id, skill_id, name, category, intent, rank in rows:
        lists[user_id].append(ListEntry(skill_id, name, category, intent, rank))
    return lists

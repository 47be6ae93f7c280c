"""The matching index: every user's skill list in memory, ranked with numpy, kept fresh from the
change log.

A :class:`Snapshot` is built from the database (in a background thread at start-up, and again
when the users changed since then grow many): per ``(skill, intent)`` the users listing it and
their rank weights, per user a category mask, an active flag and the list itself (which a
ranking reads for the caller and for its page's reasons, with no query), and the names and
categories of the skills listed (the catalog never changes a skill). Users changed since the build
are kept beside it as :class:`Override` s, re-read from the database whenever the change log
names them. Snapshots never change once built: a ranking reads one while the next is made.

Scores follow :mod:`modules.matches.rule`, as the SQL reference
(:mod:`modules.matches.scoring`) does, to the point, in hundredths.
"""

import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import BigInteger, Integer, SmallInteger, case, cast, select
from sqlalchemy.orm import Session

from modules.matches.bulk_read import read_columns
from modules.matches.filtering import MatchFilter
from modules.matches.rule import CATEGORY_BONUS, TWO_WAY_FACTOR, MatchType, pair_points, weight
from modules.matches.scoring import ListEntry
from modules.skills import (
    MAX_SKILLS_PER_USER,
    Intent,
    Skill,
    SkillProfile,
    UserSkill,
    category_bit,
)
from modules.users import User, inactive_user_ids, is_active_user

INTENT_CODES: dict[str, int] = {Intent.SHARE: 0, Intent.TEACH: 1, Intent.LEARN: 2}
_LEARN = INTENT_CODES[Intent.LEARN]
_SHARE = INTENT_CODES[Intent.SHARE]
_TEACH = INTENT_CODES[Intent.TEACH]
_EMPTY = np.zeros(0, dtype=np.int32)
_INTENT_CODES_BY_NAME = {str(intent): code for intent, code in INTENT_CODES.items()}
_INTENT_NAMES = {code: str(intent) for intent, code in INTENT_CODES.items()}
# A shared ranking sums, per user, the points of the skills on the same side below this bit
# (at most every skill at the highest weight), and marks the caller's ranks they list above it.
_COMMON_SHIFT = (MAX_SKILLS_PER_USER * weight(1) ** 2).bit_length()
_SAME_SIDE_POINTS = (1 << _COMMON_SHIFT) - 1
# One row in this many is read to guess where a ranking's best rows end.
_SAMPLE_STRIDE = 64
# How many rankings' arrays a snapshot keeps for the next (about 20 MB each at a million users).
KEPT_WORKSPACES = 4

Listed = tuple[int, int, int]  # skill id, intent code, rank
Positions = npt.NDArray[np.int32]  # users, by their place in a snapshot
Points = npt.NDArray[np.int64]  # scores in hundredths
UserPoints = npt.NDArray[np.int32]  # every user's score, by position (0: no match)
SkillNames = Mapping[int, tuple[str, str]]  # skill id: its name and category


@dataclass(frozen=True)
class Override:
    """A user changed since the snapshot was built, as the database says now."""

    exists: bool
    active: bool
    category_mask: int
    entries: tuple[Listed, ...]


@dataclass(frozen=True)
class Ranked:
    """One page of a ranking: ``(user id, points in hundredths)``, best first, and the total."""

    page: list[tuple[uuid.UUID, int]]
    total: int


class Workspace:
    """The arrays of every user that one ranking computes in.

    Kept from one ranking to the next: an array of a million users freshly allocated is
    mapped anew, a page fault per 4 KiB (about a millisecond for each array), and a ranking
    fills five.
    """

    def __init__(self, user_count: int) -> None:
        self.user_count = user_count
        # The ranking's points (shared fills them with its scatter's bits first).
        self.points: UserPoints = np.empty(user_count, dtype=np.int32)
        # What multiplies or adds to them: trade's two-way factors, shared's category bonus.
        self.factors: UserPoints = np.empty(user_count, dtype=np.int32)
        # Shared's bonus on the way: the caller's ranks each user lists, the categories that
        # earn it, how many.
        self.ranks: npt.NDArray[np.intp] = np.empty(user_count, dtype=np.intp)
        self.categories: npt.NDArray[np.int16] = np.empty(user_count, dtype=np.int16)
        self.counts: npt.NDArray[np.uint8] = np.empty(user_count, dtype=np.uint8)
        # Who reaches the page's guessed boundary.
        self.flags: npt.NDArray[np.bool_] = np.empty(user_count, dtype=np.bool_)


class Workspaces:
    """The workspaces that rankings return, lent again to the next rankings (at most
    :data:`KEPT_WORKSPACES` kept; more rankings at once make their own)."""

    def __init__(self) -> None:
        self._kept: list[Workspace] = []
        self._lock = threading.Lock()

    @contextmanager
    def borrowed(self, user_count: int) -> Iterator[Workspace]:
        """A workspace for ``user_count`` users, this thread's alone until the block ends."""
        with self._lock:
            kept = [work for work in self._kept if work.user_count == user_count]
            work = kept.pop() if kept else Workspace(user_count)
            self._kept = kept
        try:
            yield work
        finally:
            with self._lock:
                if len(self._kept) < KEPT_WORKSPACES:
                    self._kept.append(work)


@dataclass(frozen=True)
class Snapshot:
    """Every user's list as of one moment, plus the users changed since (``overrides``)."""

    # Users are kept in the order both databases give UUIDs (by their 16 bytes): position i is
    # the user whose id is (high[i] << 64) | low[i], and positions break ties by user id.
    # No Python object per user: at a million users that would double the memory.
    high: npt.NDArray[np.uint64]
    low: npt.NDArray[np.uint64]
    active: npt.NDArray[np.bool_]
    # The categories' bits: the catalog's 11 fixed categories fit 16, which keeps the
    # bonus's passes over every user short.
    category_masks: npt.NDArray[np.int16]
    posting_users: npt.NDArray[np.int32]
    posting_weights: npt.NDArray[np.int32]
    spans: dict[tuple[int, int], tuple[int, int]]
    # Every user's list, in rank order: the user at position i has the entries
    # list_starts[i] to list_starts[i + 1] of the three columns.
    list_starts: npt.NDArray[np.int64]
    list_skills: npt.NDArray[np.int32]
    list_intents: npt.NDArray[np.int8]
    list_ranks: npt.NDArray[np.int8]
    skills: SkillNames
    overrides: Mapping[uuid.UUID, Override] = field(default_factory=dict)
    overridden: npt.NDArray[np.int32] = field(default_factory=lambda: _EMPTY)
    # Shared with the snapshots made from this one by ``with_overrides``.
    workspaces: Workspaces = field(default_factory=Workspaces, compare=False, repr=False)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays, the id list and the maps, roughly, in bytes."""
        arrays = (
            self.high,
            self.low,
            self.active,
            self.category_masks,
            self.posting_users,
            self.posting_weights,
            self.list_starts,
            self.list_skills,
            self.list_intents,
            self.list_ranks,
        )
        # A dict entry with its key and value: about 100 to 200 bytes each in CPython.
        maps = 100 * len(self.spans) + 200 * len(self.skills)
        return sum(array.nbytes for array in arrays) + maps

    @property
    def user_count(self) -> int:
        """How many users the snapshot was built with."""
        return len(self.high)

    def position_of(self, user: uuid.UUID) -> int | None:
        """Where ``user`` is in the snapshot, or ``None``."""
        high, low = _halves(user)
        # As a uint64: a Python int makes searchsorted convert every id first (0.6 ms a
        # lookup at a million users).
        at = int(np.searchsorted(self.high, np.uint64(high)))
        while at < len(self.high) and self.high[at] == high:
            if self.low[at] == low:
                return at
            at += 1
        return None

    def user_at(self, position: int) -> uuid.UUID:
        """The id of the user at ``position``."""
        return uuid.UUID(int=(int(self.high[position]) << 64) | int(self.low[position]))

    @property
    def posting_count(self) -> int:
        """How many ``(user, skill)`` entries the snapshot holds."""
        return len(self.posting_users)

    def with_overrides(
        self, changed: Mapping[uuid.UUID, Override], skills: SkillNames
    ) -> "Snapshot":
        """A snapshot whose ``changed`` users are read from ``changed`` from now on, and which
        knows the ``skills`` they list that it did not."""
        overrides = {**self.overrides, **changed}
        overridden = np.array(sorted(self._positions_of(overrides)), dtype=np.int32)
        known = {**self.skills, **skills} if skills else self.skills
        return replace(self, overrides=overrides, overridden=overridden, skills=known)

    def unknown_skills(self, changed: Mapping[uuid.UUID, Override]) -> set[int]:
        """The skills that ``changed`` users list and this snapshot has no name for."""
        listed = {skill for override in changed.values() for skill, _, _ in override.entries}
        return listed - self.skills.keys()

    def lists_of(self, users: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[ListEntry]]:
        """The skill lists of these users, by user id, each in rank order (empty when none),
        as the database has them as of the last sync: what :func:`~modules.matches.ranking
        .lists_of` reads, with no query."""
        return {user: [self._entry(*listed) for listed in self._listed(user)] for user in users}

    def _listed(self, user: uuid.UUID) -> Sequence[Listed]:
        override = self.overrides.get(user)
        if override is not None:
            return sorted(override.entries, key=lambda listed: listed[2])
        position = self.position_of(user)
        if position is None:
            return ()
        start, stop = self.list_starts[position], self.list_starts[position + 1]
        return list(
            zip(
                self.list_skills[start:stop].tolist(),
                self.list_intents[start:stop].tolist(),
                self.list_ranks[start:stop].tolist(),
                strict=True,
            )
        )

    def _entry(self, skill_id: int, intent: int, rank: int) -> ListEntry:
        name, category = self.skills[skill_id]
        return ListEntry(skill_id, name, category, _INTENT_NAMES[intent], rank)

    def rank(
        self,
        match_type: MatchType,
        mine: Sequence[ListEntry],
        *,
        me: uuid.UUID,
        limit: int,
        offset: int,
        allowed: MatchFilter | None = None,
    ) -> Ranked:
        """One page of every other active user ranked for ``me``, whose list is ``mine``, of
        those that ``allowed`` lets through."""
        with self.workspaces.borrowed(self.user_count) as work:
            if match_type is MatchType.SHARED:
                points = self._shared(mine, work)
            else:
                points = self._trade(mine, work)
            left_out = [me, *(allowed.hidden if allowed else ())]
            points[self.inactive_positions] = 0
            points[[*self.overridden, *self._positions_of(left_out)]] = 0
            if allowed is not None and allowed.only is not None:
                only = self._positions_of(allowed.only)
                kept = points[only]
                points[:] = 0
                points[only] = kept
            top, total = _best_rows(points, offset + limit, work.flags)
            top_points = points[top].astype(np.int64)
        extra = [
            (user, score)
            for user, score in self._override_points(match_type, mine)
            if user != me and (allowed is None or allowed.allows(user))
        ]
        return self._page(
            top, top_points, extra, total=total + len(extra), limit=limit, offset=offset
        )

    @cached_property
    def inactive_positions(self) -> npt.NDArray[np.intp]:
        """Where the deactivated accounts are (the snapshot is final once shared)."""
        return np.flatnonzero(~self.active)

    def _positions_of(self, users: Iterable[uuid.UUID]) -> list[int]:
        found = (self.position_of(user) for user in users)
        return [position for position in found if position is not None]

    def _shared(self, mine: Sequence[ListEntry], work: Workspace) -> UserPoints:
        # Every user's points, 0 for those who list none of the caller's skills, from one
        # scatter per skill into one array of every user: the low bits sum the points of the
        # skills listed on the same side, the high bits mark which of the caller's ranks the
        # user lists at all. Each user lists a skill once: within one skill's postings (its
        # intents side by side, sorted by skill, then intent) no position comes twice, so the
        # scatter is exact, and costs one pass over those postings alone.
        found = work.points
        found.fill(0)
        for entry in mine:
            start, stop = self._skill_span(entry.skill_id, INTENT_CODES.values())
            listed = np.full(stop - start, 1 << (_COMMON_SHIFT + entry.rank - 1), dtype=np.int32)
            sides = [_LEARN] if entry.intent == Intent.LEARN else [_SHARE, _TEACH]
            side_start, side_stop = self._skill_span(entry.skill_id, sides)
            listed[side_start - start : side_stop - start] += self.posting_weights[
                side_start:side_stop
            ] * np.int32(weight(entry.rank))
            # ufunc.at: 6.0 ms a ranking at a million users against 7.9 for
            # ``found[users] += listed``, which converts the positions to intp twice. (In
            # ``_trade``'s spans of one intent it measured slower; they keep indexing.)
            np.add.at(found, self.posting_users[start:stop], listed)
        # The category bonus: one for each of the caller's categories that the user's profile
        # has and that none of the skills in common is in.
        ranks_listed = np.right_shift(found, _COMMON_SHIFT, out=work.ranks)
        missing = np.take(_open_categories(mine), ranks_listed, out=work.categories, mode="clip")
        np.bitwise_and(missing, self.category_masks, out=missing)
        bonus = np.multiply(
            np.bitwise_count(missing, out=work.counts), np.int32(CATEGORY_BONUS), out=work.factors
        )
        points = np.bitwise_and(found, np.int32(_SAME_SIDE_POINTS), out=found)
        points += bonus
        return points

    def _skill_span(self, skill_id: int, intents: Iterable[int]) -> tuple[int, int]:
        """Where the postings of ``skill_id`` with these (adjacent) intents lie."""
        spans = [
            self.spans[key]
            for key in ((skill_id, intent) for intent in intents)
            if key in self.spans
        ]
        if not spans:
            return 0, 0
        return min(start for start, _ in spans), max(stop for _, stop in spans)

    def _trade(self, mine: Sequence[ListEntry], work: Workspace) -> UserPoints:
        # Every user's points, 0 for those who teach nothing the caller learns.
        taught, factors = work.points, work.factors
        taught.fill(0)
        factors.fill(1)
        for entry in mine:
            if entry.intent == Intent.LEARN:
                start, stop = self._skill_span(entry.skill_id, [_TEACH])
                taught[self.posting_users[start:stop]] += self.posting_weights[start:stop] * weight(
                    entry.rank
                )
            elif entry.intent == Intent.TEACH:
                start, stop = self._skill_span(entry.skill_id, [_LEARN])
                factors[self.posting_users[start:stop]] = TWO_WAY_FACTOR
        return np.multiply(taught, factors, out=taught)

    def _override_points(
        self, match_type: MatchType, mine: Sequence[ListEntry]
    ) -> list[tuple[uuid.UUID, int]]:
        scored = []
        for user, override in self.overrides.items():
            if not (override.exists and override.active):
                continue
            if match_type is MatchType.SHARED:
                points = shared_points(mine, override.entries, override.category_mask)
            else:
                points = trade_points(mine, override.entries)
            if points > 0:
                scored.append((user, points))
        return scored

    def _page(
        self,
        positions: npt.NDArray[np.intp],
        points: Points,
        extra: Sequence[tuple[uuid.UUID, int]],
        *,
        total: int,
        limit: int,
        offset: int,
    ) -> Ranked:
        """The page from the best snapshot rows (``positions``, ``points``) and the users
        changed since (``extra``), of ``total`` users with points."""
        all_points = np.concatenate([points, np.array([p for _, p in extra], dtype=np.int64)])
        # Ties go by user id. Snapshot positions are in id order, so a position is its own
        # key; a user changed since the build sorts just before the first position whose id is
        # larger (2 * position + 1 against 2 * insertion point), and such users among
        # themselves by id (the second key).
        extra_keys = np.array([2 * self._insertion_point(user) for user, _ in extra], np.int64)
        by_id = sorted(range(len(extra)), key=lambda at: extra[at][0].int)
        extra_order = np.empty(len(extra), dtype=np.int64)
        extra_order[by_id] = np.arange(len(extra))

        def tie_keys(chosen: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.int64], ...]:
            from_snapshot = chosen < len(positions)
            first = np.empty(len(chosen), dtype=np.int64)
            second = np.zeros(len(chosen), dtype=np.int64)
            first[from_snapshot] = 2 * positions[chosen[from_snapshot]].astype(np.int64) + 1
            changed = chosen[~from_snapshot] - len(positions)
            first[~from_snapshot] = extra_keys[changed]
            second[~from_snapshot] = extra_order[changed]
            return first, second

        chosen = best(all_points, tie_keys, limit=limit, offset=offset)
        page = [
            (
                self.user_at(int(positions[at]))
                if at < len(positions)
                else extra[at - len(positions)][0],
                int(all_points[at]),
            )
            for at in chosen
        ]
        return Ranked(page=page, total=total)

    def _insertion_point(self, user: uuid.UUID) -> int:
        """How many snapshot users have a smaller id than ``user``."""
        high, low = _halves(user)
        at = int(np.searchsorted(self.high, np.uint64(high)))
        while at < len(self.high) and self.high[at] == high and self.low[at] < low:
            at += 1
        return at


def _best_rows(
    points: UserPoints, wanted: int, flags: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.intp], int]:
    """Where the ``wanted`` best rows of ``points`` (small integers, 0 for no match) lie,
    with every row tied with the last of them, and how many rows have points.

    A strided sample guesses a value that at least ``wanted`` rows reach; one pass keeps the
    rows that reach it, and the exact boundary is counted among those alone. (When the guess
    keeps too few, every row is counted.) ``flags`` is room for a flag per row.
    """
    total = int(np.count_nonzero(points))
    if total <= wanted:
        return np.flatnonzero(points), total
    kept = np.flatnonzero(np.greater_equal(points, _guessed_boundary(points, wanted), out=flags))
    if len(kept) < wanted:
        kept = np.flatnonzero(points)
    kept_points = points[kept]
    rows_with = np.bincount(kept_points)
    at_least = np.cumsum(rows_with[::-1])[::-1]  # at_least[v]: the rows with v points or more
    boundary = int(np.flatnonzero(at_least >= wanted)[-1])
    return kept[kept_points >= boundary], total


def _guessed_boundary(points: UserPoints, wanted: int) -> int:
    """A value that about twice ``wanted`` rows of ``points`` reach, read from a strided
    sample (1 when the sample is too small to say)."""
    sample = points[::_SAMPLE_STRIDE]
    place = 2 * -(-wanted // _SAMPLE_STRIDE)  # twice the sample's share of ``wanted``
    if place >= len(sample):
        return 1
    return max(int(-np.partition(-sample, place)[place]), 1)


def best(
    points: Points,
    tie_keys: Callable[[npt.NDArray[np.intp]], tuple[npt.NDArray[np.int64], ...]],
    *,
    limit: int,
    offset: int,
) -> npt.NDArray[np.intp]:
    """Where the page ``[offset, offset + limit)`` of the best points lies, ties broken by
    ``tie_keys`` of the rows (their first key, then the next; smaller first).

    Only the rows at least as good as the last one wanted are sorted (``partition`` finds that
    boundary first), every tie of the boundary included; only they get their keys.
    """
    wanted = min(offset + limit, len(points))
    if wanted == 0:
        return np.zeros(0, dtype=np.intp)
    chosen = np.arange(len(points))
    if wanted < len(points):
        boundary = -np.partition(-points, wanted - 1)[wanted - 1]
        chosen = np.flatnonzero(points >= boundary)
    order = np.lexsort((*reversed(tie_keys(chosen)), -points[chosen]))
    return chosen[order][offset : offset + limit]


def shared_points(mine: Sequence[ListEntry], theirs: Sequence[Listed], their_mask: int) -> int:
    """The shared score of one candidate, in hundredths (0 when they list none of mine)."""
    theirs_by_skill = {skill: (intent, rank) for skill, intent, rank in theirs}
    points, common = 0, 0
    for entry in mine:
        if entry.skill_id not in theirs_by_skill:
            continue
        intent, rank = theirs_by_skill[entry.skill_id]
        common |= 1 << (entry.rank - 1)
        if (entry.intent == Intent.LEARN) == (intent == _LEARN):
            points += pair_points(entry.rank, rank)
    if not common:
        return 0
    for category, skills in _skills_by_category(mine).items():
        if their_mask & category_bit(category) and not common & skills:
            points += CATEGORY_BONUS
    return points


def trade_points(mine: Sequence[ListEntry], theirs: Sequence[Listed]) -> int:
    """The trade score of one candidate, in hundredths."""
    theirs_by_skill = {skill: (intent, rank) for skill, intent, rank in theirs}
    taught, two_way = 0, False
    for entry in mine:
        intent, rank = theirs_by_skill.get(entry.skill_id, (-1, 0))
        if entry.intent == Intent.LEARN and intent == _TEACH:
            taught += pair_points(entry.rank, rank)
        two_way |= entry.intent == Intent.TEACH and intent == _LEARN
    return taught * TWO_WAY_FACTOR if two_way else taught


def build_snapshot(db: Session) -> Snapshot:
    """Read every list, profile and inactive account into a new snapshot.

    Rows come as columns in batches, ordered by user id (on PostgreSQL from a binary
    ``COPY``: ``bulk_read``), and each batch is turned into arrays at once: at a million users,
    per-row Python work would be most of a build.
    """
    listed = select(
        UserSkill.user_id,
        cast(UserSkill.skill_id, Integer),
        cast(case(_INTENT_CODES_BY_NAME, value=UserSkill.intent, else_=-1), SmallInteger),
        cast(UserSkill.rank, SmallInteger),
    ).order_by(UserSkill.user_id)
    parts: dict[str, list[npt.NDArray[Any]]] = defaultdict(list)
    previous: tuple[int, int] | None = None
    users = 0
    for batch in read_columns(db, listed, [("skill", 4), ("intent", 2), ("rank", 2)]):
        high, low = batch["high"], batch["low"]
        new_user = np.empty(len(high), dtype=np.bool_)
        new_user[0] = (int(high[0]), int(low[0])) != previous
        new_user[1:] = (high[1:] != high[:-1]) | (low[1:] != low[:-1])
        previous = int(high[-1]), int(low[-1])
        parts["high"].append(high[new_user])
        parts["low"].append(low[new_user])
        parts["user"].append((users + np.cumsum(new_user) - 1).astype(np.int32))
        users += int(np.count_nonzero(new_user))
        parts["skill"].append(batch["skill"].astype(np.int64))
        parts["intent"].append(batch["intent"].astype(np.int64))
        parts["rank"].append(batch["rank"].astype(np.int8))
        parts["weight"].append(weight(batch["rank"].astype(np.int32)))
    return _assemble(db, {name: _joined(part) for name, part in parts.items()})


def _joined(parts: list[npt.NDArray[Any]]) -> npt.NDArray[Any]:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _assemble(db: Session, columns: dict[str, npt.NDArray[Any]]) -> Snapshot:
    high = columns.get("high", np.zeros(0, dtype=np.uint64)).astype(np.uint64)
    low = columns.get("low", np.zeros(0, dtype=np.uint64)).astype(np.uint64)
    users = columns.get("user", _EMPTY).astype(np.int32)
    skills = columns.get("skill", _EMPTY).astype(np.int64)
    intents = columns.get("intent", _EMPTY).astype(np.int64)
    ranks = columns.get("rank", _EMPTY).astype(np.int8)
    # Rows come by user: sorting by rank within each user gives every list in rank order.
    by_list = np.lexsort((ranks, users))
    list_starts = np.zeros(len(high) + 1, dtype=np.int64)
    np.cumsum(np.bincount(users, minlength=len(high)), out=list_starts[1:])
    order = np.lexsort((users, intents, skills))
    keys = skills[order] * 4 + intents[order]
    # Where each (skill, intent) run starts in the sorted postings, and where it stops.
    starts: list[int] = np.flatnonzero(np.diff(keys, prepend=-1)).tolist()
    stops = [*starts[1:], len(keys)] if starts else []
    spans = {
        divmod(int(keys[start]), 4): (start, stop)
        for start, stop in zip(starts, stops, strict=True)
    }
    snapshot = Snapshot(
        high=high,
        low=low,
        active=np.ones(len(high), dtype=np.bool_),
        category_masks=np.zeros(len(high), dtype=np.int16),
        posting_users=users[order],
        posting_weights=columns.get("weight", _EMPTY).astype(np.int32)[order],
        spans=spans,
        list_starts=list_starts,
        list_skills=skills[by_list].astype(np.int32),
        list_intents=intents[by_list].astype(np.int8),
        list_ranks=ranks[by_list],
        skills=read_skill_names(db),
    )
    _read_flags_and_masks(db, snapshot)
    return snapshot


def _read_flags_and_masks(db: Session, snapshot: Snapshot) -> None:
    """Fill in (while the snapshot is still private to its build) who is inactive, and each
    user's category mask."""
    for user_id in db.scalars(inactive_user_ids()):
        position = snapshot.position_of(user_id)
        if position is not None:
            snapshot.active[position] = False
    profiles = select(SkillProfile.user_id, cast(SkillProfile.category_mask, BigInteger))
    for batch in read_columns(db, profiles, [("mask", 8)]):
        high, low, masks = batch["high"], batch["low"], batch["mask"]
        at = np.minimum(np.searchsorted(snapshot.high, high), max(snapshot.user_count - 1, 0))
        if snapshot.user_count:
            found = (snapshot.high[at] == high) & (snapshot.low[at] == low)
            snapshot.category_masks[at[found]] = masks[found]


def read_overrides(db: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Override]:
    """The current state of these users, as overrides of a snapshot."""
    wanted = list(user_ids)
    accounts = dict(
        db.execute(select(User.id, is_active_user(User.id)).where(User.id.in_(wanted))).all()
    )
    masks = dict(
        db.execute(
            select(SkillProfile.user_id, SkillProfile.category_mask).where(
                SkillProfile.user_id.in_(wanted)
            )
        ).all()
    )
    entries: dict[uuid.UUID, list[Listed]] = defaultdict(list)
    for user_id, skill_id, intent, rank in db.execute(
        select(UserSkill.user_id, UserSkill.skill_id, UserSkill.intent, UserSkill.rank).where(
            UserSkill.user_id.in_(wanted)
        )
    ):
        entries[user_id].append((skill_id, INTENT_CODES[Intent(intent)], rank))
    return {
        user: Override(
            exists=user in accounts,
            active=bool(accounts.get(user, False)),
            category_mask=int(masks.get(user, 0)),
            entries=tuple(entries.get(user, ())),
        )
        for user in wanted
    }


def read_skill_names(
    db: Session, skill_ids: Iterable[int] | None = None
) -> dict[int, tuple[str, str]]:
    """The names and categories of these skills (of every skill, by default), by id."""
    named = select(Skill.id, Skill.name, Skill.category)
    if skill_ids is not None:
        named = named.where(Skill.id.in_(list(skill_ids)))
    return {skill_id: (name, category) for skill_id, name, category in db.execute(named)}


def _open_categories(mine: Sequence[ListEntry]) -> npt.NDArray[np.int16]:
    """For every set of the caller's ranks (as bits), the caller's categories that none of
    those ranks' skills is in: those that still earn a bonus."""
    in_common = np.zeros(1 << MAX_SKILLS_PER_USER, dtype=np.int16)
    for entry in mine:
        with_rank = np.flatnonzero(np.arange(len(in_common)) & 1 << (entry.rank - 1))
        in_common[with_rank] |= category_bit(entry.category)
    open_categories: npt.NDArray[np.int16] = in_common[-1] & ~in_common
    # Someone with none of the caller's skills is no candidate: no bonus.
    open_categories[0] = 0
    return open_categories


def _skills_by_category(mine: Sequence[ListEntry]) -> dict[str, int]:
    skills: dict[str, int] = {}
    for entry in mine:
        skills[entry.category] = skills.get(entry.category, 0) | 1 << (entry.rank - 1)
    return skills


def _halves(user: uuid.UUID) -> tuple[int, int]:
    # Both databases order UUIDs by their 16 bytes: by these two halves, high first.
    return user.int >> 64, user.int & (2**64 - 1)

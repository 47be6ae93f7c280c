"""What another module may say about whom ``GET /matches`` ranks (the ``matches_filter``
extension point)."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MatchFilter:
    """People to leave out of a ranking (``hidden``), or the only people to rank (``only``)."""

    hidden: frozenset[uuid.UUID] = frozenset()
    only: frozenset[uuid.UUID] | None = None

    def allows(self, user_id: uuid.UUID) -> bool:
        """Whether ``user_id`` may be ranked."""
        return user_id not in self.hidden and (self.only is None or user_id in self.only)

    @staticmethod
    def combined(filters: Iterable["MatchFilter | None"]) -> "MatchFilter | None":
        """One filter doing what all of ``filters`` do; ``None`` when none filters anything
        (the people hidden from the caller make a filter for every caller, mostly empty: the
        SQL ranking then reads its page alone, instead of every candidate to filter them)."""
        given = [each for each in filters if each is not None]
        hidden = frozenset().union(*(each.hidden for each in given))
        limits = [each.only for each in given if each.only is not None]
        only = frozenset.intersection(*limits) if limits else None
        if not hidden and only is None:
            return None
        return MatchFilter(hidden=hidden, only=only)

"""The matching rule, written once: the kinds of match, the weights and the reasons' shape.

Three places compute scores from it: SQL over every user (:mod:`modules.matches.scoring`),
numpy over the in-memory index and plain Python for a changed user
(:mod:`modules.matches.index`); the reasons of a page are explained from it too. None of them
spells a weight of its own. Scores are integers in hundredths, so that SQLite, PostgreSQL and
the index rank and break ties identically.

A skill at rank ``r`` weighs ``weight(r) = (MAX_SKILLS_PER_USER + 1 - r)`` tenths.

- shared: a skill both list with ``share`` or ``teach`` counts ``weight(a) * weight(b)``; so
  does a skill both want to ``learn``. Each category in which both have skills, but no skill
  in common (whatever the intents), adds :data:`CATEGORY_BONUS`.
- trade: a skill the caller learns and the other teaches counts ``weight(a) * weight(b)``; if
  the other also learns something the caller teaches, the score is multiplied by
  :data:`TWO_WAY_FACTOR`.
"""

from enum import StrEnum
from typing import Any, Literal, NamedTuple, overload

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from modules.skills import MAX_SKILLS_PER_USER

# What a category in common, without a skill in common, adds: in hundredths.
CATEGORY_BONUS = 25
# What a two-way trade multiplies the score by.
TWO_WAY_FACTOR = 2


class MatchType(StrEnum):
    """``shared``: people who list the same skills; ``trade``: people who teach what you learn."""

    SHARED = "shared"
    TRADE = "trade"


ReasonKind = Literal["both_share", "both_learn", "same_category", "they_teach", "you_teach"]
Teacher = Literal["you", "them"]


class Reason(NamedTuple):
    """One thing that adds to a match's score; ``points`` in units (hundredths / 100)."""

    kind: ReasonKind
    text: str
    skill: str | None
    category: str
    teacher: Teacher | None
    your_rank: int
    their_rank: int
    points: float


@overload
def weight(rank: int) -> int: ...
@overload
def weight(rank: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]: ...
@overload
def weight(
    rank: ColumnElement[int] | InstrumentedAttribute[int],
) -> ColumnElement[int]: ...
def weight(rank: Any) -> Any:
    """A rank's weight in tenths: 10 for rank 1, down to 1 for the last rank; for a rank, an
    array of ranks or a SQL column of ranks alike."""
    return MAX_SKILLS_PER_USER + 1 - rank


def pair_points(my_rank: int, their_rank: int) -> int:
    """What one skill both list, at these ranks, adds: in hundredths."""
    return weight(my_rank) * weight(their_rank)

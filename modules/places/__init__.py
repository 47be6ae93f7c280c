"""Places: where people are, so that matches and "people nearby" can keep to a distance.

Requires users and matches, and uses only what their front doors export. Nobody ever sees
another person's coordinates, nor can work them out: only their city and a distance between
the centres of the cells of about 1 km that hold the two, rounded to the nearest kilometre (at
least 1 km); a place may be set a few times a day. ``GET /matches?within_km=N`` keeps people
within N km of the caller and adds ``distance_km`` to each match, through the matches module's
extension points (``matches_filter``, ``matches_annotate``); the people hidden from the
caller (blocks) never appear nearby. Its settings are ``HOBBYMATCH_PLACES_*``
(:class:`PlacesSettings`). Other modules that place things of their own (a meetup) measure
them as people are measured, through what this front door exports:

- ``km_from(db, user_id=, latitude=, longitude=)``: how far a point is from ``user_id``, as
  shown (whole km between the two cells of about 1 km, at least 1), or ``None`` when they
  have no place: never show anyone more of a point than this and a city.
- ``checked_within_km(db, value)``: a ``within_km`` query value as a whole number of km, or
  :class:`WithinKmError` (422) outside 1 to ``HOBBYMATCH_PLACES_MAX_WITHIN_KM``.
"""

import uuid
from collections.abc import Iterator, Mapping, Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session

from core import Base, ModuleInfo, hookimpl
from modules.matches import Match, MatchFilter
from modules.places import service
from modules.places.demo import seed_demo_places
from modules.places.exceptions import WithinKmError
from modules.places.models import Place, PlaceChange
from modules.places.service import checked_within_km, km_from
from modules.places.settings import PlacesSettings

MODULE_INFO = ModuleInfo(
    name="places", version="0.1.0", requires=("users", "matches"), settings=PlacesSettings
)

__all__ = ["MODULE_INFO", "WithinKmError", "checked_within_km", "km_from"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Each person's place, and when they set it."""
    return [Place, PlaceChange]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/users/me/place`` and ``/users/nearby``."""
    from modules.places.router import router

    return [router]


@hookimpl
def matches_filter(db: Session, user_id: uuid.UUID, query: Mapping[str, str]) -> MatchFilter | None:
    """``?within_km=N``: rank only the people within N km of the caller (422 without a place
    of one's own, or for a bad N)."""
    if "within_km" not in query:
        return None
    km = service.checked_within_km(db, query["within_km"])
    near = service.people_within(db, user_id=user_id, km=km)
    return MatchFilter(only=frozenset(each.user_id for each in near))


@hookimpl
def matches_annotate(
    db: Session, user_id: uuid.UUID, matches: Sequence[Match]
) -> Mapping[uuid.UUID, Mapping[str, object]]:
    """``distance_km`` on each match when both have a place."""
    distances = service.distances_to(db, user_id=user_id, others=[m.user.id for m in matches])
    return {other: {"distance_km": km} for other, km in distances.items()}


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Places for four demo users in five, around a few real cities."""
    return seed_demo_places(db, count=count, seed=seed)

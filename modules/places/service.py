"""The places module's rules: plain functions that take a session, never HTTP."""

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from core import PageParams, Platform, serialize_on, upsert, utc_now
from modules.places.distance import CELL_KM, Cell, box_around, shown_km
from modules.places.exceptions import (
    NoPlaceError,
    PlaceNeededError,
    TooManyPlaceChangesError,
    WithinKmError,
)
from modules.places.models import Place, PlaceChange
from modules.places.schemas import PlaceIn
from modules.places.settings import PlacesSettings
from modules.users import User, hidden_from, is_active_user, users_by_id

CHANGE_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Near:
    """Someone within reach: who, their city, and their distance as shown (whole km between
    the two people's cells, at least 1)."""

    user_id: uuid.UUID
    city: str | None
    distance_km: int


def set_place(db: Session, *, user_id: uuid.UUID, place: PlaceIn) -> Place:
    """Set (or move) ``user_id``'s place, in one statement (``INSERT ... ON CONFLICT``).

    Counted against ``HOBBYMATCH_PLACES_CHANGES_PER_DAY``, so that nobody walks their own place
    across the map to measure others by the distances they see change.

    :raises TooManyPlaceChangesError: the caller set their place that often in the last day.
    """
    now = utc_now()
    _count_change(db, user_id=user_id, now=now)
    values = {**place.model_dump(), "updated_at": now}
    db.execute(
        upsert(db, Place)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=[Place.user_id], set_=values)
    )
    db.commit()
    return get_place(db, user_id=user_id)


def get_place(db: Session, *, user_id: uuid.UUID) -> Place:
    """``user_id``'s place.

    :raises NoPlaceError: none is set.
    """
    place = db.get(Place, user_id)
    if place is None:
        raise NoPlaceError()
    return place


def remove_place(db: Session, *, user_id: uuid.UUID) -> None:
    """Forget ``user_id``'s place.

    :raises NoPlaceError: none is set.
    """
    db.delete(get_place(db, user_id=user_id))
    db.commit()


def _count_change(db: Session, *, user_id: uuid.UUID, now: datetime) -> None:
    # Counted under a lock per person, so that parallel changes cannot all pass the limit by
    # counting before any is recorded; kept apart from the place, which may be removed.
    limit = Platform.of(db).settings_of(PlacesSettings).changes_per_day
    serialize_on(db, f"places.change:{user_id}")
    db.execute(delete(PlaceChange).where(PlaceChange.changed_at <= now - CHANGE_WINDOW))
    count, oldest = db.execute(
        select(func.count(), func.min(PlaceChange.changed_at)).where(PlaceChange.user_id == user_id)
    ).one()
    if count >= limit and oldest is not None:
        retry_after = max(1, math.ceil((oldest + CHANGE_WINDOW - now).total_seconds()))
        raise TooManyPlaceChangesError(limit, retry_after)
    db.add(PlaceChange(user_id=user_id, changed_at=now))


def checked_within_km(db: Session, value: str) -> int:
    """``within_km`` as a whole number of km, within the server's setting.

    :raises WithinKmError: not a whole number, below 1, or above ``max_within_km``.
    """
    largest = Platform.of(db).settings_of(PlacesSettings).max_within_km
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= largest):
        raise WithinKmError(largest)
    return int(value)


def people_within(db: Session, *, user_id: uuid.UUID, km: int) -> list[Near]:
    """The active people within ``km`` of ``user_id`` (not hidden from them), as shown: by
    the whole km between their cells, nearest first, ties in the order of their ids.

    :raises PlaceNeededError: ``user_id`` has no place.
    """
    mine = db.get(Place, user_id)
    if mine is None:
        raise PlaceNeededError()
    return _within(db, mine, km)


def _within(db: Session, mine: Place, km: int) -> list[Near]:
    user_id = mine.user_id
    centre = Cell.holding(mine.latitude, mine.longitude)
    # Anyone whose cell's centre rounds to within km lies within km + 1/2 of it, and their
    # stored point within a cell's half-diagonal (under CELL_KM) of their centre.
    box = box_around(centre.latitude, centre.longitude, km + 0.5 + CELL_KM)
    conditions = [
        Place.latitude.between(box.south, box.north),
        Place.user_id != user_id,
        is_active_user(Place.user_id),
    ]
    if not box.all_longitudes:
        inside = (Place.longitude >= box.west, Place.longitude <= box.east)
        conditions.append(and_(*inside) if box.west <= box.east else or_(*inside))
    hidden = hidden_from(db, user_id)
    if hidden:
        conditions.append(Place.user_id.not_in(hidden))
    rows = db.execute(
        select(Place.user_id, Place.latitude, Place.longitude, Place.city).where(*conditions)
    ).all()
    near = [
        Near(
            row.user_id, row.city, shown_km(centre.km_to(Cell.holding(row.latitude, row.longitude)))
        )
        for row in rows
    ]
    return sorted(
        (each for each in near if each.distance_km <= km),
        key=lambda each: (each.distance_km, each.user_id),
    )


def nearby(
    db: Session, *, user_id: uuid.UUID, km: int, page: PageParams
) -> tuple[list[tuple[User, Near]], int]:
    """One page of the people within ``km`` of ``user_id``, nearest first, and how many.

    :raises NoPlaceError: ``user_id`` has no place to be near to.
    """
    near = _within(db, get_place(db, user_id=user_id), km)
    chosen = near[page.offset : page.offset + page.limit]
    users = users_by_id(db, (n.user_id for n in chosen))
    return [(users[n.user_id], n) for n in chosen], len(near)


def km_from(db: Session, *, user_id: uuid.UUID, latitude: float, longitude: float) -> int | None:
    """How far the point (``latitude``, ``longitude``) is from ``user_id``, as shown (whole km
    between the two cells, at least 1); ``None`` when ``user_id`` has no place."""
    mine = db.get(Place, user_id)
    if mine is None:
        return None
    centre = Cell.holding(mine.latitude, mine.longitude)
    return shown_km(centre.km_to(Cell.holding(latitude, longitude)))


def distances_to(
    db: Session, *, user_id: uuid.UUID, others: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How far each of ``others`` with a place is from ``user_id``, as shown (whole km between
    their cells, at least 1); empty when ``user_id`` has no place."""
    if not others:
        return {}
    # One read for the caller's place and theirs.
    wanted = [user_id, *others]
    places = {
        row.user_id: Cell.holding(row.latitude, row.longitude)
        for row in db.execute(
            select(Place.user_id, Place.latitude, Place.longitude).where(Place.user_id.in_(wanted))
        )
    }
    centre = places.pop(user_id, None)
    if centre is None:
        return {}
    return {other: shown_km(centre.km_to(cell)) for other, cell in places.items()}

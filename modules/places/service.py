"""The places module's rules: plain functions that take a session, never HTTP."""

import math
import uuid
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from core.database import upsert, utc_now
from core.pagination import PageParams
from core.platform import Platform
from modules.places.distance import box_around, great_circle_km, shown_km
from modules.places.exceptions import NoPlaceError, PlaceNeededError, WithinKmError
from modules.places.models import Place
from modules.places.schemas import PlaceIn
from modules.places.settings import PlacesSettings
from modules.users import User, hidden_from, is_active_user, users_by_id


@dataclass(frozen=True)
class Near:
    """Someone within reach: who, their city, and the exact distance in km."""

    user_id: uuid.UUID
    city: str | None
    distance_km: float


def set_place(db: Session, *, user_id: uuid.UUID, place: PlaceIn) -> Place:
    """Set (or move) ``user_id``'s place, in one statement (``INSERT ... ON CONFLICT``)."""
    values = {**place.model_dump(), "updated_at": utc_now()}
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


def checked_within_km(db: Session, value: str | float) -> float:
    """``within_km`` as a number of km, within the server's setting.

    :raises WithinKmError: not a number, not above 0, or above ``max_within_km``.
    """
    largest = Platform.of(db).settings_of(PlacesSettings).max_within_km
    try:
        km = float(value)
    except ValueError:
        raise WithinKmError(largest) from None
    if not (math.isfinite(km) and 0 < km <= largest):
        raise WithinKmError(largest)
    return km


def people_within(db: Session, *, user_id: uuid.UUID, km: float) -> list[Near]:
    """The active people within ``km`` of ``user_id`` (not hidden from them), nearest first
    (ties by id).

    :raises PlaceNeededError: ``user_id`` has no place.
    """
    mine = db.get(Place, user_id)
    if mine is None:
        raise PlaceNeededError()
    return _within(db, mine, km)


def _within(db: Session, mine: Place, km: float) -> list[Near]:
    user_id = mine.user_id
    box = box_around(mine.latitude, mine.longitude, km)
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
            row.user_id,
            row.city,
            great_circle_km(mine.latitude, mine.longitude, row.latitude, row.longitude),
        )
        for row in rows
    ]
    return sorted(
        (each for each in near if each.distance_km <= km),
        key=lambda each: (each.distance_km, each.user_id),
    )


def nearby(
    db: Session, *, user_id: uuid.UUID, km: float, page: PageParams
) -> tuple[list[tuple[User, Near]], int]:
    """One page of the people within ``km`` of ``user_id``, nearest first, and how many.

    :raises NoPlaceError: ``user_id`` has no place to be near to.
    """
    near = _within(db, get_place(db, user_id=user_id), km)
    chosen = near[page.offset : page.offset + page.limit]
    users = users_by_id(db, (n.user_id for n in chosen))
    return [(users[n.user_id], n) for n in chosen], len(near)


def distances_to(
    db: Session, *, user_id: uuid.UUID, others: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How far each of ``others`` with a place is from ``user_id``, as shown (whole km, at
    least 1); empty when ``user_id`` has no place."""
    mine = db.get(Place, user_id)
    if mine is None or not others:
        return {}
    theirs = db.scalars(select(Place).where(Place.user_id.in_(others)))
    return {
        place.user_id: shown_km(
            great_circle_km(mine.latitude, mine.longitude, place.latitude, place.longitude)
        )
        for place in theirs
    }

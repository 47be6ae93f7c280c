"""``/users/me/place`` and ``/users/nearby``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from core import Pagination, Platform, get_db
from modules.places import service
from modules.places.models import Place
from modules.places.schemas import NearbyPage, NearbyPerson, PlaceIn, PlaceOut
from modules.places.settings import PlacesSettings
from modules.users import UNAUTHENTICATED, CurrentUser, UserPublic

NO_PLACE: dict[int | str, dict[str, Any]] = {404: {"description": "You have not set your place"}}

router = APIRouter()


@router.get("/users/me/place", response_model=PlaceOut, responses={**UNAUTHENTICATED, **NO_PLACE})
def read_my_place(caller: CurrentUser, db: Session = Depends(get_db)) -> Place:
    """Your place, coordinates included (nobody else ever sees them)."""
    return service.get_place(db, user_id=caller.id)


TOO_MANY_CHANGES: dict[int | str, dict[str, Any]] = {
    429: {"description": "You set your place as often as a day allows (see Retry-After)"}
}


@router.put(
    "/users/me/place", response_model=PlaceOut, responses={**UNAUTHENTICATED, **TOO_MANY_CHANGES}
)
def set_my_place(body: PlaceIn, caller: CurrentUser, db: Session = Depends(get_db)) -> Place:
    """Set or move your place, at most ``HOBBYMATCH_PLACES_CHANGES_PER_DAY`` times in 24 hours
    (429 after). Others see only your city and a rounded distance between coarse cells."""
    return service.set_place(db, user_id=caller.id, place=body)


@router.delete(
    "/users/me/place",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, **NO_PLACE},
)
def remove_my_place(caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Forget your place."""
    service.remove_place(db, user_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/users/nearby",
    response_model=NearbyPage,
    responses={**UNAUTHENTICATED, **NO_PLACE},
)
def people_nearby(
    request: Request,
    caller: CurrentUser,
    page: Pagination,
    within_km: Annotated[
        int | None,
        Query(
            ge=1,
            le=20_038,
            description="How far, in whole km; the default, and the most asked for is answered "
            "with, is the server's HOBBYMATCH_PLACES_MAX_WITHIN_KM",
        ),
    ] = None,
    db: Session = Depends(get_db),
) -> NearbyPage:
    """People near you, nearest first (ties in no particular order), each with their city and
    distance in whole km — measured between the cells of about 1 km that hold you both, never
    between your exact places."""
    largest = Platform.of(request).settings_of(PlacesSettings).max_within_km
    km = min(within_km, largest) if within_km is not None else largest
    found, total = service.nearby(db, user_id=caller.id, km=km, page=page)
    items = [
        NearbyPerson(
            user=UserPublic.model_validate(user),
            city=near.city,
            distance_km=near.distance_km,
        )
        for user, near in found
    ]
    return NearbyPage(items=items, total=total, limit=page.limit, offset=page.offset)

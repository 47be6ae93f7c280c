"""``/users/me/place`` and ``/users/nearby``."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from core.database import SessionDep
from core.pagination import Pagination
from core.platform import Platform
from modules.places import service
from modules.places.distance import shown_km
from modules.places.models import Place
from modules.places.schemas import NearbyPage, NearbyPerson, PlaceIn, PlaceOut
from modules.places.settings import PlacesSettings
from modules.users import UNAUTHENTICATED, CurrentUser, UserPublic

NO_PLACE: dict[int | str, dict[str, Any]] = {404: {"description": "You have not set your place"}}

router = APIRouter()


@router.get("/users/me/place", response_model=PlaceOut, responses={**UNAUTHENTICATED, **NO_PLACE})
def read_my_place(caller: CurrentUser, db: SessionDep) -> Place:
    """Your place, coordinates included (nobody else ever sees them)."""
    return service.get_place(db, user_id=caller.id)


@router.put("/users/me/place", response_model=PlaceOut, responses=UNAUTHENTICATED)
def set_my_place(body: PlaceIn, caller: CurrentUser, db: SessionDep) -> Place:
    """Set or move your place. Others see only your city and a rounded distance."""
    return service.set_place(db, user_id=caller.id, place=body)


@router.delete(
    "/users/me/place",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, **NO_PLACE},
)
def remove_my_place(caller: CurrentUser, db: SessionDep) -> Response:
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
    db: SessionDep,
    within_km: Annotated[
        float | None,
        Query(
            gt=0,
            le=20_038,
            description="How far, in km; the default, and the most asked for is answered with, "
            "is the server's HOBBYMATCH_PLACES_MAX_WITHIN_KM",
        ),
    ] = None,
) -> NearbyPage:
    """People near you, nearest first, each with their city and distance in whole km."""
    largest = Platform.of(request).settings_of(PlacesSettings).max_within_km
    km = min(within_km, largest) if within_km is not None else largest
    found, total = service.nearby(db, user_id=caller.id, km=km, page=page)
    items = [
        NearbyPerson(
            user=UserPublic.model_validate(user),
            city=near.city,
            distance_km=shown_km(near.distance_km),
        )
        for user, near in found
    ]
    return NearbyPage(items=items, total=total, limit=page.limit, offset=page.offset)

"""The places module's request and response bodies."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from core import Page, StrictBody, TrimmedTo
from modules.places.models import MAX_CITY_LENGTH
from modules.users import UserPublic

City = Annotated[str, TrimmedTo(MAX_CITY_LENGTH)]


class PlaceIn(StrictBody):
    """``PUT /users/me/place``: where you are. Nobody else ever sees the coordinates."""

    model_config = ConfigDict(allow_inf_nan=False)

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    city: City | None = None


class PlaceOut(BaseModel):
    """Your place, as only you see it."""

    model_config = ConfigDict(from_attributes=True)

    latitude: float
    longitude: float
    city: str | None
    updated_at: datetime


class NearbyPerson(BaseModel):
    """Someone near the caller: their public profile, their city, and how far they are,
    rounded to the nearest kilometre (at least 1) — never their coordinates."""

    user: UserPublic
    city: str | None
    distance_km: int


class NearbyPage(Page[NearbyPerson]):
    """People near the caller, nearest first."""

"""The meetups module's request and response bodies."""

import re
import uuid
import zoneinfo
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from core import MAX_INTEGER_ID, Page, StrictBody, TrimmedTo
from modules.meetups.models import (
    CHECK_IN_CODE_LENGTH,
    MAX_ADDRESS_LENGTH,
    MAX_CITY_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_TITLE_LENGTH,
    RsvpStatus,
    Visibility,
)
from modules.skills import SkillOut
from modules.users import UserPublic

MIN_CAPACITY, MAX_CAPACITY = 2, 500
LONGEST_MEETUP = timedelta(days=7)


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _known_time_zone(name: str) -> str:
    if name not in _time_zones():
        raise ValueError("not an IANA time zone, such as Europe/Berlin")
    return name


TimeZone = Annotated[
    str,
    Field(min_length=1, max_length=64, examples=["Europe/Berlin"]),
    AfterValidator(_known_time_zone),
]
Capacity = Annotated[int, Field(ge=MIN_CAPACITY, le=MAX_CAPACITY)]
Title = Annotated[str, TrimmedTo(MAX_TITLE_LENGTH)]
Description = Annotated[str, Field(max_length=MAX_DESCRIPTION_LENGTH)]
City = Annotated[str, TrimmedTo(MAX_CITY_LENGTH)]
Address = Annotated[str, TrimmedTo(MAX_ADDRESS_LENGTH)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


def _iso_text(value: object) -> object:
    # pydantic also reads a number as a Unix time; a query's moment is ISO 8601 text only, as
    # its schema ("format": "date-time") says.
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]", value):
        raise ValueError("not a date and time in ISO 8601, such as 2026-12-24T18:00:00+01:00")
    return value


# A moment given in a query string, with its time zone.
QueryMoment = Annotated[AwareDatetime, BeforeValidator(_iso_text)]


def checked_times(starts_at: datetime | None, ends_at: datetime | None) -> None:
    """Refuse an end before the start, or a meetup longer than a week.

    :raises ValueError: with the rule broken.
    """
    if starts_at is None or ends_at is None:
        return
    if ends_at <= starts_at:
        raise ValueError("ends_at must be after starts_at")
    if ends_at - starts_at > LONGEST_MEETUP:
        raise ValueError("a meetup lasts a week at most")


class MeetupCreate(StrictBody):
    """``POST /meetups``: a new meetup. ``latitude``, ``longitude`` and ``address`` are never
    shown to anyone but the host and the people going: others see the city and a distance."""

    model_config = ConfigDict(allow_inf_nan=False)

    skill_id: Annotated[int, Field(ge=1, le=MAX_INTEGER_ID)]
    title: Title
    description: Description = ""
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    time_zone: TimeZone
    capacity: Capacity
    city: City
    latitude: Latitude
    longitude: Longitude
    address: Address
    visibility: Visibility = Visibility.PUBLIC

    @model_validator(mode="after")
    def _times(self) -> Self:
        checked_times(self.starts_at, self.ends_at)
        return self


class MeetupUpdate(StrictBody):
    """``PATCH /meetups/{id}``: only the fields given change. A new time or place is told to
    everyone who answered; a larger capacity promotes from the waitlist."""

    model_config = ConfigDict(allow_inf_nan=False)

    title: Title | None = None
    description: Description | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    time_zone: TimeZone | None = None
    capacity: Capacity | None = None
    city: City | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    address: Address | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"{nulls[0]} cannot be null")
        return self


class MyRsvp(BaseModel):
    """The caller's answer: going, or their place in the waitlist (1 is promoted next)."""

    status: RsvpStatus
    waitlist_position: int | None


class MeetupOut(BaseModel):
    """A meetup as the caller may see it: ``address`` and ``check_in_code`` only for those
    who may know them, the place otherwise as a city and a distance."""

    id: int
    host: UserPublic
    skill: SkillOut
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    capacity: int
    going: int = Field(description="How many are going")
    waitlisted: int = Field(description="How many wait for a place")
    city: str
    distance_km: int | None = Field(
        description="Whole km from the caller's place (at least 1), or null without one"
    )
    visibility: Visibility
    cancelled: bool
    my_rsvp: MyRsvp | None
    address: str | None = Field(description="Only for the host and the people going")
    check_in_code: str | None = Field(description="Only for the host")


class MeetupPage(Page[MeetupOut]):
    """A page of meetups, soonest first."""


class AttendeeOut(BaseModel):
    """Someone who answered: going (with whether they came, once recorded) or waitlisted."""

    user: UserPublic
    status: RsvpStatus
    waitlist_position: int | None
    attended: bool | None


class AttendeePage(Page[AttendeeOut]):
    """A page of a meetup's people: the going first, then the waitlist in its order."""


class AttendanceMark(StrictBody):
    """``POST /meetups/{id}/attendance``: whether someone going came (host, after the end)."""

    user_id: uuid.UUID
    attended: bool


class CheckIn(StrictBody):
    """``POST /meetups/{id}/check-in``: the code the host shows during the meetup."""

    code: Annotated[str, Field(pattern=rf"^[0-9]{{{CHECK_IN_CODE_LENGTH}}}$")]


class CalendarFeedOut(BaseModel):
    """The personal calendar feed's URL, for a calendar app to subscribe to."""

    url: str

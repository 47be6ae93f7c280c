"""``/meetups``: a thin layer over :mod:`modules.meetups.service` and its calendars."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID, Pagination, get_db
from modules.meetups import calendars, service
from modules.meetups.models import Meetup, RsvpStatus
from modules.meetups.schemas import (
    AttendanceMark,
    AttendeeOut,
    AttendeePage,
    CalendarFeedOut,
    CheckIn,
    MeetupCreate,
    MeetupOut,
    MeetupPage,
    MeetupUpdate,
    MyRsvp,
    QueryMoment,
)
from modules.places import checked_within_km
from modules.users import (
    UNAUTHENTICATED,
    UNVERIFIED,
    CurrentUser,
    UserPublic,
    VerifiedUser,
    users_by_id,
)

router = APIRouter(prefix="/meetups")

MeetupId = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {
    **UNAUTHENTICATED,
    404: {"description": "No such meetup that you may see"},
}
HOST_ONLY: Responses = {
    **NOT_FOUND,
    403: {"description": "Only the host may do this"},
}
CLOSED: Responses = {409: {"description": "The meetup was cancelled, or has started"}}
ICALENDAR: Responses = {200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"}}


def _one(db: Session, meetup: Meetup, viewer_id: uuid.UUID) -> MeetupOut:
    return service.describe(db, [meetup], viewer_id=viewer_id)[0]


@router.get("", response_model=MeetupPage, responses={**UNAUTHENTICATED, 422: {}})
def list_meetups(
    caller: CurrentUser,
    page: Pagination,
    skill_id: Annotated[int | None, Query(ge=1, le=MAX_INTEGER_ID)] = None,
    within_km: Annotated[
        int | None,
        Query(
            ge=1,
            le=20_038,
            description="Whole km from your place, at most HOBBYMATCH_PLACES_MAX_WITHIN_KM",
        ),
    ] = None,
    starting_from: Annotated[
        QueryMoment | None, Query(alias="from", description="Starting at or after")
    ] = None,
    starting_until: Annotated[
        QueryMoment | None, Query(alias="to", description="Starting at or before")
    ] = None,
    for_my_skills: Annotated[
        bool, Query(description="Only meetups of the skills on your own list")
    ] = False,
    db: Session = Depends(get_db),
) -> MeetupPage:
    """Meetups that have not ended nor been cancelled, soonest first: every public one, and
    those of your connections; never one whose host is hidden from you."""
    meetups, total = service.list_meetups(
        db,
        viewer_id=caller.id,
        page=page,
        skill_id=skill_id,
        within_km=checked_within_km(db, str(within_km)) if within_km is not None else None,
        starting_from=starting_from,
        starting_until=starting_until,
        for_my_skills=for_my_skills,
    )
    items = service.describe(db, meetups, viewer_id=caller.id)
    return MeetupPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=MeetupOut,
    responses={**UNVERIFIED, 422: {"description": "A start in the past, an unknown skill"}},
)
def create_meetup(
    body: MeetupCreate, caller: VerifiedUser, db: Session = Depends(get_db)
) -> MeetupOut:
    """Host a meetup; its reminders are queued for the day and the hour before. Where
    addresses must be verified, only a verified one hosts (strangers come)."""
    meetup = service.create_meetup(db, host_id=caller.id, data=body)
    return _one(db, meetup, caller.id)


@router.get("/mine", response_model=MeetupPage, responses=UNAUTHENTICATED)
def my_meetups(caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)) -> MeetupPage:
    """The meetups you host or answered that have not ended, soonest first (cancelled ones
    included)."""
    meetups, total = service.meetups_of(db, user_id=caller.id, page=page)
    items = service.describe(db, meetups, viewer_id=caller.id)
    return MeetupPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/calendar-feed",
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarFeedOut,
    responses=UNAUTHENTICATED,
)
def new_calendar_feed(caller: CurrentUser, db: Session = Depends(get_db)) -> CalendarFeedOut:
    """A URL for your calendar app: the meetups you host or go to. Asking again makes a new
    URL and ends the old one."""
    return CalendarFeedOut(url=calendars.new_feed(db, user_id=caller.id))


@router.delete("/calendar-feed", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHENTICATED)
def end_calendar_feed(caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """End your calendar feed: its URL stops working."""
    calendars.end_feed(db, user_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    responses={**ICALENDAR, 404: {"description": "No feed has this token"}},
)
def calendar_feed(
    token: Annotated[str, Path(max_length=100, pattern=r"^[A-Za-z0-9_-]+$")],
    db: Session = Depends(get_db),
) -> Response:
    """A personal calendar feed, by the token of its URL (no sign-in: calendar apps send
    none)."""
    return Response(calendars.feed(db, token=token), media_type="text/calendar")


@router.get("/{meetup_id}.ics", response_class=Response, responses={**ICALENDAR, **NOT_FOUND})
def meetup_calendar(
    meetup_id: MeetupId, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """One meetup as an iCalendar file (its address if you host it or go)."""
    meetup = service.visible_meetup(db, meetup_id=meetup_id, viewer_id=caller.id)
    known = service.knows_address(meetup, caller.id, service.rsvp_of(db, meetup, caller.id))
    body = calendars.calendar_of(
        [meetup], address_for={meetup.id} if known else set(), name=meetup.title
    )
    return Response(body, media_type="text/calendar")


@router.get("/{meetup_id}", response_model=MeetupOut, responses=NOT_FOUND)
def read_meetup(
    meetup_id: MeetupId, caller: CurrentUser, db: Session = Depends(get_db)
) -> MeetupOut:
    """One meetup, as you may see it."""
    meetup = service.visible_meetup(db, meetup_id=meetup_id, viewer_id=caller.id)
    return _one(db, meetup, caller.id)


@router.patch(
    "/{meetup_id}",
    response_model=MeetupOut,
    responses={**HOST_ONLY, 409: {"description": "Cancelled, started, or capacity below going"}},
)
def update_meetup(
    meetup_id: MeetupId, body: MeetupUpdate, caller: CurrentUser, db: Session = Depends(get_db)
) -> MeetupOut:
    """Change your meetup; everyone who answered hears of a new time or place."""
    meetup = service.update_meetup(db, meetup_id=meetup_id, host_id=caller.id, changes=body)
    return _one(db, meetup, caller.id)


@router.post(
    "/{meetup_id}/cancel",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**HOST_ONLY, **CLOSED},
)
def cancel_meetup(
    meetup_id: MeetupId, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Call your meetup off; everyone who answered is told at once."""
    service.cancel_meetup(db, meetup_id=meetup_id, host_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{meetup_id}/rsvp",
    response_model=MyRsvp,
    responses={**NOT_FOUND, 409: {"description": "Cancelled, started, or you host it"}},
)
def answer(meetup_id: MeetupId, caller: CurrentUser, db: Session = Depends(get_db)) -> MyRsvp:
    """Go to the meetup, or join its waitlist when it is full; the host is told."""
    rsvp = service.answer(db, meetup_id=meetup_id, user_id=caller.id)
    return MyRsvp(
        status=RsvpStatus(rsvp.status), waitlist_position=service.waitlist_position(db, rsvp)
    )


@router.delete(
    "/{meetup_id}/rsvp",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **CLOSED},
)
def leave(meetup_id: MeetupId, caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Take back your answer; the first waitlisted gets your place."""
    service.leave(db, meetup_id=meetup_id, user_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{meetup_id}/attendees",
    response_model=AttendeePage,
    responses={**NOT_FOUND, 403: {"description": "Only the host and the people going"}},
)
def attendees(
    meetup_id: MeetupId, caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)
) -> AttendeePage:
    """Who comes: the going first, then the waitlist in its order (for the host and the
    people going only)."""
    shown, total = service.attendees(db, meetup_id=meetup_id, viewer_id=caller.id, page=page)
    people = users_by_id(db, (rsvp.user_id for rsvp, _ in shown))
    items = [
        AttendeeOut(
            user=UserPublic.model_validate(people[rsvp.user_id]),
            status=RsvpStatus(rsvp.status),
            waitlist_position=position,
            attended=rsvp.attended,
        )
        for rsvp, position in shown
    ]
    return AttendeePage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.delete(
    "/{meetup_id}/attendees/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**HOST_ONLY, **CLOSED},
)
def remove_attendee(
    meetup_id: MeetupId, user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Take someone off your meetup; the waitlist moves up."""
    service.remove_attendee(db, meetup_id=meetup_id, host_id=caller.id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{meetup_id}/attendance",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**HOST_ONLY, 409: {"description": "The meetup has not ended"}},
)
def mark_attendance(
    meetup_id: MeetupId, body: AttendanceMark, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Record, after the end, whether someone going came (their reliability score reads it)."""
    service.mark_attendance(
        db, meetup_id=meetup_id, host_id=caller.id, user_id=body.user_id, attended=body.attended
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{meetup_id}/check-in",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **NOT_FOUND,
        403: {"description": "Not the meetup's code"},
        409: {"description": "Not the time to check in"},
    },
)
def check_in(
    meetup_id: MeetupId, body: CheckIn, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Check in with the code the host shows, from 30 minutes before the start to the end."""
    service.check_in(db, meetup_id=meetup_id, user_id=caller.id, code=body.code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

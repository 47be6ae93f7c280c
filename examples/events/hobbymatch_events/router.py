"""HTTP endpoints: a thin layer over the service."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response, status
from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID, Pagination, get_db
from hobbymatch_events import service
from hobbymatch_events.schemas import EventCreate, EventOut, EventPage
from modules.users import UNAUTHENTICATED, CurrentUser

EventId = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such event"}}

router = APIRouter(prefix="/events")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=EventOut,
    responses={**UNAUTHENTICATED, **NOT_FOUND},
)
def create_event(body: EventCreate, caller: CurrentUser, db: Session = Depends(get_db)) -> EventOut:
    """Organize a meet-up around a skill."""
    return service.create_event(db, organizer_id=caller.id, data=body)


@router.get("", response_model=EventPage)
def upcoming_events(
    page: Pagination, skill_id: int | None = None, db: Session = Depends(get_db)
) -> EventPage:
    """Events still to come, soonest first."""
    events, total = service.upcoming_events(db, skill_id=skill_id, page=page)
    return EventPage(items=events, total=total, limit=page.limit, offset=page.offset)


@router.get("/{event_id}", response_model=EventOut, responses=NOT_FOUND)
def read_event(event_id: EventId, db: Session = Depends(get_db)) -> EventOut:
    """One event and how many are going."""
    return service.get_event(db, event_id=event_id)


@router.post(
    "/{event_id}/rsvp",
    status_code=status.HTTP_201_CREATED,
    responses={**UNAUTHENTICATED, **NOT_FOUND, 409: {"description": "Already going"}},
)
def rsvp(event_id: EventId, caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Say you are going."""
    service.rsvp(db, event_id=event_id, user_id=caller.id)
    return Response(status_code=status.HTTP_201_CREATED)


@router.delete(
    "/{event_id}/rsvp",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, 404: {"description": "Not going"}},
)
def cancel_rsvp(event_id: EventId, caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Take back your RSVP."""
    service.cancel_rsvp(db, event_id=event_id, user_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{event_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, **NOT_FOUND},
)
def delete_event(event_id: EventId, caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Cancel an event you organize (anyone else's looks missing)."""
    service.delete_event(db, event_id=event_id, organizer_id=caller.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

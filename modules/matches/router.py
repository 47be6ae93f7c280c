"""The matches module's HTTP endpoints: a thin layer over :mod:`modules.matches.ranking` and
:mod:`modules.matches.connections`."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from sqlalchemy.orm import Session

from core import Pagination, Platform, get_db
from modules.matches import connections, ranking
from modules.matches.freshness import LiveIndex
from modules.matches.models import ConnectionRequest, RequestStatus
from modules.matches.rule import MatchType
from modules.matches.schemas import (
    ConnectedUser,
    Connection,
    ConnectionPage,
    ConnectionRequestCreate,
    ConnectionRequestOut,
    ConnectionRequestPage,
    MatchPage,
)
from modules.users import (
    UNAUTHENTICATED,
    UNVERIFIED,
    CurrentUser,
    User,
    UserPublic,
    VerifiedUser,
    users_by_id,
)

NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such request addressed to you"},
    409: {"description": "The request was already answered"},
}

router = APIRouter(prefix="/matches")


@router.get("", response_model=MatchPage, responses=UNAUTHENTICATED)
def find_matches(
    request: Request,
    caller: CurrentUser,
    page: Pagination,
    type: Annotated[
        MatchType, Query(description="shared (the default) or trade")
    ] = MatchType.SHARED,
    db: Session = Depends(get_db),
) -> MatchPage:
    """The caller's matches, best first, each with its score and the reasons for it."""
    matches, total = ranking.find_matches(
        db, user_id=caller.id, match_type=type, page=page, query=request.query_params
    )
    return MatchPage(items=matches, total=total, limit=page.limit, offset=page.offset)


@router.get("/index", summary="This worker's matching index: size, memory, freshness")
def index_stats(request: Request) -> dict[str, object]:
    """What this worker's in-memory index holds: users, entries, users changed since its last
    build, memory in bytes, how long the build took. ``ready`` is false while the first build
    runs (rankings then come from SQL) or when the index is turned off."""
    index: LiveIndex | None = Platform.of(request).find_state(LiveIndex)
    return index.stats() if index is not None else {"ready": False}


@router.post(
    "/requests",
    status_code=status.HTTP_201_CREATED,
    response_model=ConnectionRequestOut,
    responses={
        **UNVERIFIED,
        404: {"description": "No such user"},
        409: {"description": "A pending or accepted request already links you"},
        429: {
            "description": "Past the daily limit of requests, or your last request to this "
            "person was declined or withdrawn too recently; Retry-After and "
            "ask_again_after say when you can"
        },
    },
)
def send_request(
    body: ConnectionRequestCreate, caller: VerifiedUser, db: Session = Depends(get_db)
) -> ConnectionRequestOut:
    """Ask someone to connect."""
    request = connections.send_request(
        db, sender_id=caller.id, recipient_id=body.user_id, message=body.message
    )
    return _request_out(db, [request])[0]


@router.get("/requests", response_model=ConnectionRequestPage, responses=UNAUTHENTICATED)
def list_requests(
    caller: CurrentUser,
    page: Pagination,
    box: Literal["incoming", "outgoing"] = "incoming",
    status: RequestStatus | None = None,
    db: Session = Depends(get_db),
) -> ConnectionRequestPage:
    """The caller's incoming or outgoing requests, newest first, optionally by status."""
    requests, total = connections.list_requests(
        db, user_id=caller.id, incoming=box == "incoming", status=status, page=page
    )
    return ConnectionRequestPage(
        items=_request_out(db, requests), total=total, limit=page.limit, offset=page.offset
    )


@router.post(
    "/requests/{request_id}/{answer}",
    response_model=ConnectionRequestOut,
    responses={**UNAUTHENTICATED, **NOT_YOURS},
)
def answer_request(
    request_id: uuid.UUID,
    answer: Literal["accept", "decline"],
    caller: CurrentUser,
    db: Session = Depends(get_db),
) -> ConnectionRequestOut:
    """Accept or decline a pending request addressed to the caller."""
    request = connections.answer_request(
        db, user_id=caller.id, request_id=request_id, accept=answer == "accept"
    )
    return _request_out(db, [request])[0]


@router.delete(
    "/requests/{request_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **UNAUTHENTICATED,
        404: {"description": "No such request sent by you"},
        409: {"description": "The request was already answered"},
    },
)
def withdraw_request(
    request_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """Withdraw a pending request the caller sent."""
    connections.withdraw_request(db, user_id=caller.id, request_id=request_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/connections", response_model=ConnectionPage, responses=UNAUTHENTICATED)
def list_connections(
    caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)
) -> ConnectionPage:
    """The people the caller is connected with — the one place their email is shown."""
    found, total = connections.list_connections(db, user_id=caller.id, page=page)
    items = [
        Connection(user=ConnectedUser.model_validate(other), connected_at=at) for other, at in found
    ]
    return ConnectionPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.delete(
    "/connections/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, 404: {"description": "You are not connected with this user"}},
)
def remove_connection(
    user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)
) -> Response:
    """End the caller's connection with someone; either of the two may ask again later."""
    connections.remove_connection(db, user_id=caller.id, other_user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _request_out(db: Session, requests: list[ConnectionRequest]) -> list[ConnectionRequestOut]:
    people: dict[uuid.UUID, User] = users_by_id(
        db, [person for request in requests for person in (request.sender_id, request.recipient_id)]
    )
    return [
        ConnectionRequestOut(
            id=request.id,
            sender=UserPublic.model_validate(people[request.sender_id]),
            recipient=UserPublic.model_validate(people[request.recipient_id]),
            message=request.message,
            status=request.status,
            created_at=request.created_at,
            responded_at=request.responded_at,
        )
        for request in requests
    ]

"""``/notifications``: the list, read marks, the live stream (Server-Sent Events), and the
choice of mail with its one-click unsubscribe."""

from collections.abc import AsyncIterator
from datetime import timedelta
from html import escape
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse, ServerSentEvent

from core import NO_NUL_PATTERN, Pagination, Platform, get_db, html_page
from modules.notifications import service
from modules.notifications.exceptions import UnknownUnsubscribeLinkError
from modules.notifications.live import StreamHub
from modules.notifications.schemas import (
    LAST_EVENT_ID_MAX,
    MailPreferences,
    MarkRead,
    MarkSomeRead,
    NotificationPage,
    StreamTicketOut,
)
from modules.notifications.settings import NotificationsSettings
from modules.users import UNAUTHENTICATED, CurrentUser

router = APIRouter(prefix="/notifications")


@router.get("", response_model=NotificationPage, responses=UNAUTHENTICATED)
def list_notifications(
    caller: CurrentUser, page: Pagination, unread: bool = False, db: Session = Depends(get_db)
) -> NotificationPage:
    """The caller's notifications, newest first; ``unread=true`` keeps the unread ones."""
    items, total = service.list_notifications(db, user_id=caller.id, unread=unread, page=page)
    return NotificationPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/read", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHENTICATED)
def mark_read(body: MarkRead, caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Mark notifications read: ``{"ids": [...]}`` (only the caller's count) or
    ``{"all": true}``."""
    service.mark_read(
        db, user_id=caller.id, ids=body.ids if isinstance(body, MarkSomeRead) else None
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/preferences", response_model=MailPreferences, responses=UNAUTHENTICATED)
def read_preferences(caller: CurrentUser, db: Session = Depends(get_db)) -> MailPreferences:
    """How often the caller's unread notifications are mailed to them (``daily`` unless they
    chose; only ever to a verified address)."""
    return MailPreferences(email_digest=service.digest_choice(db, user_id=caller.id))


@router.put("/preferences", response_model=MailPreferences, responses=UNAUTHENTICATED)
def choose_preferences(
    body: MailPreferences, caller: CurrentUser, db: Session = Depends(get_db)
) -> MailPreferences:
    """Choose how often the caller's unread notifications are mailed: ``off``, ``daily``, or
    ``immediately`` (once no new one came for a quiet while)."""
    service.choose_digest(db, user_id=caller.id, digest=body.email_digest)
    return body


UnsubscribeToken = Annotated[str, Query(max_length=100, pattern=NO_NUL_PATTERN)]


@router.get("/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe_page(token: UnsubscribeToken = "") -> HTMLResponse:
    """What a digest's unsubscribe link opens in a browser: one button."""
    action = f"/notifications/unsubscribe?token={quote(token)}"
    body = (
        f'<form method="post" action="{escape(action)}">'
        '<p><button type="submit" autofocus>Stop the mails of notifications</button></p></form>'
    )
    return html_page("Unsubscribe", body)


@router.post("/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
def unsubscribe(token: UnsubscribeToken = "", db: Session = Depends(get_db)) -> HTMLResponse:
    """Turn the digest off: the page's button, or a mail client's one click (RFC 8058 posts
    ``List-Unsubscribe=One-Click`` here, which needs no more than the link's token)."""
    try:
        service.unsubscribe(db, token=token)
    except UnknownUnsubscribeLinkError as error:
        return html_page(
            "This link no longer works", f"<p>{escape(str(error))}</p>", status_code=404
        )
    return html_page("Unsubscribed", "<p>No more mails of notifications will be sent to you.</p>")


@router.post(
    "/stream-tickets",
    status_code=status.HTTP_201_CREATED,
    response_model=StreamTicketOut,
    responses=UNAUTHENTICATED,
)
def issue_stream_ticket(
    request: Request, caller: CurrentUser, db: Session = Depends(get_db)
) -> StreamTicketOut:
    """A short-lived, single-use ticket to open the stream, so that a browser's EventSource
    (which cannot send an Authorization header) never carries the access token in a URL."""
    seconds = Platform.of(request).settings_of(NotificationsSettings).ticket_seconds
    ticket = service.issue_ticket(
        db,
        user_id=caller.id,
        token_version=caller.token_version,
        lifetime=timedelta(seconds=seconds),
    )
    return StreamTicketOut(ticket=ticket, expires_in=seconds)


@router.get(
    "/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "The live stream"},
        401: {"description": "Unknown, expired or used ticket, or issued before a revocation"},
    },
)
async def stream(
    request: Request,
    ticket: Annotated[
        str,
        Query(
            max_length=100,
            pattern=NO_NUL_PATTERN,
            description="From POST /notifications/stream-tickets",
        ),
    ],
    last_event_id: Annotated[
        str | None,
        Header(
            max_length=100,
            description="Resume after this notification id (anything but an id is ignored, "
            "as an EventSource may send whatever it last saw)",
        ),
    ] = None,
    after: Annotated[
        int | None,
        Query(ge=0, le=LAST_EVENT_ID_MAX, description="Resume after this id (a new EventSource)"),
    ] = None,
) -> EventSourceResponse:
    """Each new notification of the ticket's owner, as an event ``notification`` whose data is
    the notification and whose id is its id, within a second of its commit; a comment
    heartbeat keeps the connection open. ``Last-Event-ID`` (or ``after``) resumes without
    loss; without either, the stream starts with the next notification. Within a second of a
    password change, a deactivation or a deletion of the account (on any worker), an event
    ``revoked`` ends the stream."""
    platform = Platform.of(request)
    settings = platform.settings_of(NotificationsSettings)
    holder = await run_in_threadpool(service.redeem_ticket, platform.session_factory, ticket)
    resume = _event_id(last_event_id) if last_event_id is not None else None
    if resume is None:
        resume = after
    if resume is None:
        resume = await run_in_threadpool(
            service.newest_id, platform.session_factory, holder.user_id
        )
    hub = platform.state_of(StreamHub)
    return EventSourceResponse(
        _events(platform, hub, holder, resume), ping=settings.heartbeat_seconds
    )


async def _events(
    platform: Platform, hub: StreamHub, holder: service.TicketHolder, seen: int
) -> AsyncIterator[ServerSentEvent]:
    with hub.subscription(holder.user_id, holder.token_version) as stream:
        while not stream.revoked:
            batch = await run_in_threadpool(
                service.notifications_after, platform.session_factory, holder.user_id, seen
            )
            for item in batch:
                seen = item.id
                yield ServerSentEvent(
                    data=item.model_dump_json(), id=str(item.id), event="notification"
                )
            if len(batch) < service.STREAM_BATCH:
                await hub.wait(stream)
    yield REVOKED


# The stream's last event once its credentials are revoked: sign in again to open another.
REVOKED = ServerSentEvent(
    data='{"detail": "signed out: the password changed, or the account was closed"}',
    event="revoked",
)


def _event_id(header: str) -> int | None:
    text = header.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None

"""Connections: requests, their limits and cooldowns, answers, and the connections they make."""

import math
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import PageParams, Platform, fetch_page, hooks, serialize_on, upsert, utc_now
from modules.matches.exceptions import (
    NotConnectedError,
    RequestCooldownError,
    RequestExistsError,
    RequestNotFoundError,
    RequestNotPendingError,
    RequestToSelfError,
    TooManyConnectionRequestsError,
)
from modules.matches.models import (
    ConnectionRequest,
    CooldownReason,
    PastConnection,
    RequestCooldown,
    RequestStatus,
    SentRequest,
    pair_key,
)
from modules.matches.settings import MatchesSettings
from modules.users import User, get_user, gone_for, is_active_user, users_by_id

# The window of HOBBYMATCH_MATCHES_REQUESTS_PER_DAY.
REQUEST_WINDOW = timedelta(days=1)


def send_request(
    db: Session, *, sender_id: uuid.UUID, recipient_id: uuid.UUID, message: str | None
) -> ConnectionRequest:
    """Ask ``recipient_id`` to connect.

    Whether the recipient exists (and is not hidden from the sender) is answered first, so
    that no limit or cooldown tells a hidden person from a deleted one; then, under a lock
    per sender, an open request between the two, the sender's cooldown with the recipient, and
    the sender's daily limit, counting every request sent (withdrawn ones too).

    :raises RequestToSelfError: the sender is the recipient.
    :raises UserNotFoundError: no active user is the recipient, or it is hidden from the sender.
    :raises RequestExistsError: a pending or accepted request links the two, either way.
    :raises RequestCooldownError: the sender's last request to the recipient was declined or
        withdrawn too recently (``HOBBYMATCH_MATCHES_*_COOLDOWN_*``).
    :raises TooManyConnectionRequestsError: past ``HOBBYMATCH_MATCHES_REQUESTS_PER_DAY``.
    """
    if sender_id == recipient_id:
        raise RequestToSelfError("you cannot send a request to yourself", loc=("body", "user_id"))
    get_user(db, user_id=recipient_id, viewer_id=sender_id)
    settings = Platform.of(db).settings_of(MatchesSettings)
    now = utc_now()
    # Held until commit: parallel requests of one sender would otherwise all count the same
    # earlier ones and pass the daily limit together.
    serialize_on(db, f"matches.requests:{sender_id}")
    request = ConnectionRequest(
        sender_id=sender_id,
        recipient_id=recipient_id,
        pair_key=pair_key(sender_id, recipient_id),
        message=message,
        created_at=now,
    )
    db.add(request)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise RequestExistsError("a pending or accepted request already links you two") from None
    _refuse_during_cooldown(db, sender_id, recipient_id, settings, now)
    _refuse_past_daily_limit(db, sender_id, settings, now)
    db.add(SentRequest(sender_id=sender_id, sent_at=now))
    hooks(db).matches_request_sent(db=db, request=request)
    db.commit()
    return request


def _refuse_during_cooldown(
    db: Session,
    sender_id: uuid.UUID,
    recipient_id: uuid.UUID,
    settings: MatchesSettings,
    now: datetime,
) -> None:
    cooldown = db.get(RequestCooldown, (sender_id, recipient_id))
    if cooldown is None:
        return
    declined = cooldown.reason == CooldownReason.DECLINED
    length = (
        timedelta(days=settings.decline_cooldown_days)
        if declined
        else timedelta(hours=settings.withdrawal_cooldown_hours)
    )
    until = cooldown.since + length
    if until > now:
        raise RequestCooldownError(
            declined=declined, until=until, retry_after=_seconds_until(until, now)
        )


def _refuse_past_daily_limit(
    db: Session, sender_id: uuid.UUID, settings: MatchesSettings, now: datetime
) -> None:
    window_start = now - REQUEST_WINDOW
    db.execute(
        delete(SentRequest).where(
            SentRequest.sender_id == sender_id, SentRequest.sent_at <= window_start
        )
    )
    count, oldest = db.execute(
        select(func.count(), func.min(SentRequest.sent_at)).where(
            SentRequest.sender_id == sender_id, SentRequest.sent_at > window_start
        )
    ).one()
    if count >= settings.requests_per_day and oldest is not None:
        until = oldest + REQUEST_WINDOW
        raise TooManyConnectionRequestsError(until=until, retry_after=_seconds_until(until, now))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _start_cooldown(db: Session, request: ConnectionRequest, reason: CooldownReason) -> None:
    statement = upsert(db, RequestCooldown).values(
        sender_id=request.sender_id,
        recipient_id=request.recipient_id,
        reason=reason,
        since=utc_now(),
    )
    db.execute(
        statement.on_conflict_do_update(
            index_elements=[RequestCooldown.sender_id, RequestCooldown.recipient_id],
            set_={"reason": statement.excluded.reason, "since": statement.excluded.since},
        )
    )


def list_requests(
    db: Session,
    *,
    user_id: uuid.UUID,
    incoming: bool,
    status: RequestStatus | None,
    page: PageParams,
) -> tuple[list[ConnectionRequest], int]:
    """One page of the caller's incoming or outgoing requests, newest first; without those
    with people gone for the caller (who blocked them), as with deleted accounts."""
    column = ConnectionRequest.recipient_id if incoming else ConnectionRequest.sender_id
    other = ConnectionRequest.sender_id if incoming else ConnectionRequest.recipient_id
    conditions = [column == user_id]
    gone = gone_for(db, user_id)
    if gone:
        conditions.append(other.not_in(gone))
    if status is not None:
        conditions.append(ConnectionRequest.status == status)
    statement = (
        select(ConnectionRequest)
        .where(*conditions)
        .order_by(ConnectionRequest.created_at.desc(), ConnectionRequest.id)
    )
    return fetch_page(db, statement, page)


def answer_request(
    db: Session, *, user_id: uuid.UUID, request_id: uuid.UUID, accept: bool
) -> ConnectionRequest:
    """Accept or decline a pending request addressed to the caller; after a decline, its
    sender may ask the caller again after ``HOBBYMATCH_MATCHES_DECLINE_COOLDOWN_DAYS``.

    :raises RequestNotFoundError: no such request addressed to the caller (others' look missing).
    :raises RequestNotPendingError: it was already answered.
    """
    request = _request_for(
        db, request_id=request_id, condition=ConnectionRequest.recipient_id == user_id
    )
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    request.responded_at = utc_now()
    db.flush()
    if accept:
        hooks(db).matches_request_accepted(db=db, request=request)
    else:
        _start_cooldown(db, request, CooldownReason.DECLINED)
        hooks(db).matches_request_declined(db=db, request=request)
    db.commit()
    return request


def withdraw_request(db: Session, *, user_id: uuid.UUID, request_id: uuid.UUID) -> None:
    """Withdraw (delete) a pending request the caller sent; they may ask that person again
    after ``HOBBYMATCH_MATCHES_WITHDRAWAL_COOLDOWN_HOURS``.

    :raises RequestNotFoundError: no such request sent by the caller.
    :raises RequestNotPendingError: it was already answered.
    """
    request = _request_for(
        db, request_id=request_id, condition=ConnectionRequest.sender_id == user_id
    )
    _start_cooldown(db, request, CooldownReason.WITHDRAWN)
    hooks(db).matches_request_withdrawn(db=db, request=request)
    db.delete(request)
    db.commit()


def are_connected(db: Session, first: uuid.UUID, second: uuid.UUID) -> bool:
    """Whether ``first`` and ``second`` are connected (a request between them was accepted)."""
    return db.scalar(select(_connection(first, second).exists())) or False


def were_ever_connected(db: Session, first: uuid.UUID, second: uuid.UUID) -> bool:
    """Whether ``first`` and ``second`` are connected now or were once, before the connection
    ended (by either of them, or by a block)."""
    ended = select(PastConnection.id).where(PastConnection.pair_key == pair_key(first, second))
    return are_connected(db, first, second) or bool(db.scalar(select(ended.exists())))


def remove_connection(db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """End the caller's connection with ``other_user_id``; either may, and either may then ask
    again.

    :raises NotConnectedError: the two are not connected.
    """
    connection = db.scalar(_connection(user_id, other_user_id).with_for_update())
    if connection is None:
        raise NotConnectedError("you are not connected with this user")
    _end(db, connection)
    hooks(db).matches_connection_removed(db=db, user_id=user_id, other_user_id=other_user_id)
    db.commit()


def separate(db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """Withdraw the pending requests between two people and end their connection, firing the
    usual events, in the caller's transaction (not committed here)."""
    requests = db.scalars(
        select(ConnectionRequest)
        .where(
            ConnectionRequest.pair_key == pair_key(user_id, other_user_id),
            ConnectionRequest.status.in_([RequestStatus.PENDING, RequestStatus.ACCEPTED]),
        )
        .with_for_update()
    ).all()
    for request in requests:
        if request.status == RequestStatus.PENDING:
            hooks(db).matches_request_withdrawn(db=db, request=request)
            db.delete(request)
            continue
        _end(db, request)
        hooks(db).matches_connection_removed(db=db, user_id=user_id, other_user_id=other_user_id)
    db.flush()


def list_connections(
    db: Session, *, user_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[User, datetime]], int]:
    """One page of the people the caller is connected with, newest connection first; not
    those whose accounts are inactive (deactivated, or restricted by a moderator)."""
    conditions = [
        ConnectionRequest.status == RequestStatus.ACCEPTED,
        or_(ConnectionRequest.sender_id == user_id, ConnectionRequest.recipient_id == user_id),
        is_active_user(ConnectionRequest.sender_id),
        is_active_user(ConnectionRequest.recipient_id),
    ]
    statement = (
        select(ConnectionRequest)
        .where(*conditions)
        .order_by(ConnectionRequest.responded_at.desc(), ConnectionRequest.id)
    )
    accepted, total = fetch_page(db, statement, page)
    other_ids = [
        request.recipient_id if request.sender_id == user_id else request.sender_id
        for request in accepted
    ]
    users = users_by_id(db, other_ids)
    connected_at = [request.responded_at or request.created_at for request in accepted]
    return [(users[other], at) for other, at in zip(other_ids, connected_at, strict=True)], total


def _end(db: Session, connection: ConnectionRequest) -> None:
    # The accepted request goes; what remains of the connection is a PastConnection.
    db.add(
        PastConnection(
            first_id=connection.sender_id,
            second_id=connection.recipient_id,
            pair_key=connection.pair_key,
            connected_at=connection.responded_at or connection.created_at,
        )
    )
    db.delete(connection)
    db.flush()


def _connection(first: uuid.UUID, second: uuid.UUID) -> Select[ConnectionRequest]:
    return select(ConnectionRequest).where(
        ConnectionRequest.pair_key == pair_key(first, second),
        ConnectionRequest.status == RequestStatus.ACCEPTED,
    )


def _request_for(
    db: Session, *, request_id: uuid.UUID, condition: ColumnElement[bool]
) -> ConnectionRequest:
    request = db.scalar(
        select(ConnectionRequest)
        .where(ConnectionRequest.id == request_id, condition)
        .with_for_update()
    )
    if request is None:
        raise RequestNotFoundError("request not found")
    if request.status != RequestStatus.PENDING:
        raise RequestNotPendingError(f"this request is already {request.status}")
    return request

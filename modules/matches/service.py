"""The matches module's business rules: plain functions that take a session, never HTTP."""

import math
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
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
from modules.matches.filtering import MatchFilter
from modules.matches.freshness import LiveIndex
from modules.matches.index import Ranked
from modules.matches.models import (
    ConnectionRequest,
    CooldownReason,
    RequestCooldown,
    RequestStatus,
    SentRequest,
    pair_key,
)
from modules.matches.rule import MatchType
from modules.matches.schemas import Match, MatchReason
from modules.matches.scoring import ListEntry, explain, ranking_count, ranking_page
from modules.matches.settings import MatchesSettings
from modules.skills import Skill, UserSkill
from modules.users import User, UserPublic, get_user, gone_for, hidden_from, users_by_id

_ALL = 2**31 - 1
# The window of HOBBYMATCH_MATCHES_REQUESTS_PER_DAY.
REQUEST_WINDOW = timedelta(days=1)


def find_matches(
    db: Session,
    *,
    user_id: uuid.UUID,
    match_type: MatchType,
    page: PageParams,
    query: Mapping[str, str] | None = None,
    use_index: bool = True,
) -> tuple[list[Match], int]:
    """One page of the caller's matches, best first (ties by user id), and how many in all.

    Ranked by this worker's index once it is ready (synced with every change committed so far),
    else in SQL over every user; only the page's users are loaded. The people hidden from the
    caller (the users module's ``users_hidden_from``) are never ranked; other modules narrow the
    ranking (``matches_filter``) and add fields to the page (``matches_annotate``).

    :param query: the request's query parameters, for those extension points.
    :param use_index: ``False`` ranks in SQL even when the index is ready (the reference).
    """
    query = query or {}
    # The extension points are asked first, even for a caller with nothing to rank: they
    # validate their own query parameters (a within_km without a place is 422 either way).
    hidden = MatchFilter(hidden=hidden_from(db, user_id))
    filters = [hidden, *hooks(db).matches_filter(db=db, user_id=user_id, query=query)]
    mine = lists_of(db, [user_id])[user_id]
    if not mine:
        return [], 0
    allowed = MatchFilter.combined(filters)
    index: LiveIndex | None = Platform.of(db).find_state(LiveIndex)
    snapshot = index.fresh_snapshot(db) if index is not None and use_index else None
    if snapshot is not None:
        ranked = snapshot.rank(
            match_type, mine, me=user_id, limit=page.limit, offset=page.offset, allowed=allowed
        )
    else:
        ranked = rank_in_sql(db, match_type, mine, me=user_id, page=page, allowed=allowed)
    matches = _explained(db, match_type, mine, ranked.page)
    extra_fields = _annotations(db, user_id, matches, query)
    annotated = [
        match.model_copy(update=dict(extra_fields.get(match.user.id, {}))) for match in matches
    ]
    return annotated, ranked.total


def rank_in_sql(
    db: Session,
    match_type: MatchType,
    mine: Sequence[ListEntry],
    *,
    me: uuid.UUID,
    page: PageParams,
    allowed: MatchFilter | None = None,
) -> Ranked:
    """The reference ranking, in the database over every user. With a filter, the whole
    ranking is read and filtered here: the reference is for correctness, not speed."""
    if allowed is not None:
        everyone = rank_in_sql(db, match_type, mine, me=me, page=PageParams(limit=_ALL, offset=0))
        kept = [(user, points) for user, points in everyone.page if allowed.allows(user)]
        return Ranked(page=kept[page.offset : page.offset + page.limit], total=len(kept))
    ranking = ranking_page(match_type, mine, me=me, limit=page.limit, offset=page.offset)
    rows = db.execute(ranking).all()
    if rows:
        total = int(rows[0].total)
    elif page.offset:
        total = int(db.scalar(ranking_count(match_type, mine, me=me)) or 0)
    else:
        total = 0
    return Ranked(page=[(row.user_id, int(row.points)) for row in rows], total=total)


def _explained(
    db: Session,
    match_type: MatchType,
    mine: Sequence[ListEntry],
    page: Sequence[tuple[uuid.UUID, int]],
) -> list[Match]:
    ids = [user for user, _ in page]
    users = users_by_id(db, ids)
    lists = lists_of(db, ids)
    return [
        Match(
            user=UserPublic.model_validate(users[user]),
            score=points / 100,
            type=match_type,
            reasons=[
                MatchReason(**reason._asdict()) for reason in explain(match_type, mine, lists[user])
            ],
        )
        for user, points in page
    ]


def _annotations(
    db: Session, user_id: uuid.UUID, matches: list[Match], query: Mapping[str, str]
) -> dict[uuid.UUID, dict[str, object]]:
    fields: dict[uuid.UUID, dict[str, object]] = defaultdict(dict)
    for answer in hooks(db).matches_annotate(db=db, user_id=user_id, matches=matches, query=query):
        for other, values in (answer or {}).items():
            fields[other].update(values)
    return fields


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


def remove_connection(db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """End the caller's connection with ``other_user_id``; either may, and either may then ask
    again.

    :raises NotConnectedError: the two are not connected.
    """
    connection = db.scalar(_connection(user_id, other_user_id).with_for_update())
    if connection is None:
        raise NotConnectedError("you are not connected with this user")
    db.delete(connection)
    db.flush()
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
        db.delete(request)
        db.flush()
        hooks(db).matches_connection_removed(db=db, user_id=user_id, other_user_id=other_user_id)
    db.flush()


def list_connections(
    db: Session, *, user_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[User, datetime]], int]:
    """One page of the people the caller is connected with, newest connection first."""
    conditions = [
        ConnectionRequest.status == RequestStatus.ACCEPTED,
        or_(ConnectionRequest.sender_id == user_id, ConnectionRequest.recipient_id == user_id),
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


def lists_of(db: Session, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ListEntry]]:
    """The skill lists of these users, by user id, each in rank order (empty when none).

    Read through the Core connection: every ranking reads the caller's list and the page's.
    """
    rows = db.connection().execute(
        select(
            UserSkill.user_id,
            UserSkill.skill_id,
            Skill.name,
            Skill.category,
            UserSkill.intent,
            UserSkill.rank,
        )
        .join(Skill, Skill.id == UserSkill.skill_id)
        .where(UserSkill.user_id.in_(user_ids))
        .order_by(UserSkill.user_id, UserSkill.rank)
    )
    lists: dict[uuid.UUID, list[ListEntry]] = defaultdict(list)
    for user_id, skill_id, name, category, intent, rank in rows:
        lists[user_id].append(ListEntry(skill_id, name, category, intent, rank))
    return lists

"""The notifications module's rules: plain functions that take a session, never HTTP."""

import hashlib
import secrets
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from core import Mail, PageParams, Platform, defer, fetch_page, hooks, send_mail, upsert, utc_now
from modules.notifications.exceptions import InvalidTicketError, UnknownUnsubscribeLinkError
from modules.notifications.live import CHANNEL
from modules.notifications.mails import WHAT_HAPPENED, digest_mail
from modules.notifications.models import (
    DEFAULT_DIGEST,
    MAX_KIND_LENGTH,
    Digest,
    Inbox,
    Kind,
    MailChoice,
    Notification,
    StreamTicket,
)
from modules.notifications.schemas import NotificationOut
from modules.users import User, UserPublic, has_verified_address, is_active_user, users_by_id

STREAM_BATCH = 100
# One answer for every refused ticket: its holder learns nothing about the account from it.
REFUSED_TICKET = "the stream ticket is unknown, expired, already used, or its sign-in revoked"
# Ids per query when reading the token versions of every person with an open stream.
VERSIONS_BATCH = 500
# People queued for a digest per run of the periodic job (the next run takes the rest), and
# the notifications a digest lists (it says how many more there are).
DIGEST_BATCH = 500
DIGEST_ITEMS = 20
DAILY = timedelta(days=1)


@dataclass(frozen=True)
class TicketHolder:
    """Whose stream a ticket opens, and the token version it was issued under."""

    user_id: uuid.UUID
    token_version: int


def notify(
    db: Session, *, user_id: uuid.UUID, kind: str, actor_id: uuid.UUID, subject_id: object
) -> Notification:
    """Add a notification for ``user_id`` in the caller's transaction, and have it pushed to
    their streams when that transaction commits."""
    _lock_inbox(db, user_id)
    return _add(db, user_id=user_id, kind=kind, actor_id=actor_id, subject_id=subject_id)


def notify_of_module(
    db: Session,
    *,
    user_id: uuid.UUID,
    kind: str,
    actor_id: uuid.UUID,
    subject_id: object,
    mail_now: bool = False,
) -> None:
    """Add a notification of a kind that another module declared (``notifications_kinds``),
    in the caller's transaction; pushed to ``user_id``'s streams when that commits, and mailed
    in their digest, or at once with ``mail_now`` (for what cannot wait: a reminder), unless
    they turned mail off.

    :raises ValueError: no enabled module declared ``kind``.
    """
    if kind in WHAT_HAPPENED or kind not in declared_kinds(db):
        raise ValueError(f"no enabled module declares the notification kind {kind!r}")
    added = notify(db, user_id=user_id, kind=kind, actor_id=actor_id, subject_id=subject_id)
    if mail_now:
        defer(db, "notifications.mail_one", {"notification_id": added.id})


def mail_one(db: Session, *, notification_id: int) -> None:
    """Mail one notification on its own (``mail_now``), with the digest's unsubscribe link;
    nothing if it was read or deleted meanwhile, its person turned mail off or has no verified
    address. A digest never lists it again."""
    notification = db.get(Notification, notification_id)
    if notification is None or notification.read_at is not None:
        return
    user = users_by_id(db, [notification.user_id]).get(notification.user_id)
    if user is None or not user.is_active or not user.email_verified:
        return
    if digest_choice(db, user_id=user.id) == Digest.OFF:
        return
    items = described(db, [notification])
    if not items:
        return
    choice = _mail_choice(db, user.id)
    send_mail(db, _digest_of(db, user, choice, items, total=1))
    notification.mailed_at = Platform.of(db).clock()


def declared_kinds(db: Session) -> dict[str, str]:
    """Every kind of notification, the module's own and the declared ones, with the line that
    tells it in a digest."""
    kinds = dict(WHAT_HAPPENED)
    for answer in hooks(db).notifications_kinds():
        for kind, line in answer.items():
            if "." not in kind or len(kind) > MAX_KIND_LENGTH:
                raise ValueError(f"notification kind {kind!r}: name it <module>.<name>, 50 long")
            kinds[kind] = line
    return kinds


def _add(
    db: Session, *, user_id: uuid.UUID, kind: str, actor_id: uuid.UUID, subject_id: object
) -> Notification:
    notification = Notification(
        user_id=user_id, kind=kind, actor_id=actor_id, subject_id=str(subject_id)
    )
    db.add(notification)
    db.flush()
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(func.pg_notify(CHANNEL, str(user_id))))
    return notification


def notify_message(
    db: Session, *, user_id: uuid.UUID, actor_id: uuid.UUID, message_id: int
) -> None:
    """Announce a message, unless an unread message notification of the same conversation
    already does: one per conversation while unread."""
    _lock_inbox(db, user_id)
    waiting = db.scalar(select(Notification.id).where(_unread_messages(user_id, actor_id)).limit(1))
    if waiting is None:
        _add(
            db,
            user_id=user_id,
            kind=Kind.MESSAGE_RECEIVED,
            actor_id=actor_id,
            subject_id=message_id,
        )


def conversation_read(db: Session, *, user_id: uuid.UUID, actor_id: uuid.UUID) -> None:
    """``user_id`` read ``actor_id``'s messages: their message notification is read too."""
    db.execute(
        update(Notification).where(_unread_messages(user_id, actor_id)).values(read_at=utc_now())
    )


def forget_request(db: Session, *, request_id: uuid.UUID) -> None:
    """A request was withdrawn: its notification goes with it."""
    db.execute(
        delete(Notification).where(
            Notification.kind == Kind.REQUEST_RECEIVED, Notification.subject_id == str(request_id)
        )
    )


def forget_between(db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """The two are hidden from each other: what either was told of the other goes, as it would
    with a deleted account."""
    db.execute(
        delete(Notification).where(
            ((Notification.user_id == user_id) & (Notification.actor_id == other_user_id))
            | ((Notification.user_id == other_user_id) & (Notification.actor_id == user_id))
        )
    )


def list_notifications(
    db: Session, *, user_id: uuid.UUID, unread: bool, page: PageParams
) -> tuple[list[NotificationOut], int]:
    """One page of ``user_id``'s notifications from active people, newest first."""
    conditions = [Notification.user_id == user_id, is_active_user(Notification.actor_id)]
    if unread:
        conditions.append(Notification.read_at.is_(None))
    statement = select(Notification).where(*conditions).order_by(Notification.id.desc())
    found, total = fetch_page(db, statement, page)
    return described(db, found), total


def mark_read(db: Session, *, user_id: uuid.UUID, ids: Sequence[int] | None) -> None:
    """Mark the caller's notifications ``ids`` read (others' ids are ignored), or all when
    ``ids`` is ``None``."""
    conditions = [Notification.user_id == user_id, Notification.read_at.is_(None)]
    if ids is not None:
        conditions.append(Notification.id.in_(ids))
    db.execute(update(Notification).where(*conditions).values(read_at=utc_now()))
    db.commit()


def issue_ticket(
    db: Session, *, user_id: uuid.UUID, token_version: int, lifetime: timedelta
) -> str:
    """A new single-use stream ticket for ``user_id``, signed in under ``token_version``;
    expired tickets are swept out."""
    ticket = secrets.token_urlsafe(32)
    now = utc_now()
    db.execute(delete(StreamTicket).where(StreamTicket.expires_at <= now))
    db.add(
        StreamTicket(
            ticket_hash=_hashed(ticket),
            user_id=user_id,
            token_version=token_version,
            expires_at=now + lifetime,
        )
    )
    db.commit()
    return ticket


def redeem_ticket(session_factory: sessionmaker[Session], ticket: str) -> TicketHolder:
    """Use up ``ticket``: whose stream it opens, under which token version.

    :raises InvalidTicketError: unknown, expired or already used; or the account was deleted,
        deactivated, or changed its password since the ticket was issued.
    """
    with session_factory() as db:
        row = db.execute(
            delete(StreamTicket)
            .where(StreamTicket.ticket_hash == _hashed(ticket), StreamTicket.expires_at > utc_now())
            .returning(StreamTicket.user_id, StreamTicket.token_version)
        ).one_or_none()
        db.commit()
        if row is None:
            raise InvalidTicketError(REFUSED_TICKET)
        holder = TicketHolder(user_id=row.user_id, token_version=row.token_version)
        if token_versions(db, [holder.user_id]).get(holder.user_id) != holder.token_version:
            raise InvalidTicketError(REFUSED_TICKET)
    return holder


def token_versions(db: Session, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The current token versions of those of ``user_ids`` whose accounts are active (a
    deleted or deactivated account is missing), a primary-key lookup per id, in batches."""
    wanted = list(user_ids)
    versions: dict[uuid.UUID, int] = {}
    connection = db.connection()
    for start in range(0, len(wanted), VERSIONS_BATCH):
        rows = connection.execute(_TOKEN_VERSIONS, {"ids": wanted[start : start + VERSIONS_BATCH]})
        versions.update({user_id: version for user_id, version in rows})
    return versions


# Built once, of the table's plain columns, on the Core connection: the ORM's statement
# building and row handling cost three times the query itself for a thousand streams.
_USERS = User.__table__.c
_TOKEN_VERSIONS = select(_USERS.id, _USERS.token_version).where(
    _USERS.id.in_(bindparam("ids", expanding=True)), is_active_user(_USERS.id)
)


def current_token_versions(
    session_factory: sessionmaker[Session], user_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """:func:`token_versions` in a session of its own (for the stream hub's checker)."""
    with session_factory() as db:
        return token_versions(db, user_ids)


def newest_id(session_factory: sessionmaker[Session], user_id: uuid.UUID) -> int:
    """The id of ``user_id``'s newest notification (0 when none): a new stream starts there."""
    with session_factory() as db:
        return (
            db.scalar(select(func.max(Notification.id)).where(Notification.user_id == user_id)) or 0
        )


def notifications_after(
    session_factory: sessionmaker[Session], user_id: uuid.UUID, after: int
) -> list[NotificationOut]:
    """``user_id``'s notifications with ids above ``after``, oldest first, a batch at a time."""
    with session_factory() as db:
        found = db.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.id > after)
            .order_by(Notification.id)
            .limit(STREAM_BATCH)
        ).all()
        return described(db, found)


def described(db: Session, notifications: Sequence[Notification]) -> list[NotificationOut]:
    """The notifications as clients see them, with their actors' public profiles."""
    actors = users_by_id(db, (n.actor_id for n in notifications))
    return [
        NotificationOut(
            id=n.id,
            kind=n.kind,
            actor=UserPublic.model_validate(actors[n.actor_id]),
            subject_id=n.subject_id,
            created_at=n.created_at,
            read_at=n.read_at,
        )
        for n in notifications
        if n.actor_id in actors
    ]


def digest_choice(db: Session, *, user_id: uuid.UUID) -> Digest:
    """How often ``user_id`` is mailed their unread notifications."""
    choice = db.get(MailChoice, user_id)
    return Digest(choice.digest) if choice else DEFAULT_DIGEST


def choose_digest(db: Session, *, user_id: uuid.UUID, digest: Digest) -> None:
    """Set how often ``user_id`` is mailed their unread notifications."""
    _mail_choice(db, user_id).digest = digest
    db.commit()


def unsubscribe(db: Session, *, token: str) -> None:
    """Turn off the digest of the person whose digests carry ``token`` (one click in a mail).

    :raises UnknownUnsubscribeLinkError: no digest carried it.
    """
    choice = db.scalar(select(MailChoice).where(MailChoice.unsubscribe_token == token))
    if choice is None:
        raise UnknownUnsubscribeLinkError("this unsubscribe link is unknown")
    choice.digest = Digest.OFF
    db.commit()


def queue_digests(db: Session, *, now: datetime, quiet: timedelta) -> int:
    """Queue a digest for each person due one: unread notifications not mailed yet, the
    newest at least ``quiet`` old (no mail while a conversation goes on), at a verified
    address, and for ``daily``, no digest in the last day. Each digest covers the
    notifications up to the newest, which the next one never lists again. In the caller's
    transaction; returns how many were queued (at most :data:`DIGEST_BATCH`)."""
    digest = func.coalesce(MailChoice.digest, DEFAULT_DIGEST.value)
    due = (
        select(Notification.user_id, func.max(Notification.id))
        .outerjoin(MailChoice, MailChoice.user_id == Notification.user_id)
        .where(
            Notification.read_at.is_(None),
            Notification.mailed_at.is_(None),
            Notification.id > func.coalesce(MailChoice.mailed_up_to, 0),
            digest != Digest.OFF.value,
            or_(
                digest == Digest.IMMEDIATELY.value,
                MailChoice.last_mailed_at.is_(None),
                MailChoice.last_mailed_at <= now - DAILY,
            ),
            has_verified_address(Notification.user_id),
        )
        .group_by(Notification.user_id)
        .having(func.max(Notification.created_at) <= now - quiet)
        .limit(DIGEST_BATCH)
    )
    queued = db.execute(due).all()
    for user_id, newest in queued:
        choice = _mail_choice(db, user_id)
        payload = {"user_id": str(user_id), "after": choice.mailed_up_to, "up_to": newest}
        defer(db, "notifications.send_digest", payload, lock=f"digest:{user_id}")
        choice.mailed_up_to, choice.last_mailed_at = newest, now
    return len(queued)


def send_digest(db: Session, *, user_id: uuid.UUID, after: int, up_to: int) -> None:
    """Mail ``user_id`` their notifications with ids in (``after``, ``up_to``] that are still
    unread, newest first, with a one-click unsubscribe link; nothing if they turned the digest
    off, lost their verified address or read them all since the digest was queued."""
    choice = db.get(MailChoice, user_id)
    user = users_by_id(db, [user_id]).get(user_id)
    if choice is None or choice.digest == Digest.OFF or user is None:
        return
    if not user.is_active or not user.email_verified:
        return
    unread = and_(
        Notification.user_id == user_id,
        Notification.read_at.is_(None),
        Notification.mailed_at.is_(None),
        Notification.id > after,
        Notification.id <= up_to,
    )
    total = db.scalar(select(func.count()).where(unread)) or 0
    newest = db.scalars(
        select(Notification).where(unread).order_by(Notification.id.desc()).limit(DIGEST_ITEMS)
    ).all()
    items = described(db, newest)
    if not items:
        return
    send_mail(db, _digest_of(db, user, choice, items, total=total))


def _digest_of(
    db: Session, user: User, choice: MailChoice, items: Sequence[NotificationOut], *, total: int
) -> Mail:
    public_url = Platform.of(db).settings.public_url
    unsubscribe_url = f"{public_url}/notifications/unsubscribe?token={choice.unsubscribe_token}"
    return digest_mail(
        to=user.email,
        name=user.display_name,
        items=items,
        total=total,
        unsubscribe_url=unsubscribe_url,
        phrases=declared_kinds(db),
    )


def _mail_choice(db: Session, user_id: uuid.UUID) -> MailChoice:
    # The person's row, made with the default choice if they have none (a concurrent maker
    # wins quietly), and locked until the transaction ends.
    row = {
        "user_id": user_id,
        "digest": DEFAULT_DIGEST.value,
        "mailed_up_to": 0,
        "unsubscribe_token": secrets.token_urlsafe(32),
    }
    db.execute(upsert(db, MailChoice).values(**row).on_conflict_do_nothing())
    return db.get_one(MailChoice, user_id, with_for_update=True, populate_existing=True)


def _lock_inbox(db: Session, user_id: uuid.UUID) -> None:
    # Upserting the person's inbox row locks it until the transaction ends (PostgreSQL; SQLite
    # has one writer at a time anyway), so their notifications commit in id order.
    statement = upsert(db, Inbox).values(user_id=user_id, notified=1)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=[Inbox.user_id], set_={"notified": Inbox.notified + 1}
        )
    )


def _unread_messages(user_id: uuid.UUID, actor_id: uuid.UUID) -> ColumnElement[bool]:
    return and_(
        Notification.user_id == user_id,
        Notification.actor_id == actor_id,
        Notification.kind == Kind.MESSAGE_RECEIVED,
        Notification.read_at.is_(None),
    )


def _hashed(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()

"""Notifications: people are told, live, that a request arrived, was accepted, or that a
message came.

Requires users, matches and messages, and uses only what their front doors export. Each
notification is written by this module's implementations of their events, in the same
transaction as what it announces (a request received, a request accepted, a message received:
one per conversation while unread). ``GET /notifications/stream`` pushes each new one as a
Server-Sent Event within a second of its commit, on any worker and any machine, through
PostgreSQL's ``LISTEN``/``NOTIFY`` (polling on SQLite); the stream ends within a second of a
password change, a deactivation or a deletion of the account, on any worker (each worker
re-reads its streams' token versions) — see :mod:`modules.notifications.live`. Unread
notifications are mailed in a digest once no new one came for a quiet while (each person
chooses off, daily or immediately; only ever to a verified address, with a one-click
unsubscribe): the jobs ``notifications.queue_digests`` (each minute) and
``notifications.send_digest``. Its settings are ``HOBBYMATCH_NOTIFICATIONS_*``
(:class:`NotificationsSettings`).

Other modules tell people of their own events through what this front door exports, after
declaring their kinds of notification (``notifications_kinds``, in
:mod:`modules.notifications.hookspecs`):

- ``notify(db, user_id=, kind=, actor_id=, subject_id=, mail_now=False)``: a notification of
  a declared kind for ``user_id``, in the caller's transaction, pushed live when it commits
  and mailed in the person's digest, or at once with ``mail_now`` (a reminder), unless they
  turned mail off; ``ValueError`` for a kind no enabled module declared.
"""

import uuid
from collections.abc import Iterator, Sequence
from functools import partial

import pluggy
from fastapi import APIRouter, FastAPI
from prometheus_client.registry import Collector
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from core import Base, JobDeclaration, ModuleInfo, Platform, hookimpl
from modules.matches import ConnectionRequest
from modules.messages import Message
from modules.notifications import hookspecs, service
from modules.notifications.demo import seed_demo_notifications
from modules.notifications.live import StreamHub, StreamMetrics
from modules.notifications.models import Inbox, Kind, MailChoice, Notification, StreamTicket
from modules.notifications.service import notify_of_module as notify
from modules.notifications.settings import NotificationsSettings

MODULE_INFO = ModuleInfo(
    name="notifications",
    version="0.1.0",
    requires=("users", "matches", "messages"),
    settings=NotificationsSettings,
)

__all__ = ["MODULE_INFO", "notify"]


@hookimpl
def hobbymatch_addhooks(plugin_manager: pluggy.PluginManager) -> None:
    """Declare the extension point ``notifications_kinds``
    (:mod:`modules.notifications.hookspecs`)."""
    plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Notifications, each person's inbox row, stream tickets, and choices of mail."""
    return [Notification, Inbox, StreamTicket, MailChoice]


@hookimpl
def hobbymatch_jobs() -> Sequence[JobDeclaration]:
    """The digest of unread notifications: ``notifications.queue_digests`` each minute, and
    ``notifications.send_digest`` for each person it queues; ``notifications.mail_one`` for a
    notification that cannot wait."""
    from modules.notifications.jobs import mail_one, queue_digests, send_digest

    return [queue_digests, send_digest, mail_one]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/notifications``."""
    from modules.notifications.router import router

    return [router]


@hookimpl
def hobbymatch_metrics(app: FastAPI) -> Sequence[Collector]:
    """The streams open now, over every worker."""
    metrics = StreamMetrics()
    Platform.of(app).keep(metrics)
    return [metrics.open_streams]


@hookimpl
def hobbymatch_startup(app: FastAPI) -> None:
    """Prepare this worker's stream hub; it starts listening when the first stream opens."""
    platform = Platform.of(app)
    configured = platform.settings_of(NotificationsSettings)
    url = (
        make_url(configured.listen_url.get_secret_value())
        if configured.listen_url
        else platform.engine.url
    )
    dsn = None
    if url.get_backend_name() == "postgresql":
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    platform.keep(
        StreamHub(
            dsn,
            poll_seconds=configured.poll_seconds,
            token_versions=partial(service.current_token_versions, platform.session_factory),
            check_seconds=configured.revocation_check_seconds,
            metrics=platform.find_state(StreamMetrics),
        )
    )


@hookimpl
def hobbymatch_shutdown(app: FastAPI) -> None:
    """Stop listening."""
    hub = Platform.of(app).forget(StreamHub)
    if hub is not None:
        hub.stop()


@hookimpl
def matches_request_sent(db: Session, request: ConnectionRequest) -> None:
    """Tell the recipient that a request arrived."""
    service.notify(
        db,
        user_id=request.recipient_id,
        kind=Kind.REQUEST_RECEIVED,
        actor_id=request.sender_id,
        subject_id=request.id,
    )


@hookimpl
def matches_request_accepted(db: Session, request: ConnectionRequest) -> None:
    """Tell the sender that their request was accepted."""
    service.notify(
        db,
        user_id=request.sender_id,
        kind=Kind.REQUEST_ACCEPTED,
        actor_id=request.recipient_id,
        subject_id=request.id,
    )


@hookimpl
def matches_request_withdrawn(db: Session, request: ConnectionRequest) -> None:
    """A withdrawn request's notification goes with it."""
    service.forget_request(db, request_id=request.id)


@hookimpl
def messages_message_sent(db: Session, message: Message) -> None:
    """Tell the recipient that a message came, once per conversation while unread."""
    service.notify_message(
        db, user_id=message.recipient_id, actor_id=message.sender_id, message_id=message.id
    )


@hookimpl
def messages_conversation_read(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """A conversation read: its message notification is read too."""
    service.conversation_read(db, user_id=user_id, actor_id=other_user_id)


@hookimpl
def users_hidden_pair(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """Two people are hidden from each other (a block): forget what either was told of the
    other, so that the blocked person's notifications look as if the blocker's account were
    deleted."""
    service.forget_between(db, user_id=user_id, other_user_id=other_user_id)


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Notifications for the demo data: pending requests, accepted ones, unread messages."""
    return seed_demo_notifications(db, count=count, seed=seed)

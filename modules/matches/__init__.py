"""Matches: ranked, explained matches between users, and connection requests.

Requires users and skills, and uses only what their front doors export. ``shared`` ranks people
who list the same skills, ``trade`` people who teach what the caller wants to learn (see
:mod:`modules.matches.scoring`). Each worker ranks from an in-memory index
(:mod:`modules.matches.index`), built at start-up and kept fresh from a change log that this
module writes when the users and skills events say that a list or an account changed
(:mod:`modules.matches.freshness`); the SQL ranking answers until the index is ready, and stays
as its reference. Connection requests, once accepted, are the one place where two users see
each other's email. The people hidden from a caller (the users module's ``users_hidden_from``)
are never ranked for them and cannot be asked to connect (404); when two people are hidden from
each other (``users_hidden_pair``), their pending requests are withdrawn and their connection
ends. Asking is limited (:class:`MatchesSettings`, ``HOBBYMATCH_MATCHES_*``): so many requests
per sender a day, withdrawn ones included, and a cooldown before a sender may ask the same
person again after a decline or a withdrawal.

Its events, for other modules to implement, are in :mod:`modules.matches.hookspecs`
(``matches_request_sent``, ``_accepted``, ``_declined``, ``_withdrawn``,
``matches_connection_removed``). Other modules may use what this front door exports:

- ``are_connected(db, a, b)``: whether two users are connected.
- ``were_ever_connected(db, a, b)``: whether they are, or were before the connection ended.
- ``ConnectionRequest`` and ``RequestStatus``: the model the events carry, and its statuses.
- ``MatchFilter`` and ``Match``: what a ``matches_filter`` implementation returns, and what
  ``matches_annotate`` receives.
"""

import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta

import pluggy
from fastapi import APIRouter, FastAPI
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from core import Base, ModuleInfo, Platform, Settings, hookimpl
from modules.matches import hookspecs
from modules.matches.connections import are_connected, separate, were_ever_connected
from modules.matches.demo import seed_demo_requests
from modules.matches.filtering import MatchFilter
from modules.matches.freshness import IndexSettings, LiveIndex, record_change
from modules.matches.metrics import IndexMetrics
from modules.matches.models import (
    ConnectionRequest,
    MatchChange,
    PastConnection,
    RequestCooldown,
    RequestStatus,
    SentRequest,
)
from modules.matches.schemas import Match
from modules.matches.settings import MatchesSettings

MODULE_INFO = ModuleInfo(
    name="matches", version="0.1.0", requires=("users", "skills"), settings=MatchesSettings
)

__all__ = [
    "MODULE_INFO",
    "ConnectionRequest",
    "Match",
    "MatchFilter",
    "RequestStatus",
    "are_connected",
    "were_ever_connected",
]


@hookimpl
def hobbymatch_addhooks(plugin_manager: pluggy.PluginManager) -> None:
    """Declare the matches module's events (:mod:`modules.matches.hookspecs`)."""
    plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Connection requests, the connections that ended, what limits sending requests (those
    sent in the last day, cooldowns between two people), and the change log that keeps every
    worker's index fresh."""
    return [ConnectionRequest, PastConnection, SentRequest, RequestCooldown, MatchChange]


@hookimpl
def hobbymatch_metrics(app: FastAPI) -> Sequence[Collector]:
    """This worker's matching index: ready, size, memory, last build and last sync
    (:mod:`modules.matches.metrics`)."""
    metrics = IndexMetrics()
    Platform.of(app).keep(metrics)
    return metrics.collectors


@hookimpl
def hobbymatch_startup(app: FastAPI, settings: Settings, db: Session) -> None:
    """Start building this worker's matching index in the background (unless it is off)."""
    platform = Platform.of(app)
    configured = platform.settings_of(MatchesSettings)
    if not configured.index:
        return
    index = LiveIndex(
        platform.session_factory,
        IndexSettings(
            rebuild_after_changes=configured.rebuild_after_changes,
            gap_seconds=configured.gap_seconds,
            log_retention=timedelta(minutes=configured.change_log_minutes),
            housekeeping_seconds=30.0,
        ),
        metrics=platform.find_state(IndexMetrics),
    )
    platform.keep(index)
    index.start()


@hookimpl
def hobbymatch_shutdown(app: FastAPI) -> None:
    """Stop the index's background thread."""
    index = Platform.of(app).forget(LiveIndex)
    if index is not None:
        index.stop()


@hookimpl
def skills_list_changed(db: Session, user_id: uuid.UUID) -> None:
    """A list changed: log it, so that every worker re-reads the user before ranking."""
    record_change(db, user_id)


@hookimpl
def users_user_deactivated(db: Session, user_id: uuid.UUID) -> None:
    """A deactivated account leaves every ranking: log it."""
    record_change(db, user_id)


@hookimpl
def users_user_reactivated(db: Session, user_id: uuid.UUID) -> None:
    """A reactivated account comes back into rankings: log it."""
    record_change(db, user_id)


@hookimpl
def users_user_deleted(db: Session, user_id: uuid.UUID) -> None:
    """A deleted account leaves every ranking: log it."""
    record_change(db, user_id)


@hookimpl
def users_hidden_pair(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """Two people are hidden from each other: withdraw the requests between them and end their
    connection (with this module's events)."""
    separate(db, user_id=user_id, other_user_id=other_user_id)


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Connection requests between demo users: about two sent by each, most accepted, some
    pending, a few declined."""
    return seed_demo_requests(db, count=count, seed=seed)


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/matches``, ``/matches/requests`` and ``/matches/connections``."""
    from modules.matches.router import router

    return [router]

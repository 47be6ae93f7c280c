"""Reads from PostgreSQL streaming replicas, with read-your-writes.

A route opts in with ``dependencies=[ReadsFromReplica]``; its ``GET`` (and ``HEAD``) requests
then read from a replica of ``HOBBYMATCH_REPLICA_URLS`` when one is fresh enough:

- **fresh**: it answered its last check, and has replayed everything the primary had written
  ``HOBBYMATCH_REPLICA_MAX_LAG`` seconds ago; a replica that lags more, or is down, is skipped
  and the primary serves;
- **read-your-writes**: a request with another method that commits on the primary answers a
  cookie, ``hobbymatch_lsn``, holding the primary's WAL position after its commit; until a
  replica has replayed that position, the same client's reads go to the primary (the cookie
  expires once every fresh replica must have replayed it);
- **no lost request**: a read whose replica fails mid-way is answered again from the primary
  (:class:`ReadRoutingMiddleware`), and the replica is skipped until it answers a check again.

A :class:`ReplicaSet` checks every replica's replay position (and the primary's) from a
thread of its own, a few times a second, so that choosing a replica costs a request nothing.
"""

import logging
import random
import re
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("hobbymatch")

# How often the replicas' (and the primary's) WAL positions are read.
CHECK_INTERVAL = 0.2
# A replica that has not answered a check for this long is skipped.
DOWN_AFTER = 1.0
LSN_COOKIE = "hobbymatch_lsn"

# Keys in the request's state (``scope["state"]``).
_READS_FROM_REPLICA = "hobbymatch.reads_from_replica"
_PRIMARY_ONLY = "hobbymatch.primary_only"
_RETRY = "hobbymatch.retry"
_RETRIED = "hobbymatch.retried"
_READ_AFTER_LSN = "hobbymatch.read_after_lsn"
_COMMIT_LSN = "hobbymatch.commit_lsn"
# Where a session of an unsafe request keeps that request's state, and the connection it uses.
_REQUEST_STATE = "hobbymatch.request_state"
_CONNECTION = "hobbymatch.connection"

_SAFE_METHODS = frozenset({"GET", "HEAD"})
_LSN = re.compile(r"^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$")


def parse_lsn(value: str) -> int | None:
    """PostgreSQL's ``X/Y`` notation of a WAL position as one number; ``None`` if malformed."""
    match = _LSN.match(value)
    if match is None:
        return None
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(position: int) -> str:
    """A WAL position in PostgreSQL's ``X/Y`` notation."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


async def reads_from_replica(request: Request) -> None:
    """Route dependency: this route's safe requests may read from a replica (async: no thread
    hop). Use it as ``dependencies=[ReadsFromReplica]`` on a ``GET`` route."""
    request.scope.setdefault("state", {})[_READS_FROM_REPLICA] = True


ReadsFromReplica = Depends(reads_from_replica)


@dataclass
class Replica:
    """One replica: its engine and sessions, and what its last check found."""

    engine: Engine  # in autocommit: a replica only serves reads
    session_factory: sessionmaker[Session]
    replayed: int | None = None
    answered_at: float = float("-inf")

    @property
    def name(self) -> str:
        """Where it is, without credentials."""
        return f"{self.engine.url.host}:{self.engine.url.port or 5432}"


@dataclass
class ReplicaSet:
    """An app's replicas, the primary they follow, and the thread that checks them."""

    primary: Engine
    replicas: Sequence[Replica]
    max_lag: float
    _history: deque[tuple[float, int]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Check once now, then keep checking from a daemon thread until :meth:`stop`."""
        self.check()
        self._thread = threading.Thread(target=self._run, name="hobbymatch-replicas", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop checking and close every replica's connections."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for replica in self.replicas:
            replica.engine.dispose()

    def choose(self, after_lsn: int | None) -> Replica | None:
        """A fresh replica that has replayed ``after_lsn``, or ``None``: read the primary."""
        now = time.monotonic()
        with self._lock:
            required = self._primary_position_at(now - self.max_lag)
        if required is None:
            return None
        if after_lsn is not None:
            required = max(required, after_lsn)
        fresh = [
            replica
            for replica in self.replicas
            if replica.replayed is not None
            and replica.replayed >= required
            and now - replica.answered_at < DOWN_AFTER
        ]
        return random.choice(fresh) if fresh else None

    def mark_down(self, replica: Replica) -> None:
        """Skip ``replica`` until it answers a check again (a request found it unreachable)."""
        replica.answered_at = float("-inf")
        replica.engine.dispose()
        logger.warning("replica %s does not answer: reading from the primary", replica.name)

    def check(self) -> None:
        """Read the primary's WAL position and each replica's replay position once."""
        primary = _read_position(self.primary, "SELECT pg_current_wal_lsn()")
        now = time.monotonic()
        if primary is not None:
            with self._lock:
                self._history.append((now, primary))
                while len(self._history) > 1 and self._history[1][0] <= now - self.max_lag:
                    self._history.popleft()
        for replica in self.replicas:
            replayed = _read_position(replica.engine, "SELECT pg_last_wal_replay_lsn()")
            if replayed is not None:
                replica.replayed = replayed
                replica.answered_at = time.monotonic()

    def _primary_position_at(self, moment: float) -> int | None:
        # The newest sample taken at or before the moment; the oldest one while the history
        # is younger than max_lag (a replica must then have caught up with the first check).
        if not self._history:
            return None
        chosen = self._history[0][1]
        for taken, position in self._history:
            if taken > moment:
                break
            chosen = position
        return chosen

    def _run(self) -> None:
        while not self._stop.wait(CHECK_INTERVAL):
            self.check()


def _read_position(engine: Engine, query: str) -> int | None:
    try:
        with engine.connect() as connection:
            value = connection.execute(text(query)).scalar()
    except DBAPIError:
        return None
    return parse_lsn(str(value)) if value is not None else None


def create_replica_set(
    primary: Engine,
    primary_sessions: sessionmaker[Session],
    replicas: Sequence[Replica],
    *,
    max_lag: float,
) -> ReplicaSet:
    """A :class:`ReplicaSet` following ``primary``; the commits of ``primary_sessions`` in
    requests that may write record the primary's WAL position for the read-your-writes
    cookie."""
    event.listen(primary_sessions, "after_begin", _remember_connection)
    event.listen(primary_sessions, "after_commit", _record_commit_lsn)
    return ReplicaSet(primary=primary, replicas=replicas, max_lag=max_lag)


def is_read_only(method: str) -> bool:
    """Whether requests of ``method`` only read (``GET``, ``HEAD``): they run in autocommit,
    may read from replicas and are answered again when they lose their connection."""
    return method in _SAFE_METHODS


def replica_for_read(
    state: dict[str, Any], method: str, replica_set: ReplicaSet | None
) -> Replica | None:
    """The replica a request of ``method`` reads from, or ``None``: the primary."""
    if replica_set is None or method not in _SAFE_METHODS:
        return None
    if not state.get(_READS_FROM_REPLICA) or state.get(_PRIMARY_ONLY):
        return None
    return replica_set.choose(state.get(_READ_AFTER_LSN))


def track_commit_position(session: Session, state: dict[str, Any]) -> None:
    """Record, in the request's ``state``, the primary's WAL position after each commit of
    ``session``: :class:`ReadRoutingMiddleware` answers it as the read-your-writes cookie."""
    session.info[_REQUEST_STATE] = state


def connection_lost(
    state: dict[str, Any], method: str, replica_set: ReplicaSet | None, replica: Replica | None
) -> None:
    """Note that this request lost its database connection: a ``GET`` or ``HEAD`` is answered
    again, once, by :class:`ReadRoutingMiddleware` (from the primary if ``replica`` failed,
    which is skipped meanwhile); anything else is answered 503."""
    if replica is not None and replica_set is not None:
        replica_set.mark_down(replica)
        state[_PRIMARY_ONLY] = True
    if method in _SAFE_METHODS and not state.get(_RETRIED):
        state[_RETRY] = True


def _remember_connection(
    session: Session, _transaction: SessionTransaction, connection: Connection
) -> None:
    if _REQUEST_STATE in session.info:
        session.info[_CONNECTION] = connection


def _record_commit_lsn(session: Session) -> None:
    # Right after COMMIT, on the same connection: the primary's WAL position now is at or
    # past the commit record, so a replica that has replayed it sees the write. Autocommit
    # for the one statement, so that it opens no transaction (one round trip, and through a
    # pooler in transaction mode a transaction of its own).
    connection: Connection | None = session.info.get(_CONNECTION)
    state: dict[str, Any] | None = session.info.get(_REQUEST_STATE)
    dbapi_connection = connection.connection.dbapi_connection if connection else None
    if dbapi_connection is None or state is None:
        return
    dbapi_connection.autocommit = True
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        row = cursor.fetchone()
        cursor.close()
    finally:
        dbapi_connection.autocommit = False
    position = parse_lsn(str(row[0])) if row else None
    if position is not None:
        state[_COMMIT_LSN] = max(position, state.get(_COMMIT_LSN, 0))


class ReadRoutingMiddleware:
    """Answers again, once, a ``GET`` or ``HEAD`` that lost its database connection (a
    pooled connection found dead, a replica that stopped): connections are not pinged before
    each use, so a dead one is found by the error. With replicas, also read-your-writes: reads
    the ``hobbymatch_lsn`` cookie into the request's state, and sets it on the answer of a
    request that committed."""

    def __init__(
        self,
        app: ASGIApp,
        cookie_seconds: int,
        *,
        replicas: bool,
        exempt: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.cookie_seconds = cookie_seconds
        self.replicas = replicas
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        if self.replicas:
            after = _cookie_lsn(scope)
            if after is not None:
                state[_READ_AFTER_LSN] = after
        retry = False

        async def send_or_retry(message: Message) -> None:
            nonlocal retry
            if message["type"] == "http.response.start":
                retry = state.pop(_RETRY, False)
                if retry:
                    return
                position = state.get(_COMMIT_LSN)
                if position is not None:
                    cookie = (
                        f"{LSN_COOKIE}={format_lsn(position)}; Max-Age={self.cookie_seconds}; "
                        "Path=/; HttpOnly; SameSite=Lax"
                    )
                    message["headers"] = [
                        *message.get("headers", []),
                        (b"set-cookie", cookie.encode()),
                    ]
            elif retry:
                return
            await send(message)

        await self.app(scope, receive, send_or_retry)
        if retry:
            state[_RETRIED] = True
            await self.app(scope, receive, send)


def _cookie_lsn(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            key, _, lsn = part.strip().partition("=")
            if key == LSN_COOKIE:
                return parse_lsn(lsn)
    return None

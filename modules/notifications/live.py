"""Waking this worker's open streams when a notification commits anywhere: PostgreSQL's
``LISTEN``/``NOTIFY`` across workers and machines, polling on SQLite; and ending them when the
credentials that opened them are revoked anywhere.

A notification's transaction sends ``NOTIFY hobbymatch_notifications, '<user id>'``, which
PostgreSQL delivers when (and only if) it commits. One thread per worker listens on a direct
connection and wakes that person's streams; each stream then reads what is new from the
database. The hub holds only the streams open in this process, never notifications.

Each stream remembers the token version its ticket was issued under. Another thread per worker
reads, every ``check_seconds``, the current token version of every person with an open stream
(one query for all of them, from the database every worker shares), and revokes the streams
whose account is gone, deactivated, or at a newer version (a password change): a revocation
made on any worker ends them within that time.
"""

import asyncio
import logging
import select
import socket
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import psycopg2
import psycopg2.extensions
from prometheus_client import Gauge
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger("hobbymatch.notifications")

CHANNEL = "hobbymatch_notifications"
# While listening, a stream still looks every this many seconds, in case a wake-up was lost.
SAFETY_POLL_SECONDS = 10.0

# The current token versions of those of these people whose accounts are active.
TokenVersions = Callable[[Collection[uuid.UUID]], Mapping[uuid.UUID, int]]


@dataclass(eq=False)
class Stream:
    """One open stream: its person, the token version it was opened under, its event loop and
    the event that wakes it. ``revoked`` turns true, and the stream is woken, once the person's
    credentials changed; the stream must then end."""

    user_id: uuid.UUID
    token_version: int
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    revoked: bool = False

    def wake_up(self) -> None:
        """Set ``wake`` from any thread."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.wake.set)


class StreamMetrics:
    """The streams open now, for Prometheus (the ``hobbymatch_metrics`` hook): added up over
    every worker."""

    def __init__(self) -> None:
        self.open_streams = Gauge(
            "hobbymatch_notifications_open_streams",
            "Streams of notifications (GET /notifications/stream) open now.",
            multiprocess_mode="livesum",
            registry=None,
        )


class StreamHub:
    """The streams open in this worker, by person, the listener that wakes them, and the
    checker that revokes them.

    :param listen_dsn: a libpq URL for ``LISTEN``; ``None`` (SQLite) polls instead.
    :param poll_seconds: how often a stream looks without a wake-up when not listening.
    :param token_versions: reads the current token versions of active accounts.
    :param check_seconds: how often the open streams' credentials are checked.
    :param metrics: where the streams open now are counted, if anywhere.
    """

    def __init__(
        self,
        listen_dsn: str | None,
        poll_seconds: float,
        token_versions: TokenVersions,
        check_seconds: float,
        metrics: StreamMetrics | None = None,
    ) -> None:
        self._open_streams = metrics.open_streams if metrics is not None else None
        self._listen_dsn = listen_dsn
        self._poll_seconds = poll_seconds
        self._token_versions = token_versions
        self._check_seconds = check_seconds
        self._waiters: dict[str, set[Stream]] = defaultdict(set)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        # Written to by stop(), so that the listening thread's select() returns at once
        # instead of at its next timeout.
        self._stop_reader, self._stop_writer = socket.socketpair()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self._checker: threading.Thread | None = None

    @contextmanager
    def subscription(self, user_id: uuid.UUID, token_version: int) -> Iterator[Stream]:
        """Register a stream of ``user_id``, opened under ``token_version``, while the block
        runs; its event is set whenever the person may have something new, or was revoked."""
        stream = Stream(user_id, token_version)
        with self._lock:
            self._waiters[str(user_id)].add(stream)
            self._start_listening()
            self._start_checking()
        if self._open_streams is not None:
            self._open_streams.inc()
        try:
            yield stream
        finally:
            if self._open_streams is not None:
                self._open_streams.dec()
            with self._lock:
                streams = self._waiters[str(user_id)]
                streams.discard(stream)
                if not streams:
                    del self._waiters[str(user_id)]

    async def wait(self, stream: Stream) -> None:
        """Wait until ``stream`` is woken or the poll interval passes; then clear its event."""
        timeout = SAFETY_POLL_SECONDS if self._listening.is_set() else self._poll_seconds
        with suppress(TimeoutError):
            await asyncio.wait_for(stream.wake.wait(), timeout)
        stream.wake.clear()

    @property
    def open_streams(self) -> int:
        """How many streams are open in this worker."""
        with self._lock:
            return sum(len(streams) for streams in self._waiters.values())

    def stop(self) -> None:
        """Stop listening (the app is stopping), without waiting for a select() timeout."""
        self._stopping.set()
        with suppress(OSError):
            self._stop_writer.send(b"x")
        for thread in (self._thread, self._checker):
            if thread is not None:
                thread.join(timeout=5)
        self._stop_reader.close()
        self._stop_writer.close()

    def wake(self, user_id: str) -> None:
        """Wake every stream of ``user_id`` open in this worker."""
        with self._lock:
            streams = list(self._waiters.get(user_id, ()))
        for stream in streams:
            stream.wake_up()

    def revoke_outdated(self) -> None:
        """Revoke, and wake, every open stream whose account is gone, deactivated, or at
        another token version than the stream was opened under."""
        with self._lock:
            streams = [stream for group in self._waiters.values() for stream in group]
        if not streams:
            return
        current = self._token_versions({stream.user_id for stream in streams})
        for stream in streams:
            if current.get(stream.user_id) != stream.token_version:
                stream.revoked = True
                stream.wake_up()

    def _wake_everyone(self) -> None:
        with self._lock:
            people = list(self._waiters)
        for user_id in people:
            self.wake(user_id)

    def _start_checking(self) -> None:
        if self._checker is not None:
            return
        self._checker = threading.Thread(
            target=self._check_until_stopped, name="notifications-revocations", daemon=True
        )
        self._checker.start()

    def _check_until_stopped(self) -> None:
        while not self._stopping.wait(self._check_seconds):
            try:
                self.revoke_outdated()
            except SQLAlchemyError as error:
                # The next round tries again; meanwhile the streams' own reads fail as well, so
                # nothing reaches a stream that should have ended.
                logger.warning("notifications: checking stream credentials failed (%s)", error)

    def _start_listening(self) -> None:
        if self._listen_dsn is None or self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._listen_until_stopped, name="notifications-listener", daemon=True
        )
        self._thread.start()

    def _listen_until_stopped(self) -> None:
        assert self._listen_dsn is not None
        while not self._stopping.is_set():
            try:
                self._listen(self._listen_dsn)
            except psycopg2.Error as error:
                if self._listening.is_set():
                    logger.warning("notifications: listening stopped (%s); polling", error)
                self._listening.clear()
                self._wake_everyone()
                self._stopping.wait(1.0)

    def _listen(self, dsn: str) -> None:
        connection = psycopg2.connect(dsn, connect_timeout=5)
        try:
            connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
            self._listening.set()
            # Whatever committed while nobody listened: every stream looks once.
            self._wake_everyone()
            watched = [connection.fileno(), self._stop_reader.fileno()]
            while not self._stopping.is_set():
                readable, _, _ = select.select(watched, [], [], 1.0)
                if watched[0] not in readable:
                    continue
                connection.poll()
                people = {notice.payload for notice in connection.notifies}
                connection.notifies.clear()
                for user_id in people:
                    self.wake(user_id)
        finally:
            self._listening.clear()
            connection.close()

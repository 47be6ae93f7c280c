"""Waking this worker's open streams when a notification commits anywhere: PostgreSQL's
``LISTEN``/``NOTIFY`` across workers and machines, polling on SQLite.

A notification's transaction sends ``NOTIFY hobbymatch_notifications, '<user id>'``, which
PostgreSQL delivers when (and only if) it commits. One thread per worker listens on a direct
connection and wakes that person's streams; each stream then reads what is new from the
database. The hub holds only the streams open in this process, never notifications.
"""

import asyncio
import logging
import select
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg2
import psycopg2.extensions

logger = logging.getLogger("hobbymatch.notifications")

CHANNEL = "hobbymatch_notifications"
# While listening, a stream still looks every this many seconds, in case a wake-up was lost.
SAFETY_POLL_SECONDS = 10.0

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


class StreamHub:
    """The streams open in this worker, by person, and the listener that wakes them.

    :param listen_dsn: a libpq URL for ``LISTEN``; ``None`` (SQLite) polls instead.
    :param poll_seconds: how often a stream looks without a wake-up when not listening.
    """

    def __init__(self, listen_dsn: str | None, poll_seconds: float) -> None:
        self._listen_dsn = listen_dsn
        self._poll_seconds = poll_seconds
        self._waiters: dict[str, set[_Waiter]] = defaultdict(set)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def subscription(self, user_id: uuid.UUID) -> Iterator[asyncio.Event]:
        """Register a stream of ``user_id`` while the block runs; the event is set whenever
        the person may have something new."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters[str(user_id)].add(waiter)
            self._start_listening()
        try:
            yield waiter[1]
        finally:
            with self._lock:
                streams = self._waiters[str(user_id)]
                streams.discard(waiter)
                if not streams:
                    del self._waiters[str(user_id)]

    async def wait(self, wake: asyncio.Event) -> None:
        """Wait until ``wake`` is set or the poll interval passes; then clear it."""
        timeout = SAFETY_POLL_SECONDS if self._listening.is_set() else self._poll_seconds
        with suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout)
        wake.clear()

    @property
    def open_streams(self) -> int:
        """How many streams are open in this worker."""
        with self._lock:
            return sum(len(streams) for streams in self._waiters.values())

    def stop(self) -> None:
        """Stop listening (the app is stopping)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def wake(self, user_id: str) -> None:
        """Wake every stream of ``user_id`` open in this worker."""
        with self._lock:
            waiters = list(self._waiters.get(user_id, ()))
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def _wake_everyone(self) -> None:
        with self._lock:
            people = list(self._waiters)
        for user_id in people:
            self.wake(user_id)

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
            while not self._stopping.is_set():
                readable, _, _ = select.select([connection], [], [], 1.0)
                if not readable:
                    continue
                connection.poll()
                people = {notice.payload for notice in connection.notifies}
                connection.notifies.clear()
                for user_id in people:
                    self.wake(user_id)
        finally:
            self._listening.clear()
            connection.close()

"""Keeping each worker's matching index fresh: the change log, and the index's life cycle.

Every write that changes what matching reads adds ``(seq, user_id)`` to ``match_changes`` in its
own transaction (the matches module implements the users and skills events for it). Before
each ranking a worker reads the log past its position, in one indexed query, and re-reads the
users it names. Sequence numbers are handed out when a row is inserted, not when it commits: a
number below the highest seen but not seen yet is a *gap* (a transaction still open, or rolled
back), read again at every sync until it appears or has waited longer than any transaction may
live. So a ranking sees every write committed before its request began, on any worker.
"""

import logging
import threading
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from core import utc_now
from modules.matches.index import Snapshot, build_snapshot, read_overrides, read_skill_names
from modules.matches.metrics import IndexMetrics
from modules.matches.models import MatchChange

logger = logging.getLogger("hobbymatch.matches")

# How far below the highest sequence number a fresh index looks for transactions still open.
_GAP_WINDOW = 1_000


def record_change(db: Session, user_id: uuid.UUID) -> None:
    """Log, in the caller's transaction, that what matching reads about ``user_id`` changed."""
    db.execute(insert(MatchChange).values(user_id=user_id, changed_at=utc_now()))


@dataclass
class LogPosition:
    """How far a worker has read the change log: everything up to ``last`` except ``gaps``
    (sequence number -> when it was first missed, on the monotonic clock)."""

    last: int = 0
    gaps: dict[int, float] = field(default_factory=dict)

    def advance(self, seen: set[int], now: float, gap_seconds: float) -> None:
        """Take the sequence numbers just read into account."""
        highest = max(seen, default=self.last)
        for missing in range(max(self.last + 1, highest - _GAP_WINDOW), highest + 1):
            if missing not in seen:
                self.gaps.setdefault(missing, now)
        for number in seen:
            self.gaps.pop(number, None)
        self.last = max(self.last, highest)
        self.gaps = {n: at for n, at in self.gaps.items() if now - at < gap_seconds}


@dataclass(frozen=True)
class IndexSettings:
    """When the index is rebuilt, how long gaps are waited for, how long the log is kept."""

    rebuild_after_changes: int
    gap_seconds: float
    log_retention: timedelta
    housekeeping_seconds: float


class LiveIndex:
    """One app's matching index: built in a background thread, synced before each ranking,
    rebuilt in the background when many users changed since the last build."""

    def __init__(
        self,
        open_session: Callable[[], Session],
        settings: IndexSettings,
        metrics: IndexMetrics | None = None,
    ) -> None:
        self._open_session = open_session
        self._settings = settings
        self._metrics = metrics
        self._snapshot: Snapshot | None = None
        self._position = LogPosition()
        self._sync_lock = threading.Lock()
        self._rebuild_wanted = threading.Event()
        self._stopped = threading.Event()
        self._ready = threading.Event()
        self._last_synced = time.monotonic()
        self.build_seconds: float | None = None
        # The thread holds the index only weakly: an app dropped without its shutdown hook (a
        # test's) lets the thread end instead of keeping the app and its connections alive.
        self._thread = threading.Thread(
            target=_maintain,
            args=(weakref.ref(self), self._stopped, self._rebuild_wanted, settings),
            name="matches-index",
            daemon=True,
        )

    def start(self) -> None:
        """Build the first snapshot in the background; rankings use SQL until it is ready."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (at shutdown)."""
        self._stopped.set()
        self._rebuild_wanted.set()
        self._thread.join(timeout=30)

    @property
    def snapshot(self) -> Snapshot | None:
        """The current snapshot, as synced last (``None`` before the first build)."""
        return self._snapshot

    def rebuild(self) -> None:
        """Build a new snapshot now, in this thread, and swap it in."""
        self._build()

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the first snapshot is built; whether it is."""
        return self._ready.wait(timeout)

    def fresh_snapshot(self, db: Session) -> Snapshot | None:
        """The snapshot, synced with every change committed before this call; ``None`` while
        the first build runs."""
        if not self._ready.is_set():
            return None
        self.sync(db)
        return self._snapshot

    def sync(self, db: Session) -> None:
        """Read the log past this worker's position and re-read the users it names."""
        with self._sync_lock:
            snapshot = self._snapshot
            if snapshot is None:
                return
            wanted = or_(
                MatchChange.seq > self._position.last, MatchChange.seq.in_(self._position.gaps)
            )
            rows = db.execute(select(MatchChange.seq, MatchChange.user_id).where(wanted)).all()
            self._position.advance(
                {row.seq for row in rows}, time.monotonic(), self._settings.gap_seconds
            )
            self._last_synced = time.monotonic()
            changed = {row.user_id for row in rows}
            if changed:
                overrides = read_overrides(db, changed)
                unknown = snapshot.unknown_skills(overrides)
                new_skills = read_skill_names(db, unknown) if unknown else {}
                snapshot = snapshot.with_overrides(overrides, new_skills)
                self._snapshot = snapshot
            if len(snapshot.overrides) > self._settings.rebuild_after_changes:
                self._rebuild_wanted.set()
        if self._metrics is not None:
            self._metrics.record(self.stats(), built=False)

    def stats(self) -> dict[str, object]:
        """What the index holds and costs, for ``GET /matches/index``."""
        snapshot = self._snapshot
        return {
            "ready": snapshot is not None,
            "users": snapshot.user_count if snapshot else 0,
            "entries": snapshot.posting_count if snapshot else 0,
            "changed_since_build": len(snapshot.overrides) if snapshot else 0,
            "memory_bytes": snapshot.nbytes if snapshot else 0,
            "build_seconds": self.build_seconds,
            "log_position": self._position.last,
        }

    def maintain_once(self) -> bool:
        """Build a snapshot if one is wanted (the first, or a rebuild), else housekeep; whether
        a wanted build failed (the thread then waits before trying again)."""
        if self._snapshot is None or self._rebuild_wanted.is_set():
            self._rebuild_wanted.clear()
            try:
                self._build()
            except Exception as error:
                logger.warning("building the matching index failed (%s); rankings use SQL", error)
                return True
            return False
        self._housekeeping()
        return False

    def _build(self) -> None:
        started = time.perf_counter()
        with self._open_session() as db:
            # The position is taken before the data: what changes meanwhile is re-read later.
            position = _current_position(db, self._settings.gap_seconds)
            snapshot = build_snapshot(db)
        with self._sync_lock:
            self._snapshot, self._position = snapshot, position
        self.build_seconds = time.perf_counter() - started
        self._ready.set()
        if self._metrics is not None:
            self._metrics.record(self.stats(), built=True)
        logger.info(
            "matching index built: %d users, %d entries, %.1f MB in %.2f s",
            snapshot.user_count,
            snapshot.posting_count,
            snapshot.nbytes / 1e6,
            self.build_seconds,
        )

    def _housekeeping(self) -> None:
        """Trim the log by age, and keep the position current while no ranking asks."""
        try:
            with self._open_session() as db:
                cutoff = utc_now() - self._settings.log_retention
                db.execute(delete(MatchChange).where(MatchChange.changed_at < cutoff))
                db.commit()
                self.sync(db)
        except Exception as error:
            logger.warning("matching index housekeeping failed (%s); it will try again", error)


def _maintain(
    index_ref: "weakref.ref[LiveIndex]",
    stopped: threading.Event,
    rebuild_wanted: threading.Event,
    settings: IndexSettings,
) -> None:
    """The index's background thread: build, then housekeep, rebuilding when asked."""
    while not stopped.is_set():
        index = index_ref()
        if index is None:
            return
        failed = index.maintain_once()
        del index  # waiting, the thread must not keep the index alive
        if failed or not rebuild_wanted.is_set():
            rebuild_wanted.wait(settings.housekeeping_seconds)


def _current_position(db: Session, gap_seconds: float) -> LogPosition:
    highest = db.scalar(select(func.max(MatchChange.seq))) or 0
    recent = db.scalars(select(MatchChange.seq).where(MatchChange.seq > highest - _GAP_WINDOW))
    position = LogPosition(last=max(0, highest - _GAP_WINDOW))
    position.advance(set(recent), time.monotonic(), gap_seconds)
    return position

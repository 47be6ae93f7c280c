"""Jobs: work that a module declares once and defers from inside its own transaction.

A module marks a function with :func:`job` and returns it from its ``hobbymatch_jobs`` hook;
inside a request (or another job) it calls :func:`core.job_queue.defer` with the request's
session. The job is a row of :class:`Job` in the same database, written in the same
transaction as the write that caused it: if that write rolls back, the job never existed; once
it commits, some worker runs the job at least once (:mod:`core.worker`). PostgreSQL is the
queue, no broker; SQLite runs the same jobs in-process.

This file holds what needs no app: the declarations and the tables.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.engine import Base, UtcDateTime

QUEUED = "queued"
RUNNING = "running"
FAILED = "failed"
STATUSES = (QUEUED, RUNNING, FAILED)

# A job's name within its module; its full name is "<module>.<name>".
_JOB_NAME = re.compile(r"[a-z][a-z0-9_]*")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# What a job runs: the function, called with a session and the deferred payload as keywords.
JobFunction = Callable[..., None]


@dataclass(frozen=True)
class JobDeclaration:
    """A job as its module declares it (made by :func:`job`; call it like the function).

    :param name: the job's name within its module (``send_reset_mail``).
    :param function: ``function(db, **payload)``; the worker commits ``db`` after it returns,
        together with the job's completion, and rolls it back if it raises.
    :param attempts: how many times it runs before it is marked failed.
    :param backoff: the wait before the first retry; each further retry waits twice as long.
    :param lease: how long a worker may run it; past that, the worker is taken for dead and
        another runs it again.
    :param every: for a periodic job, its period: it runs once per period (periods start at
        multiples of ``every`` since 1970-01-01 UTC), whatever the number of workers.
    """

    name: str
    function: JobFunction
    attempts: int = 5
    backoff: timedelta = timedelta(seconds=10)
    lease: timedelta = timedelta(minutes=5)
    every: timedelta | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        """Run the function itself, here and now (as a test may)."""
        self.function(*args, **kwargs)

    def retry_delay(self, attempt: int) -> timedelta:
        """The wait after failed attempt number ``attempt`` (1 for the first run)."""
        return self.backoff * (1 << (attempt - 1))

    def period_start(self, now: datetime) -> datetime:
        """The start of the period that holds ``now`` (periodic jobs only)."""
        if self.every is None:
            raise ValueError(f"job {self.name!r} is not periodic")
        return _EPOCH + self.every * ((now - _EPOCH) // self.every)


def job(
    name: str,
    *,
    attempts: int = 5,
    backoff: timedelta = timedelta(seconds=10),
    lease: timedelta = timedelta(minutes=5),
    every: timedelta | None = None,
) -> Callable[[JobFunction], JobDeclaration]:
    """Declare the decorated function as the module's job ``name``; return the declaration
    from the module's ``hobbymatch_jobs`` hook. See :class:`JobDeclaration` for the options.

    :raises ValueError: a name that is not lower-case snake case, or an option out of range.
    """
    if not _JOB_NAME.fullmatch(name):
        raise ValueError(f"job name {name!r}: use lower-case letters, digits and _")
    if attempts < 1:
        raise ValueError(f"job {name!r}: attempts must be at least 1")
    if every is not None and every < timedelta(seconds=1):
        raise ValueError(f"job {name!r}: every must be at least one second")

    def declare(function: JobFunction) -> JobDeclaration:
        return JobDeclaration(
            name=name,
            function=function,
            attempts=attempts,
            backoff=backoff,
            lease=lease,
            every=every,
        )

    return declare


class Job(Base):
    """A job waiting, running, or failed for good; a job that succeeds is deleted, in the
    transaction of its own writes."""

    __tablename__ = "hobbymatch_jobs"
    __table_args__ = (
        # What workers look for: due jobs, oldest first, in the index's order.
        Index(
            "ix_hobbymatch_jobs_due",
            "run_at",
            "id",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
        # Running jobs whose lease ended: their workers are taken for dead.
        Index(
            "ix_hobbymatch_jobs_leases",
            "locked_until",
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
        # Two jobs with one lock never run at once: the second to start would break this.
        Index(
            "uq_hobbymatch_jobs_running_lock",
            "lock",
            unique=True,
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    module: Mapped[str] = mapped_column(String(64))
    # The full name, "<module>.<name>".
    job: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB, "postgresql"))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    run_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lock: Mapped[str | None] = mapped_column(String(200), default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int]
    deferred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # While running: until when the worker holding it is believed alive, and which one it is.
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    worker: Mapped[str | None] = mapped_column(String(200), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class PeriodicRun(Base):
    """The last period for which each periodic job was deferred: the one row that workers on
    every machine race to move forward, so that one of them defers each period's run."""

    __tablename__ = "hobbymatch_periodic_jobs"

    job: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_period: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


# The core's own tables, created beside the modules' (core.main.start_modules).
CORE_TABLES = [cast(Table, Job.__table__), cast(Table, PeriodicRun.__table__)]


class Wakeup:
    """Wakes the workers of one process when a job may be due: a deferral committed in this
    process, or a ``NOTIFY`` heard from another. A counter, so that a wake-up that comes while
    a worker is busy is not lost."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._count = 0

    @property
    def count(self) -> int:
        """How many wake-ups there have been; give it to :meth:`wait`."""
        with self._condition:
            return self._count

    def notify(self) -> None:
        """Wake every waiting worker."""
        with self._condition:
            self._count += 1
            self._condition.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Return once a wake-up came after the ``seen`` count, or after ``timeout`` seconds."""
        with self._condition:
            self._condition.wait_for(lambda: self._count != seen, timeout)

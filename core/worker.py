"""Running jobs: a :class:`Worker` claims one due job at a time and runs it; a
:class:`JobRunner` keeps workers busy in threads of a process (``hobbymatch worker``, or
``hobbymatch serve`` in-process) and wakes them on PostgreSQL's ``NOTIFY``.

Claiming is one short transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL (the
engine's ``BEGIN IMMEDIATE`` on SQLite), then the row is marked running with a lease. The job
then runs in a session of its own, and its success deletes its row in that same transaction,
so that its writes and its completion commit together. A worker that dies mid-job leaves a
lease that expires: the next worker runs the job again. A failure queues the job again after
a backoff, or marks it failed once its attempts are spent; each is logged with the job's
module, name and id. Every time is the platform's clock (:attr:`Platform.clock`), never the
database's, so that tests move time instead of sleeping.

Nothing here keeps session-level state on a pooled connection: a pooler in transaction mode
(PgBouncer) serves the claims and the jobs; ``LISTEN`` alone needs a direct connection
(``HOBBYMATCH_JOBS_LISTEN_URL``), and polling every ``HOBBYMATCH_JOBS_POLL_SECONDS`` covers
the time it is down.
"""

import itertools
import logging
import os
import socket
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime
from select import select as wait_until_readable
from typing import Any, cast

import psycopg2
import psycopg2.extensions
from sqlalchemy import BindParameter, CursorResult, bindparam, delete, exists, or_, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from core.engine import UtcDateTime, insert_ignoring_duplicates
from core.job_queue import CHANNEL, defer
from core.jobs import FAILED, QUEUED, RUNNING, Job, JobDeclaration, PeriodicRun
from core.platform import Platform

logger = logging.getLogger("hobbymatch.jobs")

# How much of a failure's traceback its row keeps (the end, where the error is).
_MAX_ERROR_CHARACTERS = 4000
_worker_numbers = itertools.count(1)


@dataclass(frozen=True)
class ClaimedJob:
    """A job that a worker marked running and now holds, until its lease ends."""

    id: int
    job: str
    module: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int
    declaration: JobDeclaration


class Worker:
    """Runs the due jobs of one app, one at a time. Any number of workers may run, in any
    process on any machine: each job runs on one of them at a time.

    :param platform: the app's platform: its modules' jobs, its database, its clock.
    :param name: how ``hobbymatch jobs`` names the worker; default host, process and number.
    """

    def __init__(self, platform: Platform, name: str | None = None) -> None:
        self.platform = platform
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{next(_worker_numbers)}"
        self._periods_deferred: dict[str, datetime] = {}
        self._names = list(platform.registry.jobs)

    def run_until_idle(self, stop: threading.Event | None = None) -> int:
        """Queue again the jobs of workers whose lease ended, defer the periodic jobs whose
        period began, then run due jobs until none is left (or ``stop`` is set); return how
        many ran, failed runs included."""
        if not self._names:
            return 0
        self.release_abandoned()
        self.defer_periodic()
        ran = 0
        while not (stop is not None and stop.is_set()) and self.run_once():
            ran += 1
        return ran

    def run_once(self) -> bool:
        """Claim one due job and run it; whether there was one."""
        claimed = self.claim()
        if claimed is None:
            return False
        self.execute(claimed)
        return True

    def claim(self) -> ClaimedJob | None:
        """Mark the oldest due job running, held by this worker for its lease, and return it;
        ``None`` when no job is due. A job whose lock a running job holds is not due."""
        while True:
            try:
                claimed = self._claim_next()
            except IntegrityError:
                # PostgreSQL: another worker started a job of the same lock meanwhile.
                continue
            return claimed

    def _claim_next(self) -> ClaimedJob | None:
        with self.platform.engine.begin() as connection:
            now = self.platform.clock()
            row = connection.execute(_NEXT_DUE, {"now": now, "names": self._names}).first()
            if row is None:
                return None
            declaration = self.platform.registry.jobs[row.job][1]
            connection.execute(
                update(Job)
                .where(Job.id == row.id)
                .values(
                    status=RUNNING,
                    attempts=row.attempts + 1,
                    started_at=now,
                    locked_until=now + declaration.lease,
                    worker=self.name,
                )
            )
        return ClaimedJob(
            id=row.id,
            job=row.job,
            module=row.module,
            payload=row.payload,
            attempt=row.attempts + 1,
            max_attempts=row.max_attempts,
            declaration=declaration,
        )

    def release_abandoned(self) -> int:
        """Queue again each running job whose lease ended — its worker is taken for dead —
        or mark it failed if that was its last attempt; return how many."""
        with self.platform.session_factory() as db:
            now = self.platform.clock()
            abandoned = db.scalars(_ABANDONED, {"now": now, "names": self._names}).all()
            for row in abandoned:
                _release(row, now)
            db.commit()
        for row in abandoned:
            _log_release(row)
        return len(abandoned)

    def execute(self, claimed: ClaimedJob) -> bool:
        """Run ``claimed`` in a session of its own and commit that session with the job's
        completion; on failure roll it back and queue the job again, or mark it failed.
        Whether it succeeded."""
        with self.platform.session_factory() as db:
            try:
                claimed.declaration.function(db, **claimed.payload)
                if _finish(db, claimed):
                    db.commit()
                    return True
            except Exception as error:
                db.rollback()
                self._record_failure(claimed, error)
                return False
            db.rollback()
        logger.warning(
            "job %s (module %s, id %d) ran past its lease and was queued again meanwhile: "
            "this run's writes were rolled back",
            claimed.job,
            claimed.module,
            claimed.id,
        )
        return False

    def defer_periodic(self) -> int:
        """Defer each periodic job whose current period has no run yet, racing every other
        worker for it (one wins each period); return how many this worker deferred."""
        deferred = 0
        now = self.platform.clock()
        for name, (_module, declaration) in self.platform.registry.jobs.items():
            if declaration.every is None:
                continue
            period = declaration.period_start(now)
            if self._periods_deferred.get(name) == period:
                continue
            with self.platform.session_factory() as db:
                if _take_period(db, name, period):
                    defer(db, name, run_at=period, lock=f"periodic:{name}")
                    deferred += 1
                db.commit()
            self._periods_deferred[name] = period
        return deferred

    def serve(self, stop: threading.Event, poll_seconds: float) -> None:
        """Run jobs until ``stop`` is set, waiting between rounds for a wake-up of the
        platform (:attr:`Platform.job_wakeup`) or ``poll_seconds``."""
        wakeup = self.platform.job_wakeup
        while not stop.is_set():
            seen = wakeup.count
            try:
                self.run_until_idle(stop)
            except Exception:
                # A lost database, most likely: the leases of what was held expire, and the
                # next round tries again.
                logger.exception("jobs: worker %s failed a round; trying again", self.name)
            wakeup.wait(seen, poll_seconds)

    def _record_failure(self, claimed: ClaimedJob, error: Exception) -> None:
        now = self.platform.clock()
        final = claimed.attempt >= claimed.max_attempts
        retry_at = now + claimed.declaration.retry_delay(claimed.attempt)
        outcome = (
            {"status": FAILED, "failed_at": now}
            if final
            else {"status": QUEUED, "run_at": retry_at}
        )
        with self.platform.session_factory() as db:
            db.execute(
                _held(claimed).values(
                    **outcome, locked_until=None, worker=None, last_error=_describe(error)
                )
            )
            db.commit()
        where = f"job {claimed.job} (module {claimed.module}, id {claimed.id})"
        if final:
            logger.error(
                "%s failed for good after %d attempts: %r; retry it with 'hobbymatch jobs "
                "retry %d'",
                where,
                claimed.attempt,
                error,
                claimed.id,
                exc_info=error,
            )
        else:
            logger.warning(
                "%s failed on attempt %d of %d: %r; next attempt at %s",
                where,
                claimed.attempt,
                claimed.max_attempts,
                error,
                retry_at.isoformat(),
                exc_info=error,
            )


_running = aliased(Job)
_NOW = bindparam("now", type_=UtcDateTime)
_NAMES: BindParameter[list[str]] = bindparam("names", expanding=True)
# The oldest queued job that is due and whose lock no running job holds; built once.
_NEXT_DUE = (
    select(Job.id, Job.job, Job.module, Job.payload, Job.attempts, Job.max_attempts)
    .where(
        Job.status == QUEUED,
        Job.run_at <= _NOW,
        Job.job.in_(_NAMES),
        or_(
            Job.lock.is_(None),
            ~exists().where(_running.lock == Job.lock, _running.status == RUNNING),
        ),
    )
    .order_by(Job.run_at, Job.id)
    .limit(1)
    .with_for_update(skip_locked=True, of=Job)
)
_ABANDONED = (
    select(Job)
    .where(Job.status == RUNNING, Job.locked_until <= _NOW, Job.job.in_(_NAMES))
    .with_for_update(skip_locked=True, of=Job)
)


def _release(row: Job, now: datetime) -> None:
    """``row``'s worker stopped during its attempt: queue it again, or fail it for good."""
    row.last_error = f"worker {row.worker} stopped while running it (its lease ended)"
    if row.attempts >= row.max_attempts:
        row.status, row.failed_at = FAILED, now
    else:
        row.status = QUEUED
    row.locked_until = row.worker = None


def _log_release(row: Job) -> None:
    where = f"job {row.job} (module {row.module}, id {row.id})"
    if row.status == FAILED:
        logger.error(
            "%s failed for good after %d attempts: %s; retry it with 'hobbymatch jobs retry %d'",
            where,
            row.attempts,
            row.last_error,
            row.id,
        )
        return
    logger.warning(
        "%s is queued again after attempt %d of %d: %s",
        where,
        row.attempts,
        row.max_attempts,
        row.last_error,
    )


def _held(claimed: ClaimedJob) -> Any:
    """An UPDATE of ``claimed``'s row, if this worker's claim still holds it."""
    return update(Job).where(
        Job.id == claimed.id, Job.attempts == claimed.attempt, Job.status == RUNNING
    )


def _finish(db: Session, claimed: ClaimedJob) -> bool:
    held = delete(Job).where(
        Job.id == claimed.id, Job.attempts == claimed.attempt, Job.status == RUNNING
    )
    return cast(CursorResult[Any], db.execute(held)).rowcount == 1


def _take_period(db: Session, name: str, period: datetime) -> bool:
    """Move job ``name``'s last period to ``period``, unless it is there already: whether this
    transaction did. A concurrent worker's UPDATE waits for this one, then finds it done."""
    insert_ignoring_duplicates(db, PeriodicRun, [{"job": name}], unique=["job"])
    moved = db.execute(
        update(PeriodicRun)
        .where(
            PeriodicRun.job == name,
            or_(PeriodicRun.last_period.is_(None), PeriodicRun.last_period < period),
        )
        .values(last_period=period)
    )
    return cast(CursorResult[Any], moved).rowcount == 1


def _describe(error: BaseException) -> str:
    described = "".join(traceback.format_exception(error)).strip()
    return described[-_MAX_ERROR_CHARACTERS:]


class JobRunner:
    """``concurrency`` workers in threads of this process, and, on PostgreSQL, a thread that
    listens for deferrals on a direct connection and wakes them.

    :param platform: the app whose jobs run.
    :param concurrency: how many jobs this process runs at once.
    """

    def __init__(self, platform: Platform, *, concurrency: int = 1) -> None:
        self.platform = platform
        self.workers = [Worker(platform) for _ in range(concurrency)]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listening = False

    def start(self) -> None:
        """Start the workers, and the listener if the database is PostgreSQL; nothing when no
        enabled module declares a job, so that such an app never polls."""
        if not self.platform.registry.jobs:
            return
        poll = self.platform.settings.jobs_poll_seconds
        for worker in self.workers:
            self._start_thread(f"jobs-{worker.name}", worker.serve, self._stop, poll)
        dsn = listen_dsn(self.platform)
        if dsn is not None:
            self._start_thread("jobs-listener", self._listen_until_stopped, dsn)

    def stop(self, timeout: float = 30.0) -> None:
        """Let each worker finish the job it runs (waiting ``timeout`` seconds at most), then
        stop the threads."""
        self._stop.set()
        self.platform.job_wakeup.notify()
        for thread in self._threads:
            thread.join(timeout)

    def _start_thread(self, name: str, target: Any, *arguments: Any) -> None:
        thread = threading.Thread(target=target, args=arguments, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _listen_until_stopped(self, dsn: str) -> None:
        while not self._stop.is_set():
            try:
                self._listen(dsn)
            except psycopg2.Error as error:
                if self._listening:
                    logger.warning("jobs: listening stopped (%s); polling meanwhile", error)
                self._listening = False
                self._stop.wait(1.0)

    def _listen(self, dsn: str) -> None:
        connection = psycopg2.connect(dsn, connect_timeout=5, application_name="hobbymatch")
        try:
            connection.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
            with connection.cursor() as cursor:
                cursor.execute(f"LISTEN {CHANNEL}")
            self._listening = True
            # Whatever was deferred while nobody listened: the workers look once.
            self.platform.job_wakeup.notify()
            while not self._stop.is_set():
                readable, _, _ = wait_until_readable([connection], [], [], 1.0)
                if not readable:
                    continue
                connection.poll()
                if connection.notifies:
                    connection.notifies.clear()
                    self.platform.job_wakeup.notify()
        finally:
            connection.close()


def listen_dsn(platform: Platform) -> str | None:
    """The libpq URL that workers ``LISTEN`` on: ``HOBBYMATCH_JOBS_LISTEN_URL``, else the
    database's; ``None`` on SQLite, where workers poll and this process's deferrals wake
    them."""
    configured = platform.settings.jobs_listen_url
    url = make_url(configured) if configured else platform.engine.url
    if url.get_backend_name() != "postgresql":
        return None
    return url.set(drivername="postgresql").render_as_string(hide_password=False)

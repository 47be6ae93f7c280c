"""The queue as modules and operators see it: :func:`defer` a job inside the caller's own
transaction, count and list what waits, runs or failed, and retry a failed job.

On PostgreSQL a deferral also sends ``NOTIFY hobbymatch_jobs``, which PostgreSQL delivers to
listening workers when (and only if) the transaction commits; workers poll besides, so a lost
notification delays a job by one poll at most. In this process, the workers are woken as the
deferring session commits.
"""

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, event, func, insert, select
from sqlalchemy.orm import Session

from core.jobs import FAILED, QUEUED, RUNNING, STATUSES, Job
from core.platform import Platform

CHANNEL = "hobbymatch_jobs"
# Set in a session's info while a wake-up of this process's workers waits for its commit.
_WAKE_PENDING = "hobbymatch.jobs.wake_pending"


# Built once: a deferral is a request's extra statement, and building one costs more than
# sending it.
_INSERT = insert(Job).returning(Job.id)
_INSERT_NOTIFYING = insert(Job).returning(Job.id, func.pg_notify(CHANNEL, ""))


class UnknownJobError(LookupError):
    """``defer`` names a job that no enabled module declares."""


class JobNotRetryableError(LookupError):
    """``hobbymatch jobs retry`` names a job that does not exist or has not failed."""


def defer(
    db: Session,
    job: str,
    payload: Mapping[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    lock: str | None = None,
) -> int:
    """Queue ``job`` (``"<module>.<name>"``) inside ``db``'s transaction: it runs once that
    transaction commits (at ``run_at``, if given), and never if it rolls back.

    :param payload: the job function's keyword arguments; JSON values only.
    :param run_at: the earliest time it may run (aware); default: as soon as a worker is free.
    :param lock: jobs deferred with the same lock (``"user:3"``) never run at the same time.
    :return: the job's id, as ``hobbymatch jobs`` lists it.
    :raises UnknownJobError: no enabled module declares ``job``.
    :raises TypeError: the payload is not JSON, or ``run_at`` has no time zone.
    """
    platform = Platform.of(db)
    declared = platform.registry.jobs.get(job)
    if declared is None:
        known = ", ".join(sorted(platform.registry.jobs)) or "none"
        raise UnknownJobError(f"no enabled module declares job {job!r} (declared: {known})")
    module, declaration = declared
    arguments = _json_payload(job, payload)
    if run_at is not None and run_at.tzinfo is None:
        raise TypeError(f"defer {job!r}: run_at must be timezone-aware")
    now = platform.clock()
    row = {
        "module": module.name,
        "job": job,
        "payload": arguments,
        "status": QUEUED,
        "run_at": run_at or now,
        "lock": lock,
        "attempts": 0,
        "max_attempts": declaration.attempts,
        "deferred_at": now,
    }
    connection = db.connection()
    # PostgreSQL delivers the notification when the transaction commits: one round trip.
    statement = _INSERT_NOTIFYING if connection.dialect.name == "postgresql" else _INSERT
    job_id: int = connection.execute(statement, row).scalar_one()
    _wake_workers_on_commit(db, platform)
    return job_id


def _json_payload(job: str, payload: Mapping[str, Any] | None) -> dict[str, Any]:
    arguments = dict(payload or {})
    try:
        json.dumps(arguments)
    except (TypeError, ValueError) as error:
        raise TypeError(f"defer {job!r}: the payload must be JSON ({error})") from None
    return arguments


def _wake_workers_on_commit(db: Session, platform: Platform) -> None:
    if db.info.get(_WAKE_PENDING):
        return
    db.info[_WAKE_PENDING] = True

    def wake(session: Session) -> None:
        session.info.pop(_WAKE_PENDING, None)
        platform.job_wakeup.notify()

    event.listen(db, "after_commit", wake, once=True)


def count_jobs(db: Session) -> dict[str, Counter[str]]:
    """How many jobs of each module are queued, running and failed, by module name."""
    counts: dict[str, Counter[str]] = {}
    rows = db.execute(select(Job.module, Job.status, func.count()).group_by(Job.module, Job.status))
    for module, status, count in rows:
        counts.setdefault(module, Counter())[status] = count
    return dict(sorted(counts.items()))


def list_jobs(db: Session, *, statuses: Sequence[str] = STATUSES, limit: int = 50) -> list[Job]:
    """The jobs in ``statuses``: failed first, then running, then queued, each oldest first."""
    failed_first = case({FAILED: 0, RUNNING: 1}, value=Job.status, else_=2)
    statement = (
        select(Job)
        .where(Job.status.in_(statuses))
        .order_by(failed_first, Job.run_at, Job.id)
        .limit(limit)
    )
    return list(db.scalars(statement))


def retry_failed(db: Session, job_id: int) -> Job:
    """Queue failed job ``job_id`` again, due now, with all its attempts; commits.

    :raises JobNotRetryableError: no job has that id, or it has not failed.
    """
    row = db.get(Job, job_id, with_for_update=True)
    if row is None:
        raise JobNotRetryableError(f"no job has id {job_id} (a job that succeeded is deleted)")
    if row.status != FAILED:
        raise JobNotRetryableError(f"job {job_id} ({row.job}) is {row.status}, not failed")
    platform = Platform.of(db)
    row.status, row.attempts, row.run_at, row.failed_at = QUEUED, 0, platform.clock(), None
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(func.pg_notify(CHANNEL, "")))
    _wake_workers_on_commit(db, platform)
    db.commit()
    return row

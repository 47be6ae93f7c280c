"""A failing job is retried after a backoff that doubles, then marked failed; every failure is
logged with its module, job and id; ``hobbymatch jobs`` lists it and retries it."""

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest
from hobbymatch_testkit.jobs import MovableClock
from sqlalchemy.orm import Session

from core import defer
from core.jobs import FAILED, QUEUED, Job
from tests.jobs.conftest import DoneKeys
from tests.throwaway_modules import run_cli

RunJobs = Callable[[], int]


def test_a_failing_job_is_retried_with_a_doubling_backoff_then_marked_failed(
    db: Session,
    errands: ModuleType,
    clock: MovableClock,
    run_jobs: RunJobs,
    caplog: pytest.LogCaptureFixture,
) -> None:
    errands.failures_left["refused"] = 3
    job_id = defer(db, "errands.flaky", {"key": "refused"})
    db.commit()
    caplog.set_level(logging.WARNING, logger="hobbymatch.jobs")

    assert run_jobs() == 1
    assert state(db, job_id) == (QUEUED, 1, clock() + timedelta(seconds=10))
    clock.move(seconds=9)
    assert run_jobs() == 0
    clock.move(seconds=1)
    assert run_jobs() == 1
    assert state(db, job_id) == (QUEUED, 2, clock() + timedelta(seconds=20))
    clock.move(seconds=20)
    assert run_jobs() == 1

    assert state(db, job_id)[:2] == (FAILED, 3)
    failures = [record for record in caplog.records if "errands.flaky" in record.getMessage()]
    assert [record.levelno for record in failures] == [logging.WARNING] * 2 + [logging.ERROR]
    for record in failures:
        assert f"module errands, id {job_id}" in record.getMessage()
        assert "the mail server refused refused" in record.getMessage()


def state(db: Session, job_id: int) -> tuple[str, int, object]:
    db.expire_all()
    row = db.get(Job, job_id)
    assert row is not None
    return row.status, row.attempts, row.run_at


def test_hobbymatch_jobs_lists_a_failed_job_and_retries_it(
    db: Session,
    errands: ModuleType,
    command_environment: dict[str, str],
    clock: MovableClock,
    run_jobs: RunJobs,
    done_keys: DoneKeys,
    tmp_path: Path,
) -> None:
    errands.failures_left["twice"] = 3
    job_id = defer(db, "errands.flaky", {"key": "twice"})
    defer(db, "errands.record", {"key": "later"}, run_at=clock() + timedelta(days=1))
    db.commit()
    for _attempt in range(3):
        run_jobs()
        clock.move(minutes=1)

    listed = run_cli("jobs", cwd=tmp_path, env=command_environment)
    assert listed.returncode == 0, listed.stderr
    summary, jobs = listed.stdout.split("\n\n")
    assert summary.splitlines()[1].split() == ["errands", "1", "0", "1"]
    failed_line = jobs.splitlines()[1]
    assert failed_line.split()[:4] == [str(job_id), "errands.flaky", "failed", "3/3"]
    assert failed_line.endswith("RuntimeError: the mail server refused twice")

    retried = run_cli("jobs", "retry", str(job_id), cwd=tmp_path, env=command_environment)
    assert retried.returncode == 0, retried.stderr
    assert f"job {job_id} (errands.flaky) is queued again" in retried.stdout
    assert run_jobs() == 1
    assert done_keys("flaky") == ["twice"]

    again = run_cli("jobs", "retry", str(job_id), cwd=tmp_path, env=command_environment)
    assert again.returncode == 1
    assert (
        again.stderr.strip()
        == f"hobbymatch: error: no job has id {job_id} (a job that succeeded is deleted)"
    )

"""Several workers, as on several machines: a committed job runs once however they race, a
job whose worker was killed runs again once its lease ends, two jobs of one lock never run at
once, and a periodic job runs once per period whoever asks."""

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from hobbymatch_testkit import StartApp, empty_all_tables
from hobbymatch_testkit.jobs import MovableClock
from sqlalchemy import text
from sqlalchemy.orm import Session

from core import defer
from core.config import Settings
from core.jobs import RUNNING, Job
from core.platform import Platform
from core.worker import Worker
from tests.fresh_processes import HobbymatchProcess
from tests.jobs.conftest import DoneKeys

RunJobs = Callable[[], int]


def race(*runs: Callable[[], int]) -> list[int]:
    """Start every run at the same moment, each in a thread; what each returned."""
    start = threading.Barrier(len(runs))
    results: list[int | BaseException] = [0] * len(runs)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = runs[index]()
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(runs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return [int(result) for result in results]


def other_machine(start_app: StartApp, settings: Settings, clock: MovableClock) -> Worker:
    """A worker of another app on the same database, on the test's clock."""
    platform = Platform.of(start_app(settings))
    platform.clock = clock
    return Worker(platform, name="other-machine")


def test_committed_jobs_run_once_each_while_two_workers_race(
    app: FastAPI,
    db: Session,
    settings: Settings,
    start_app: StartApp,
    clock: MovableClock,
    done_keys: DoneKeys,
) -> None:
    keys = [f"job-{number:02}" for number in range(30)]
    for key in keys:
        defer(db, "errands.record", {"key": key})
    db.commit()
    here = Worker(Platform.of(app), name="this-machine")
    there = other_machine(start_app, settings, clock)

    ran = race(here.run_until_idle, there.run_until_idle)

    assert sum(ran) == len(keys)
    assert done_keys("record") == keys


def test_the_job_of_a_killed_worker_runs_again_once_its_lease_ends(
    db: Session,
    command_environment: dict[str, str],
    clock: MovableClock,
    run_jobs: RunJobs,
    done_keys: DoneKeys,
    tmp_path: Path,
) -> None:
    marker = tmp_path / "started"
    job_id = defer(db, "errands.hang", {"key": "survivor", "marker": str(marker)})
    db.commit()
    worker = start_worker_process(command_environment, tmp_path)
    try:
        wait_for(marker, worker)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()

    held = db.get(Job, job_id)
    assert held is not None
    assert held.status == RUNNING
    assert held.attempts == 1
    assert run_jobs() == 0  # its lease still holds
    clock.move(minutes=2)
    assert run_jobs() == 1
    assert done_keys("hang") == ["survivor"]
    db.expire_all()
    assert db.get(Job, job_id) is None


def start_worker_process(settings: dict[str, str], cwd: Path) -> HobbymatchProcess:
    environment = {key: value for key, value in os.environ.items() if "HOBBYMATCH" not in key}
    environment.update(settings)
    return HobbymatchProcess(
        ["worker"],
        cwd=cwd,
        environment=environment,
        stdout=Path(os.devnull),
        new_session=True,
    )


def wait_for(marker: Path, process: HobbymatchProcess) -> None:
    """Wait until ``marker`` exists (the job started), or fail if the process ends first."""
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, "the worker stopped before running the job"
        assert time.monotonic() < deadline, "the worker never started the job"
        time.sleep(0.05)


def test_two_jobs_of_one_lock_never_run_at_once(
    app: FastAPI, db: Session, worker: Worker, done_keys: DoneKeys
) -> None:
    first = defer(db, "errands.record", {"key": "first"}, lock="user:3")
    second = defer(db, "errands.record", {"key": "second"}, lock="user:3")
    unlocked = defer(db, "errands.record", {"key": "unlocked"})
    db.commit()
    holder = Worker(Platform.of(app), name="holder")

    running = holder.claim()
    assert running is not None
    assert running.id == first
    meanwhile = worker.claim()
    assert meanwhile is not None
    assert meanwhile.id == unlocked
    assert worker.claim() is None  # "second" waits for the lock
    holder.execute(running)
    after = worker.claim()

    assert after is not None
    assert after.id == second
    assert done_keys("record") == ["first"]


def test_two_workers_racing_for_two_jobs_of_one_lock_start_one(
    app: FastAPI, db: Session, worker: Worker
) -> None:
    for key in ("first", "second"):
        defer(db, "errands.record", {"key": key}, lock="user:4")
    db.commit()
    holder = Worker(Platform.of(app), name="holder")

    started = race(lambda: int(holder.claim() is not None), lambda: int(worker.claim() is not None))

    assert sum(started) == 1


Machine = Callable[[], Worker]


@pytest.fixture
def clockwork_machine(settings: Settings, start_app: StartApp, clock: MovableClock) -> Machine:
    """``clockwork_machine()``: a worker of a new app (a machine) with the periodic ``clockwork``
    module, on the test's database and clock; the first call empties what earlier tests left."""
    with_clockwork = settings.model_copy(update={"modules": ["errands", "clockwork"]})
    started: list[Worker] = []

    def machine() -> Worker:
        platform = Platform.of(start_app(with_clockwork))
        if not started:
            empty_all_tables(platform.engine)
        platform.clock = clock
        started.append(Worker(platform, name=f"machine-{len(started)}"))
        return started[-1]

    return machine


def test_a_periodic_job_runs_once_per_period_with_two_workers(
    clockwork_machine: Machine, clock: MovableClock
) -> None:
    here, there = clockwork_machine(), clockwork_machine()

    race(here.run_until_idle, there.run_until_idle)
    race(here.run_until_idle, there.run_until_idle)
    assert ticks(here) == 1

    clock.move(days=1)
    race(here.run_until_idle, there.run_until_idle)
    race(here.run_until_idle, there.run_until_idle)
    assert ticks(here) == 2


def test_a_machine_started_later_in_a_period_does_not_run_its_periodic_job_again(
    clockwork_machine: Machine,
) -> None:
    assert clockwork_machine().run_until_idle() == 1

    late = clockwork_machine()
    assert late.run_until_idle() == 0
    assert ticks(late) == 1


def ticks(worker: Worker) -> int:
    with worker.platform.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM clockwork_ticks")).scalar_one())

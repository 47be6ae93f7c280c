"""A job deferred inside a module's transaction exists exactly when that transaction commits:
a rolled-back write leaves no job, a committed one runs, once; a delayed one waits for its
time, which the test moves instead of sleeping."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.jobs import MovableClock
from sqlalchemy.orm import Session

from core import UnknownJobError, defer
from core.config import Settings
from core.exceptions import ModuleLoadError
from core.main import create_app
from tests.jobs.conftest import DoneKeys
from tests.throwaway_modules import ModuleFolder

RunJobs = Callable[[], int]


def test_a_job_deferred_by_a_request_that_fails_never_runs(
    client: TestClient, run_jobs: RunJobs, done_keys: DoneKeys
) -> None:
    response = client.post("/errands", json={"label": "refused"})

    assert response.status_code == 409
    assert run_jobs() == 0
    assert done_keys("record") == []


def test_a_job_deferred_in_a_session_rolled_back_never_runs(
    db: Session, run_jobs: RunJobs, done_keys: DoneKeys
) -> None:
    defer(db, "errands.record", {"key": "rolled-back"})
    db.rollback()

    assert run_jobs() == 0
    assert done_keys("record") == []


def test_a_job_deferred_by_a_committed_request_runs_once(
    client: TestClient, run_jobs: RunJobs, done_keys: DoneKeys
) -> None:
    assert client.post("/errands", json={"label": "kept"}).status_code == 201

    assert run_jobs() == 1
    assert run_jobs() == 0
    assert done_keys("record") == ["kept"]


def test_a_delayed_job_runs_once_its_time_comes(
    db: Session, clock: MovableClock, run_jobs: RunJobs, done_keys: DoneKeys
) -> None:
    defer(db, "errands.record", {"key": "in-14-days"}, run_at=clock() + timedelta(days=14))
    db.commit()

    clock.move(days=13, hours=23)
    assert run_jobs() == 0
    clock.move(hours=1)
    assert run_jobs() == 1
    assert done_keys("record") == ["in-14-days"]


def test_deferring_an_undeclared_job_names_the_declared_ones(db: Session) -> None:
    with pytest.raises(UnknownJobError, match=r"errands\.recrod.*errands\.record"):
        defer(db, "errands.recrod", {"key": "typo"})


def test_a_payload_that_is_not_json_is_refused_at_deferral(db: Session) -> None:
    with pytest.raises(TypeError, match="JSON"):
        defer(db, "errands.record", {"key": object()})


def test_a_module_declaring_one_job_name_twice_stops_startup(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    module_folder.write(
        "twice",
        body="""
from core import job

@job("send")
def first(db): ...

@job("send")
def second(db): ...

@hookimpl
def hobbymatch_jobs():
    return [first, second]
""",
    )
    settings: Settings = make_test_settings(
        f"sqlite:///{tmp_path / 'twice.db'}", modules=["twice"], module_paths=[module_folder.root]
    )
    with pytest.raises(ModuleLoadError, match="module 'twice' declares job 'send' twice"):
        create_app(settings)

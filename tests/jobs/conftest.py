"""The jobs' tests use one throwaway module, ``errands``, written as a module author would:
a route that writes and defers in one transaction, and jobs whose every run leaves a row in
``errands_done`` — what the tests count."""

import sys
from collections.abc import Callable
from types import ModuleType

import pytest
from fastapi import FastAPI
from hobbymatch_testkit import make_test_settings
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.config import Settings
from core.platform import Platform
from core.worker import Worker
from tests.throwaway_modules import ModuleFolder

ERRANDS = '''
import threading
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Depends
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import Base, ConflictError, StrictBody, defer, get_db, job

# How many more times each key of "flaky" fails; tests set it.
failures_left: dict[str, int] = {}


class Errand(Base):
    __tablename__ = "errands"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(100))


class Done(Base):
    """One row per successful run of a job."""
    __tablename__ = "errands_done"
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(100))


class ErrandIn(StrictBody):
    label: str


router = APIRouter(prefix="/errands")


@router.post("", status_code=201)
def add_errand(body: ErrandIn, db: Session = Depends(get_db)) -> dict[str, int]:
    errand = Errand(label=body.label)
    db.add(errand)
    db.flush()
    defer(db, "errands.record", {"key": body.label}, lock=f"errand:{body.label}")
    if body.label == "refused":
        raise ConflictError("refused after deferring")
    db.commit()
    return {"id": errand.id}


@job("record")
def record(db: Session, key: str) -> None:
    db.add(Done(job="record", key=key))


@job("flaky", attempts=3, backoff=timedelta(seconds=10))
def flaky(db: Session, key: str) -> None:
    if failures_left.get(key, 0) > 0:
        failures_left[key] -= 1
        raise RuntimeError(f"the mail server refused {key}")
    db.add(Done(job="flaky", key=key))


@job("hang", lease=timedelta(minutes=1))
def hang(db: Session, key: str, marker: str) -> None:
    """The first run announces itself in the marker file and never ends (its worker is killed);
    later runs finish."""
    if not Path(marker).exists():
        Path(marker).write_text("started")
        threading.Event().wait()
    db.add(Done(job="hang", key=key))


@hookimpl
def hobbymatch_models():
    return [Errand, Done]


@hookimpl
def hobbymatch_routers():
    return [router]


@hookimpl
def hobbymatch_jobs():
    return [record, flaky, hang]
'''


# A module of its own, so that the periodic job runs only in the tests that enable it.
CLOCKWORK = """
from datetime import timedelta

from sqlalchemy.orm import Mapped, Session, mapped_column

from core import Base, job


class Tick(Base):
    __tablename__ = "clockwork_ticks"
    id: Mapped[int] = mapped_column(primary_key=True)


@job("tick", every=timedelta(days=1))
def tick(db: Session) -> None:
    db.add(Tick())


@hookimpl
def hobbymatch_models():
    return [Tick]


@hookimpl
def hobbymatch_jobs():
    return [tick]
"""


@pytest.fixture
def settings(database_url: str, module_folder: ModuleFolder) -> Settings:
    """Settings for an app of the errands module alone (``clockwork`` is written beside it)."""
    module_folder.write("errands", body=ERRANDS)
    module_folder.write("clockwork", body=CLOCKWORK)
    return make_test_settings(database_url, modules=["errands"], module_paths=[module_folder.root])


@pytest.fixture
def command_environment(settings: Settings, module_folder: ModuleFolder) -> dict[str, str]:
    """The environment of a ``hobbymatch`` command on the test's database and modules."""
    return {
        "HOBBYMATCH_DATABASE_URL": settings.effective_database_url,
        "HOBBYMATCH_MODULES": "errands",
        "HOBBYMATCH_MODULE_PATHS": str(module_folder.root),
        "HOBBYMATCH_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def errands(app: FastAPI) -> ModuleType:
    """The errands module, as the app imported it."""
    return sys.modules["modules.errands"]


DoneKeys = Callable[[str], list[str]]


@pytest.fixture
def done_keys(db: Session) -> DoneKeys:
    """``done_keys(job)``: the keys of that job's successful runs, sorted."""

    def keys(job: str) -> list[str]:
        db.rollback()  # a fresh snapshot
        rows = db.execute(
            text("SELECT key FROM errands_done WHERE job = :job ORDER BY key"), {"job": job}
        )
        return [key for (key,) in rows]

    return keys


@pytest.fixture
def worker(app: FastAPI) -> Worker:
    """A worker of the test app, besides the one behind ``run_jobs``."""
    return Worker(Platform.of(app), name="second-worker")

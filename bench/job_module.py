"""The throwaway module that the jobs' benchmarks run: ``note``, a job that writes when it
started (the commit-to-start latency), and ``noop``, a job that does nothing (the queue's own
cost)."""

from pathlib import Path

SOURCE = """
import time

from sqlalchemy.orm import Mapped, Session, mapped_column

from core import Base, ModuleInfo, hookimpl, job

MODULE_INFO = ModuleInfo(name="bench_jobs", version="1.0.0")


class Ran(Base):
    __tablename__ = "bench_jobs_ran"
    key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    started_at: Mapped[float]


@job("note")
def note(db: Session, key: int) -> None:
    db.add(Ran(key=key, started_at=time.time()))


@job("noop")
def noop(db: Session, key: int) -> None:
    pass


@hookimpl
def hobbymatch_models():
    return [Ran]


@hookimpl
def hobbymatch_jobs():
    return [note, noop]
"""


def write_job_module(folder: Path) -> Path:
    """Write the module into ``folder`` (a folder of modules); return ``folder``."""
    package = folder / "bench_jobs"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(SOURCE)
    return folder

"""``SELECT ... FOR UPDATE`` keeps the rows it read as read until commit, on both backends.

Modules read, then write, under ``with_for_update()`` (a user's skill list, a connection
request's status). PostgreSQL locks the rows; SQLite has no row locks, so the core takes the
database's write lock there instead. Without either, a concurrent request loses an update.
"""

import sys
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Column, Engine, Integer, MetaData, Table, insert, select, text, update
from sqlalchemy.orm import Session

from core.platform import Platform

counters = Table(
    "lock_probe_counters",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("count", Integer, nullable=False),
)


@pytest.fixture
def engine(app: FastAPI) -> Iterator[Engine]:
    """The test database's engine, with one counter at 0."""
    engine = Platform.of(app).engine
    counters.create(engine, checkfirst=True)
    with engine.begin() as connection:
        connection.execute(counters.delete())
        connection.execute(insert(counters).values(id=1, count=0))
    yield engine
    counters.drop(engine)


def read_for_update(session: Session) -> int:
    """The counter, read under ``FOR UPDATE``."""
    return session.execute(
        select(counters.c.count).where(counters.c.id == 1).with_for_update()
    ).scalar_one()


def write(session: Session, count: int) -> None:
    """Set the counter and commit."""
    session.execute(update(counters).where(counters.c.id == 1).values(count=count))
    session.commit()


def wait_until_blocked(engine: Engine, thread: threading.Thread) -> None:
    """Wait until ``thread`` waits for a lock: on PostgreSQL, a lock not granted; on SQLite
    (no lock table to ask), the thread inside the core's ``BEGIN IMMEDIATE``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _is_blocked(engine, thread):
            return
        time.sleep(0.01)
    raise TimeoutError("the second reader never waited for the lock")


def _is_blocked(engine: Engine, thread: threading.Thread) -> bool:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            waiting = connection.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
        return bool(waiting)
    frame = sys._current_frames().get(thread.ident or 0)
    while frame is not None:
        if frame.f_code.co_name == "_take_write_lock_for_update":
            return True
        frame = frame.f_back
    return False


def test_a_second_reader_waits_for_the_first_to_commit(engine: Engine) -> None:
    first = Session(engine)
    seen_by_first = read_for_update(first)
    second_done = threading.Event()

    def second_increment() -> None:
        with Session(engine) as second:
            write(second, read_for_update(second) + 1)
        second_done.set()

    thread = threading.Thread(target=second_increment)
    thread.start()
    wait_until_blocked(engine, thread)
    # The second request must still be waiting: it would have read the old value otherwise.
    assert not second_done.is_set()
    write(first, seen_by_first + 1)
    first.close()
    thread.join(timeout=30)

    with Session(engine) as check:
        assert check.scalar(select(counters.c.count)) == 2


def test_a_rollback_releases_the_lock(engine: Engine) -> None:
    first = Session(engine)
    read_for_update(first)
    first.rollback()
    with Session(engine) as second:
        write(second, read_for_update(second) + 5)
    first.close()

    with Session(engine) as check:
        assert check.scalar(select(counters.c.count)) == 5

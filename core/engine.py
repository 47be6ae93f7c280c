"""The engine layer: the shared declarative ``Base``, column types, engines, and the SQL helpers
that modules and the platform share (upserts, advisory locks, session defaults).

Nothing here holds a connection or an engine, and nothing knows the app: the app object
(:class:`core.platform.Platform`) owns its engines, and :mod:`core.database` opens a request's
session from them. Every module's models subclass :class:`Base`; :func:`init_db` creates the
tables of the enabled modules.
"""

import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from filelock import FileLock
from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, ExecutionContext
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session

from core.exceptions import DatabaseUnavailableError

logger = logging.getLogger("hobbymatch")

# An event listener added to an engine, to take off again: (engine, event name, function).
EngineListener = tuple[Engine, str, Callable[..., Any]]

# Deterministic constraint names, so that migrations can name what they alter or drop.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The largest value of an Integer primary key on PostgreSQL: larger numbers name nothing, and
# path or body ids beyond it are refused as invalid rather than sent to the driver.
MAX_INTEGER_ID = 2**31 - 1

# Any constants: they serialise create_all, and the whole schema step of startup, between
# workers that start at the same moment.
_SCHEMA_LOCK_ID = 0x486F6262
_STARTUP_LOCK_ID = 0x486F6263


class Base(DeclarativeBase):
    """The one declarative base that every module's models subclass."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite alone would return naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store the value in UTC; a naive value is refused, as its zone is unknown."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the value as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def create_database_engine(
    url: URL,
    *,
    connect_timeout: int = 5,
    pool_size: int = 20,
    max_overflow: int = 0,
    autocommit: bool = False,
) -> Engine:
    """A new engine for ``url``, tuned for the backend (SQLite or PostgreSQL).

    A PostgreSQL connection sends no startup parameter beyond the user, the database and
    ``application_name``, so that a pooler in transaction mode (PgBouncer) accepts it; the
    session settings the app needs are the database's (:func:`apply_session_defaults`).

    :param connect_timeout: seconds to wait for a new PostgreSQL connection.
    :param pool_size: connections the engine keeps open; ``max_overflow`` more may open under
        load, each closed when returned.
    :param autocommit: every statement commits by itself: for reads, which then send no BEGIN
        and no ROLLBACK. A pool of its own, so that no connection switches modes (switching
        back costs a round trip).
    """
    # Set when each connection opens, never switched afterwards.
    pool = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    }
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, pool)
    return _create_postgresql_engine(url, connect_timeout, pool)


def upsert(db: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``model``'s table that takes ``ON CONFLICT`` clauses, in the dialect
    of ``db`` (PostgreSQL's and SQLite's spell them alike)."""
    table = cast(Table, model.__table__)
    if db.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignoring_duplicates(
    db: Session, model: type[Base], rows: Sequence[Mapping[str, Any]], *, unique: Sequence[str]
) -> None:
    """Insert ``rows`` in bulk, skipping those whose ``unique`` columns already exist.

    ``INSERT ... ON CONFLICT DO NOTHING`` on both backends, sent in multi-row batches: safe when
    several workers load the same reference data at once, and fast enough for demo data by the
    million.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    # RETURNING makes SQLAlchemy send the rows as multi-row VALUES batches ("insertmanyvalues");
    # without it, an upsert goes through the driver's executemany, one row per round trip.
    statement = (
        upsert(db, model)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(*(table.c[name] for name in unique))
    )
    db.connection().execute(statement, list(rows)).close()


def serialize_on(db: Session, name: str) -> None:
    """Make the rest of ``db``'s transaction run alone among transactions serialized on
    ``name``, until commit or rollback: for a count-then-insert that no row lock can guard
    (the rows counted may not exist yet).

    PostgreSQL takes a transaction-level advisory lock on the name's hash; SQLite takes the
    database's one write lock (``BEGIN IMMEDIATE``), which serializes every writer.
    """
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"), {"name": name}
        )
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def existing_tables(engine: Engine) -> set[str]:
    """The names of the tables in ``engine``'s database, in one query."""
    return set(inspect(engine).get_table_names())


def init_db(engine: Engine, tables: Iterable[Table], *, existing: set[str]) -> None:
    """Create those of ``tables`` that ``existing`` (:func:`existing_tables`, read under
    :func:`schema_lock`) does not name, in one transaction, without asking the database about
    each table again.

    :raises DatabaseUnavailableError: the database does not answer.
    """
    missing = [table for table in tables if table.name not in existing]
    if not missing:
        return
    check_database(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SCHEMA_LOCK_ID})
        Base.metadata.create_all(connection, tables=missing, checkfirst=False)


@contextmanager
def schema_lock(engine: Engine) -> Iterator[None]:
    """Hold a lock that every process preparing ``engine``'s schema takes, so that workers
    starting at once check, create and stamp tables one after the other.

    PostgreSQL: a session-level advisory lock on a connection of its own. SQLite: a lock file
    beside the database file (its write lock would also block the other connections of this
    process, which create the tables).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _STARTUP_LOCK_ID})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _STARTUP_LOCK_ID})
        return
    with FileLock(f"{engine.url.database}.lock"):
        yield


def check_database(engine: Engine) -> None:
    """Run ``SELECT 1``.

    :raises DatabaseUnavailableError: one line naming host, port and database, never the
        password.
    """
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        reason = _first_line(str(error.orig), secret=engine.url.password)
        raise DatabaseUnavailableError(
            f"cannot reach the database at {describe_database(engine.url)}: {reason}"
        ) from None


def session_defaults(statement_timeout: float) -> dict[str, str]:
    """The PostgreSQL settings every session of the app needs, as ``ALTER ROLE ... SET`` takes
    them.

    ``statement_timeout``: a statement running longer is cancelled, an OperationalError answered
    503 like a lost database. ``jit = off``: JIT compilation pays off for long analytic queries;
    for a web request it only adds a few hundred milliseconds of compiling to any query the
    planner finds costly.
    """
    return {"statement_timeout": f"{round(statement_timeout * 1000)}ms", "jit": "off"}


def apply_session_defaults(engine: Engine, statement_timeout: float) -> bool:
    """Make ``engine``'s role, in its database, start every session with
    :func:`session_defaults` (``ALTER ROLE CURRENT_USER IN DATABASE ... SET``), unless it does.

    Database settings, not startup parameters, because a pooler in transaction mode keeps
    neither a connection's startup ``options`` (PgBouncer refuses them) nor a plain ``SET``:
    every server connection a pooler opens, and every replica, starts with them. A role may
    always set its own defaults. The engine's pooled connections are closed afterwards, so
    that the next ones start with the new values. Nothing happens on SQLite.

    :returns: whether anything changed.
    """
    if engine.dialect.name != "postgresql":
        return False
    wanted = session_defaults(statement_timeout)
    with engine.connect() as connection:
        if _current_settings(connection, wanted) == _normalized(connection, wanted):
            return False
        database = connection.execute(text("SELECT current_database()")).scalar_one()
        for name, value in wanted.items():
            connection.exec_driver_sql(
                f"ALTER ROLE CURRENT_USER IN DATABASE {_quoted(connection, database)} "
                f"SET {name} = {_literal(value)}"
            )
        connection.commit()
    engine.dispose()
    logger.info(
        "database settings for this role in %s: %s",
        describe_database(engine.url),
        ", ".join(f"{name} = {value}" for name, value in wanted.items()),
    )
    return True


def session_defaults_differ(engine: Engine, statement_timeout: float) -> bool:
    """Whether a new session of ``engine`` starts with other values than
    :func:`session_defaults` (always false on SQLite)."""
    if engine.dialect.name != "postgresql":
        return False
    wanted = session_defaults(statement_timeout)
    with engine.connect() as connection:
        return _current_settings(connection, wanted) != _normalized(connection, wanted)


def _current_settings(connection: Connection, wanted: Mapping[str, str]) -> dict[str, str]:
    return {
        name: connection.execute(text("SELECT current_setting(:name)"), {"name": name}).scalar_one()
        for name in wanted
    }


def _normalized(connection: Connection, wanted: Mapping[str, str]) -> dict[str, str]:
    # What current_setting answers for each value ("10000ms" reads back as "10s").
    normalized = {}
    for name, value in wanted.items():
        connection.execute(
            text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )
        normalized[name] = connection.execute(
            text("SELECT current_setting(:name)"), {"name": name}
        ).scalar_one()
    connection.rollback()
    return normalized


def _quoted(connection: Connection, identifier: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(identifier)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def describe_database(url: URL) -> str:
    """Name where ``url`` points, without credentials: ``host:port/database`` or the file."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite file {url.database or ':memory:'}"
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def is_connection_error(error: BaseException) -> bool:
    """Whether ``error`` means the database is unreachable, rather than a bad statement."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, OperationalError) and "locked" not in str(error.orig)


def _first_line(message: str, secret: str | None) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "no answer"
    return line.replace(secret, "***") if secret else line


def _create_postgresql_engine(url: URL, connect_timeout: int, pool: dict[str, Any]) -> Engine:
    # No ping before each use (a round trip per request): a dead connection is found by the
    # error, which makes the pool replace every connection as old, and an idempotent request
    # is answered again (core.replicas.ReadRoutingMiddleware); others are answered 503.
    return create_engine(
        url,
        **pool,
        # The most recently returned connection first: under light load the same few stay busy
        # and the rest time out at a pooler, instead of every connection being touched in turn.
        pool_use_lifo=True,
        # No "options": PgBouncer refuses that startup parameter (apply_session_defaults).
        connect_args={"connect_timeout": connect_timeout, "application_name": "hobbymatch"},
    )


def _create_sqlite_engine(url: URL, pool: dict[str, Any]) -> Engine:
    # FastAPI runs sync routes in a thread pool: a connection may be used by another thread
    # than the one that opened it. The timeout waits for a writer instead of failing at once.
    engine = create_engine(
        url,
        **pool,
        connect_args={"check_same_thread": False, "timeout": 30},
    )
    event.listen(engine, "connect", _tune_sqlite_connection)
    event.listen(engine, "before_cursor_execute", _take_write_lock_for_update)
    return engine


def _tune_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# A fresh file's switch to WAL takes an exclusive lock, and SQLite answers "database is locked"
# at once instead of waiting like other statements do: workers that open a new file at the
# same moment (hobbymatch serve --workers N) take turns for up to this long.
_WAL_SWITCH_SECONDS = 10.0


def _switch_to_wal(cursor: Any) -> None:
    deadline = time.monotonic() + _WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _take_write_lock_for_update(
    connection: Connection,
    _cursor: Any,
    _statement: str,
    _parameters: Any,
    context: ExecutionContext | None,
    _executemany: bool,
) -> None:
    # SQLite has no row locks and drops FOR UPDATE, and the driver opens a transaction only
    # before a write: two requests that read, then write, would interleave and lose an update.
    # A SELECT ... FOR UPDATE therefore opens the transaction with BEGIN IMMEDIATE: it waits
    # for the database's one write lock and holds it until commit or rollback, so what it reads
    # stays as read, as FOR UPDATE promises on PostgreSQL. (``_for_update_arg`` is how
    # SQLAlchemy marks such a SELECT; tests/core/test_row_locks.py fails if that changes.)
    compiled = context.compiled if context is not None else None
    if compiled is None or getattr(compiled.statement, "_for_update_arg", None) is None:
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")

"""Reading whole tables into numpy arrays for the index's build, without a Python object per
row where the database allows it.

A query's rows come as columns, in batches: its first column is a user id, split into the two
``uint64`` halves the index orders users by (``high``, ``low``); the others are integers, read
at the width PostgreSQL gives them. On PostgreSQL the rows come from a binary ``COPY``, in
which every row of such a query has the same size: each batch of rows is then one numpy
record array, read straight from the bytes (ten million rows took 70 s through the cursor's
row tuples, at about 7 µs a row). On SQLite they come through the cursor, in batches.
"""

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ClauseElement
from sqlalchemy.orm import Session

# A batch of rows as columns: "high" and "low" (the user id's halves), then the others by name.
Columns = dict[str, npt.NDArray[Any]]

BATCH_ROWS = 50_000
# A binary COPY starts with an 11-byte signature, 4 bytes of flags and the length (4 bytes)
# of a header extension that PostgreSQL leaves empty; it ends with a field count of -1.
_HEADER_BYTES = 19
_TRAILER = b"\xff\xff"
_UUID_BYTES = 16


def read_columns(
    db: Session, statement: ClauseElement, widths: Sequence[tuple[str, int]]
) -> Iterator[Columns]:
    """The rows of ``statement`` (binding no parameter; a user id, then integers of ``widths``:
    ``(name, bytes)`` with 2, 4 or 8 bytes, cast to that width), as columns, in batches."""
    connection = db.connection()
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.dbapi_connection
    assert driver is not None  # the session's connection is checked out
    cursor = driver.cursor()
    try:
        if connection.dialect.name == "postgresql":
            # One statement reads the whole table: at a million users it outlasts the
            # statement timeout that protects requests. The build's own transaction (a
            # session on the primary) lifts it for itself alone.
            cursor.execute("SET LOCAL statement_timeout = 0")
            copied = _BinaryCopy(widths)
            cursor.copy_expert(f"COPY ({sql}) TO STDOUT (FORMAT binary)", copied)
            yield from copied.finish()
            return
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH_ROWS):
            yield _from_rows(batch, widths)
    finally:
        cursor.close()


def _from_rows(rows: Sequence[Sequence[Any]], widths: Sequence[tuple[str, int]]) -> Columns:
    # SQLite gives a UUID as 32 hex digits.
    ids = [uuid.UUID(str(row[0])).int for row in rows]
    columns: Columns = {
        "high": np.array([user >> 64 for user in ids], dtype=np.uint64),
        "low": np.array([user & (2**64 - 1) for user in ids], dtype=np.uint64),
    }
    for number, (name, width) in enumerate(widths, start=1):
        columns[name] = np.array([row[number] for row in rows], dtype=f"i{width}")
    return columns


class _BinaryCopy:
    """The file that psycopg2's ``copy_expert`` writes a binary ``COPY`` into (mostly one row
    per write): every :data:`BATCH_ROWS` writes, the rows so far become one record array of
    big-endian fields, kept as native columns."""

    def __init__(self, widths: Sequence[tuple[str, int]]) -> None:
        fields: list[tuple[str, str]] = [("count", ">i2"), ("user_length", ">i4")]
        fields += [("high", ">u8"), ("low", ">u8")]
        for name, width in widths:
            fields += [(f"{name}_length", ">i4"), (name, f">i{width}")]
        self._record = np.dtype(fields)
        self._widths = widths
        self._chunks: list[bytes] = []
        self._pending = b""
        self._header_left = _HEADER_BYTES
        self._batches: list[Columns] = []

    def write(self, data: bytes) -> int:
        """Take what PostgreSQL sent; whole rows become columns once a batch is full."""
        self._chunks.append(data)
        if len(self._chunks) >= BATCH_ROWS:
            self._take(final=False)
        return len(data)

    def finish(self) -> list[Columns]:
        """The columns of every row, in batches, once the ``COPY`` is done.

        :raises ValueError: the rows are not what the columns' widths say (the index's build
            then fails and rankings stay in SQL).
        """
        self._take(final=True)
        if self._pending != _TRAILER:
            raise ValueError("a binary COPY ended without its trailer")
        return self._batches

    def _take(self, *, final: bool) -> None:
        data = self._pending + b"".join(self._chunks)
        self._chunks.clear()
        if self._header_left:
            skipped = min(self._header_left, len(data))
            data, self._header_left = data[skipped:], self._header_left - skipped
        usable = len(data) - len(_TRAILER) if final else len(data)
        whole = max(usable, 0) // self._record.itemsize * self._record.itemsize
        self._pending = data[whole:]
        if whole:
            self._batches.append(self._columns(np.frombuffer(data[:whole], dtype=self._record)))

    def _columns(self, records: npt.NDArray[np.void]) -> Columns:
        laid_out = (records["count"] == len(self._widths) + 1) & (
            records["user_length"] == _UUID_BYTES
        )
        for name, width in self._widths:
            laid_out &= records[f"{name}_length"] == width
        if not laid_out.all():
            raise ValueError("a row of a binary COPY is not laid out as its columns say")
        columns: Columns = {
            "high": records["high"].astype(np.uint64),
            "low": records["low"].astype(np.uint64),
        }
        for name, width in self._widths:
            columns[name] = records[name].astype(f"i{width}")
        return columns

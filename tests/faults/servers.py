"""Running ``hobbymatch serve`` in a real process on a free loopback port, for the fault suite:
a fresh process forked from a fork server (:mod:`tests.fresh_processes`)."""

import os
import socket
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from hobbymatch_testkit.postgres import TemporaryPostgres

from tests.fresh_processes import HobbymatchProcess


@contextmanager
def serving(
    folder: Path, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[str, HobbymatchProcess]]:
    """Serve HobbyMatch on SQLite in ``folder``; yield its base URL and process; stop it after.

    :param settings: further environment variables (``HOBBYMATCH_...``) for the server.
    The server's output goes to ``folder / "server.log"``.
    """
    sqlite = {"HOBBYMATCH_DATABASE_URL": f"sqlite:///{folder / 'served.db'}"}
    with serving_many(folder, 1, {**sqlite, **(settings or {})}) as [(base, server)]:
        yield base, server


@contextmanager
def serving_many(
    folder: Path, count: int, settings: Mapping[str, str]
) -> Iterator[list[tuple[str, HobbymatchProcess]]]:
    """Start ``count`` ``hobbymatch serve`` processes at once, each on its own port, as
    separate machines would; yield their base URLs and processes once all are healthy; stop
    them after. Their output goes to ``folder / "server-<n>.log"`` (``server.log`` for one).

    :param settings: environment variables (``HOBBYMATCH_...``) for every process; the
        environment's own ``HOBBYMATCH_`` variables are dropped.
    """
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")
    }
    environment.update(settings)
    servers: list[tuple[str, HobbymatchProcess]] = []
    try:
        for number in range(count):
            port = free_port()
            name = "server.log" if count == 1 else f"server-{number}.log"
            process = HobbymatchProcess(
                ["serve", "--port", str(port)],
                cwd=folder,
                environment=environment,
                stdout=folder / name,
            )
            servers.append((f"http://127.0.0.1:{port}", process))
        deadline = time.monotonic() + 60
        for base, _process in servers:
            wait_until_healthy(base, deadline)
        yield servers
    finally:
        for _base, process in servers:
            process.kill()
            process.wait(timeout=30)


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(base: str, deadline: float) -> None:
    """Wait until ``GET /health`` answers 200, or fail at ``deadline``."""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the server did not become healthy")


def run_sql(server: TemporaryPostgres, query: str) -> object:
    """Run one statement on ``server`` in autocommit, from a connection of its own; its first
    value, if it returns rows."""
    connection = psycopg2.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname=server.database
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None
    finally:
        connection.close()

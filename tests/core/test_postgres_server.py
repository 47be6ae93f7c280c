"""The test kit's PostgreSQL servers never outlive the run that started them."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hobbymatch_testkit.postgres import (
    PostgresUnavailableError,
    find_postgres_bindir,
    remove_leftovers,
)

OWNER = """
import time
from hobbymatch_testkit.postgres import TemporaryPostgres
server = TemporaryPostgres()
server.start()
print(server.port, server.folder, server._watchdog.pid, flush=True)
time.sleep(600)
"""


@pytest.fixture
def owner() -> Iterator[tuple[subprocess.Popen[str], int, Path, int]]:
    """A process that started a server and waits: it, the port, the folder, the watchdog."""
    try:
        find_postgres_bindir()
    except PostgresUnavailableError as error:
        pytest.skip(str(error))
    process = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port, folder, watchdog = process.stdout.readline().split()
    yield process, int(port), Path(folder), int(watchdog)
    process.kill()
    process.wait()


def wait_until_gone(port: int, folder: Path) -> None:
    """Wait until nothing listens on ``port`` and ``folder`` is deleted, or fail after 30 s."""
    deadline = time.monotonic() + 30
    while _listening(port) or folder.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server on port {port} still runs")
        time.sleep(0.05)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_killed_owner_leaves_no_server(
    owner: tuple[subprocess.Popen[str], int, Path, int],
) -> None:
    process, port, folder, _watchdog = owner
    assert _listening(port)
    process.send_signal(signal.SIGKILL)
    wait_until_gone(port, folder)


def test_leftovers_of_an_earlier_run_are_stopped(
    owner: tuple[subprocess.Popen[str], int, Path, int],
) -> None:
    process, port, folder, watchdog = owner
    os.kill(watchdog, signal.SIGKILL)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert _listening(port)
    assert folder in remove_leftovers()
    wait_until_gone(port, folder)

"""Running ``hobbymatch serve`` in a real process on a free loopback port, for the fault suite."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

HOBBYMATCH = str(Path(sys.executable).parent / "hobbymatch")


@contextmanager
def serving(
    folder: Path, settings: Mapping[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Serve HobbyMatch on SQLite in ``folder``; yield its base URL and process; stop it after.

    :param settings: further environment variables (``HOBBYMATCH_...``) for the server.
    The server's output goes to ``folder / "server.log"``.
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")
    }
    environment["HOBBYMATCH_DATABASE_URL"] = f"sqlite:///{folder / 'served.db'}"
    environment.update(settings or {})
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            [HOBBYMATCH, "serve", "--port", str(port)],
            cwd=folder,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_until_healthy(base, time.monotonic() + 60)
            yield base, server
        finally:
            if server.poll() is None:
                server.kill()
            server.wait(timeout=30)


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

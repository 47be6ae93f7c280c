"""What both benchmarks need to serve an app and wait for it: paths, the signing key, a free
port, and the first answer."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
SECRET = "bench-" + "k" * 40


def free_port() -> int:
    """A loopback port that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll ``url`` until the server answers (any status), or fail if ``process`` ends first.

    :raises RuntimeError: the server process exited; its stderr, when captured, is the message.
    :raises TimeoutError: no answer within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else url)
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 (loopback)
            return
        except urllib.error.HTTPError:
            return  # an error status is an answer: the server is up
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"{url} did not answer")

"""A frozen database (its processes stopped, connections open but silent): /ready answers 503
within 2 s, requests 503 within the request timeout, and once it thaws the same process serves
again by itself."""

import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.postgres_server import TemporaryPostgres
from tests.faults.servers import serving

REQUEST_TIMEOUT = 3


def call(base: str, path: str, body: object = None) -> tuple[int, float]:
    """Send a request; return its status and how long the answer took, in seconds."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}{path}", data=data, headers={"Content-Type": "application/json"}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (loopback)
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


@contextmanager
def frozen(server: TemporaryPostgres) -> Iterator[None]:
    """Stop every process of ``server`` (SIGSTOP), and let them go on afterwards."""
    postmaster = int((server.data / "postmaster.pid").read_text().split()[0])
    processes = [postmaster, *_children_of(postmaster)]
    for pid in processes:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in processes:
            os.kill(pid, signal.SIGCONT)


def _children_of(parent: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    return children


def test_a_frozen_database_gives_bounded_503s_and_recovery(
    own_postgres: TemporaryPostgres, tmp_path: Path
) -> None:
    settings = {
        "HOBBYMATCH_DATABASE_URL": own_postgres.url,
        "HOBBYMATCH_USERS_SECRET_KEY": "k" * 40,
        "HOBBYMATCH_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT),
    }
    with serving(tmp_path, settings) as (base, _server):
        assert call(base, "/skills")[0] == 200
        with frozen(own_postgres):
            ready, ready_took = call(base, "/ready")
            assert (ready, ready_took < 2.5) == (503, True)
            newcomer = {"email": "n@example.com", "password": "long enough", "display_name": "N"}
            for path, body in [("/skills", None), ("/users", newcomer)]:
                status, took = call(base, path, body)
                assert (status, took < REQUEST_TIMEOUT + 1.5) == (503, True)
            assert call(base, "/health")[0] == 200
        deadline = time.monotonic() + 30
        while call(base, "/ready")[0] != 200:
            assert time.monotonic() < deadline, "/ready never recovered"
        assert call(base, "/skills")[0] == 200

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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from hobbymatch_testkit.postgres import TemporaryPostgres

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


def settings_for(server: TemporaryPostgres) -> dict[str, str]:
    """A served app on ``server`` whose requests give up after ``REQUEST_TIMEOUT``."""
    return {
        "HOBBYMATCH_DATABASE_URL": server.url,
        "HOBBYMATCH_USERS_SECRET_KEY": "k" * 40,
        "HOBBYMATCH_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT),
    }


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
    with serving(tmp_path, settings_for(own_postgres)) as (base, _server):
        assert call(base, "/skills")[0] == 200
        with frozen(own_postgres):
            ready, ready_took = call(base, "/ready")
            assert (ready, ready_took < 2.5) == (503, True)
            with ThreadPoolExecutor(max_workers=2) as pool:
                read = pool.submit(call, base, "/skills")
                write = pool.submit(call, base, "/users", newcomer(0))
                for status, took in (read.result(), write.result()):
                    assert (status, took < REQUEST_TIMEOUT + 1.5) == (503, True)
            assert call(base, "/health")[0] == 200
        deadline = time.monotonic() + 30
        while call(base, "/ready")[0] != 200:
            assert time.monotonic() < deadline, "/ready never recovered"
        assert call(base, "/skills")[0] == 200


def newcomer(number: int) -> dict[str, str]:
    """The body of a sign-up."""
    return {"email": f"n{number}@example.com", "password": "long enough", "display_name": "N"}


def test_requests_stuck_in_a_frozen_database_never_block_the_event_loop(
    own_postgres: TemporaryPostgres, tmp_path: Path
) -> None:
    with serving(tmp_path, settings_for(own_postgres)) as (base, _server):
        assert call(base, "/skills/999999")[0] == 404
        with frozen(own_postgres), ThreadPoolExecutor(max_workers=8) as pool:
            # Both paths, each blocked in the database: the hot read path, and ordinary routes
            # served in one hop, reading and writing.
            stuck = [pool.submit(call, base, "/skills?q=a") for _ in range(3)]
            stuck += [pool.submit(call, base, "/skills/999999") for _ in range(3)]
            stuck += [pool.submit(call, base, "/users", newcomer(number)) for number in (1, 2)]
            health = []
            while not all(future.done() for future in stuck):
                health.append(call(base, "/health"))
            statuses = [future.result()[0] for future in stuck]
        # They stayed stuck until their deadline, and the probe answered all along.
        assert statuses == [503] * 8
        assert len(health) >= 5
        assert {status for status, _took in health} == {200}
        assert max(took for _status, took in health) < 1.0

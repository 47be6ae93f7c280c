"""The per-address login throttle counts the address that connects, unless a proxy that
``HOBBYMATCH_TRUSTED_PROXIES`` names forwards another."""

import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.faults.servers import serving

# A small address limit, so that the test pays for few password hashes at the served
# process's real Argon2 cost.
MAX_FAILED_LOGINS_PER_ADDRESS = 5
THROTTLE = {"HOBBYMATCH_USERS_MAX_FAILED_LOGINS_PER_ADDRESS": str(MAX_FAILED_LOGINS_PER_ADDRESS)}


def failed_login(base: str, number: int, forwarded_for: str) -> int:
    """Try a wrong password for a new email, claiming ``forwarded_for``; return the status."""
    form = urllib.parse.urlencode({"username": f"n{number}@example.com", "password": "wrong1"})
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{base}/auth/token", data=form.encode(), headers={"X-Forwarded-For": forwarded_for}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def fail_from_many_claimed_addresses(base: str) -> list[int]:
    """One more failed login than an address may make, each claiming its own address."""
    count = MAX_FAILED_LOGINS_PER_ADDRESS
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = list(pool.map(lambda n: failed_login(base, n, f"10.0.0.{n}"), range(count)))
    return [*first, failed_login(base, count, "10.0.1.1")]


def test_a_rotating_forwarded_header_does_not_defeat_the_address_throttle(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, THROTTLE) as (base, _server):
        statuses = fail_from_many_claimed_addresses(base)
    assert statuses[-1] == 429


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    with serving(tmp_path, {**THROTTLE, "HOBBYMATCH_TRUSTED_PROXIES": "127.0.0.1"}) as (
        base,
        _server,
    ):
        statuses = fail_from_many_claimed_addresses(base)
    assert statuses == [401] * (MAX_FAILED_LOGINS_PER_ADDRESS + 1)

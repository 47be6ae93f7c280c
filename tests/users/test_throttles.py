"""The sign-up and login throttles, counted in the database per client address and account,
as strangers at other addresses and parallel requests meet them."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import sign_up_through
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.users import User

MAX_SIGN_UPS = 3
ACCOUNT_CEILING = 8
PAIR_LIMIT = 5

ClientAt = Callable[[str], TestClient]


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """Limits small enough to reach in a test (the test kit lifts the sign-up limit)."""
    return {
        "users": {
            "max_signups_per_address_per_hour": MAX_SIGN_UPS,
            "max_failed_logins_per_account": ACCOUNT_CEILING,
            "max_failed_logins_per_account_and_address": PAIR_LIMIT,
        }
    }


@pytest.fixture
def client_at(app: FastAPI) -> Iterator[ClientAt]:
    """Factory: a ``TestClient`` of ``app`` connecting from the given address."""
    clients: list[TestClient] = []

    def connect(address: str) -> TestClient:
        clients.append(TestClient(app, raise_server_exceptions=False, client=(address, 50000)))
        return clients[-1]

    yield connect
    for opened in clients:
        opened.close()


def sign_up_body(number: int) -> dict[str, str]:
    """The body of the ``number``-th sign-up."""
    return {"email": f"n{number}@example.com", "password": "long enough", "display_name": "N"}


def wrong_password(client: TestClient, email: str) -> int:
    """Try a wrong password for ``email``; the status."""
    form = {"username": email, "password": "not the password"}
    return client.post("/auth/token", data=form).status_code


# --- sign-ups ---


def test_a_sign_up_past_the_address_limit_is_429_with_retry_after(client: TestClient) -> None:
    for number in range(MAX_SIGN_UPS):
        assert client.post("/users", json=sign_up_body(number)).status_code == 201
    response = client.post("/users", json=sign_up_body(MAX_SIGN_UPS))
    assert response.status_code == 429
    assert response.json() == {
        "detail": "too many accounts created from this address; try again later"
    }
    assert 0 < int(response.headers["retry-after"]) <= 3600


def test_a_refused_sign_up_creates_no_account(client: TestClient, db: Session) -> None:
    for number in range(MAX_SIGN_UPS + 2):
        client.post("/users", json=sign_up_body(number))
    assert db.scalar(select(func.count()).select_from(User)) == MAX_SIGN_UPS


def test_sign_ups_from_another_address_are_not_refused(
    client: TestClient, client_at: ClientAt
) -> None:
    for number in range(MAX_SIGN_UPS + 1):
        client.post("/users", json=sign_up_body(number))
    other = client_at("198.51.100.7")
    assert other.post("/users", json=sign_up_body(MAX_SIGN_UPS + 1)).status_code == 201


def test_parallel_sign_ups_never_pass_the_address_limit(client: TestClient) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(
            pool.map(lambda n: client.post("/users", json=sign_up_body(n)).status_code, range(10))
        )
    assert sorted(statuses) == [201] * MAX_SIGN_UPS + [429] * (10 - MAX_SIGN_UPS)


# --- logins ---


def test_a_strangers_failed_logins_do_not_lock_the_owner_out(
    client: TestClient, client_at: ClientAt
) -> None:
    owner = sign_up_through(client)
    stranger = client_at("203.0.113.9")
    statuses = [wrong_password(stranger, owner.email) for _ in range(PAIR_LIMIT + 1)]
    assert statuses == [401] * PAIR_LIMIT + [429]
    form = {"username": owner.email, "password": owner.password}
    assert client.post("/auth/token", data=form).status_code == 200


def test_the_per_account_ceiling_holds_across_addresses(
    client: TestClient, client_at: ClientAt
) -> None:
    owner = sign_up_through(client)
    statuses = [
        wrong_password(client_at(f"203.0.113.{number}"), owner.email)
        for number in range(ACCOUNT_CEILING)
    ]
    assert statuses == [401] * ACCOUNT_CEILING
    form = {"username": owner.email, "password": owner.password}
    assert client_at("198.51.100.1").post("/auth/token", data=form).status_code == 429


def test_parallel_failures_from_many_addresses_never_pass_the_ceiling(
    client: TestClient, client_at: ClientAt
) -> None:
    owner = sign_up_through(client)
    strangers = [client_at(f"203.0.113.{number}") for number in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda each: wrong_password(each, owner.email), strangers))
    assert sorted(statuses) == [401] * ACCOUNT_CEILING + [429] * (20 - ACCOUNT_CEILING)

"""Hostile or unusual input to ``POST /auth/token``: a clear 4xx, never a 500, and the same
email normalization as registration."""

import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import sign_up_through

from core.platform import Platform
from modules.users import UsersSettings


@pytest.mark.parametrize(
    "username", ["a" * 380 + "@example.com", "a\x00b@example.com"], ids=["long", "nul"]
)
def test_unstorable_username_is_422(client: TestClient, username: str) -> None:
    response = client.post("/auth/token", data={"username": username, "password": "whatever1"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "username"]


def test_nul_in_password_is_422(client: TestClient) -> None:
    form = {"username": "ann@example.com", "password": "a\x00b"}
    response = client.post("/auth/token", data=form)
    assert response.status_code == 422


@pytest.fixture
def long_address_client(app: FastAPI) -> Iterator[TestClient]:
    """A client whose address is 500 characters, as a forwarded header may claim."""
    with TestClient(app, raise_server_exceptions=False, client=("1" * 500, 50000)) as client:
        yield client


def test_failed_login_from_a_very_long_address_is_401(long_address_client: TestClient) -> None:
    form = {"username": "ann@example.com", "password": "wrong password"}
    response = long_address_client.post("/auth/token", data=form)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        (unicodedata.normalize("NFD", "zoë@example.com"), "zoë@example.com"),
        ("zoë@example.com", unicodedata.normalize("NFD", "zoë@example.com")),
        ("ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"),
        ("ann@xn--bcher-kva.example", "Ann@Bücher.example"),
    ],
    ids=["nfd-registered", "nfd-typed", "punycode", "punycode-as-unicode"],
)
def test_login_finds_the_account_that_registration_created(
    client: TestClient, registered: str, typed: str
) -> None:
    account = sign_up_through(client, email=registered)
    form = {"username": typed, "password": account.password}
    assert client.post("/auth/token", data=form).status_code == 200


def test_parallel_wrong_passwords_never_pass_the_limit(app: FastAPI, client: TestClient) -> None:
    limit = Platform.of(app).settings_of(UsersSettings).max_failed_logins_per_account_and_address
    account = sign_up_through(client)
    form = {"username": account.email, "password": "wrong password"}
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(
            pool.map(lambda _: client.post("/auth/token", data=form).status_code, range(40))
        )
    assert statuses.count(401) <= limit
    assert statuses.count(401) + statuses.count(429) == 40

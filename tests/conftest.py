"""Fixtures shared by every test folder; the database fixtures come from the test kit
(:mod:`core.testing`, loaded as a pytest plugin)."""

import itertools
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.platform import Platform
from core.postgres_server import PostgresUnavailableError, TemporaryPostgres
from modules.users import UsersSettings
from tests.accounts import Account, log_in
from tests.throwaway_modules import ModuleFolder, throwaway_module_folder

_counter = itertools.count()


def sign_up_through(
    client: TestClient,
    display_name: str | None = None,
    email: str | None = None,
    bio: str | None = None,
) -> Account:
    """Register a user through ``POST /users`` of ``client``'s app, log them in, return them."""
    number = next(_counter)
    email = email or f"user{number}@example.com"
    password = f"correct horse {number}"
    display_name = display_name or f"User {number}"
    body = {"email": email, "password": password, "display_name": display_name, "bio": bio}
    response = client.post("/users", json=body)
    assert response.status_code == 201, response.text
    token = log_in(client, email, password)
    return Account(
        uuid.UUID(response.json()["id"]), email.strip().lower(), password, display_name, token
    )


@pytest.fixture
def sign_up(client: TestClient) -> Callable[..., Account]:
    """Factory: register a user through ``POST /users``, log them in, return the account."""
    return partial(sign_up_through, client)


@pytest.fixture
def module_folder(tmp_path: Path) -> Iterator[ModuleFolder]:
    """A folder of throwaway modules for the test's duration (``HOBBYMATCH_MODULE_PATHS``)."""
    with throwaway_module_folder(tmp_path) as folder:
        yield folder


@pytest.fixture
def secret_key(app: FastAPI) -> str:
    """The key that signs the test app's tokens."""
    return Platform.of(app).settings_of(UsersSettings).signing_key


@pytest.fixture
def own_postgres() -> Iterator[TemporaryPostgres]:
    """A PostgreSQL server of the test's own, which it may stop and start."""
    try:
        server = TemporaryPostgres()
    except PostgresUnavailableError as error:
        pytest.skip(str(error))
    server.start()
    yield server
    server.cleanup()

"""Fixtures shared by every test folder; the database fixtures come from the test kit
(:mod:`core.testing`, loaded as a pytest plugin)."""

import itertools
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from core.postgres_server import PostgresUnavailableError, TemporaryPostgres
from tests.accounts import Account, log_in

_counter = itertools.count()


@pytest.fixture
def sign_up(client: TestClient) -> Callable[..., Account]:
    """Factory: register a user through ``POST /users``, log them in, return the account."""

    def make(
        display_name: str | None = None, email: str | None = None, bio: str | None = None
    ) -> Account:
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

    return make


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

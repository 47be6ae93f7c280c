"""People for any module's tests, signed up through the users module's API: a pytest plugin,
loaded with ``pytest_plugins = ["hobbymatch_testkit.accounts"]``.

- ``sign_up``: a fixture; ``sign_up(display_name=None, email=None, bio=None)`` registers a
  person through ``POST /users`` of the test ``client``, logs them in and returns an
  :class:`Account`.
- :class:`Account`: the person, with ``headers`` carrying their bearer token.
- :func:`sign_up_through` and :func:`log_in`: the same, for a ``TestClient`` of your own.
"""

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest
from fastapi.testclient import TestClient

_numbers = itertools.count()


@dataclass(frozen=True)
class Account:
    """A person signed up through the API, with a token to act as them."""

    id: uuid.UUID
    email: str
    password: str
    display_name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization headers carrying the account's token."""
        return {"Authorization": f"Bearer {self.token}"}


def log_in(client: TestClient, email: str, password: str) -> str:
    """Log in through ``POST /auth/token`` and return the access token."""
    response = client.post("/auth/token", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def sign_up_through(
    client: TestClient,
    display_name: str | None = None,
    email: str | None = None,
    bio: str | None = None,
) -> Account:
    """Register a person through ``POST /users`` of ``client``'s app, log them in, return them."""
    number = next(_numbers)
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
    """Factory: ``sign_up(display_name=None, email=None, bio=None)`` registers a person through
    the test ``client``, logs them in and returns their :class:`Account`."""
    return partial(sign_up_through, client)

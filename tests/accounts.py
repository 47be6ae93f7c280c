"""Test helpers for acting as users through the public HTTP API."""

import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient


@dataclass(frozen=True)
class Account:
    """A user signed up through the API, with a token to act as them."""

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

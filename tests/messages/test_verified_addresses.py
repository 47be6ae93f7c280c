"""With ``HOBBYMATCH_USERS_REQUIRE_VERIFIED_EMAIL`` on, only people who verified their address
reach others: a connection request or a message from anyone else is 403, saying what to do."""

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy.orm import Session

from tests.mailbox import verify_address
from tests.social import request_connection

NOT_VERIFIED = {
    "detail": "verify your email address first: follow the link mailed to it, or ask for a new "
    "one with POST /users/me/email/verification"
}


@pytest.fixture
def module_settings() -> dict[str, dict[str, Any]]:
    """Verified addresses required."""
    return {"users": {"require_verified_email": True}}


def message(client: TestClient, sender: Account, recipient_id: uuid.UUID) -> Any:
    body = {"to_user_id": str(recipient_id), "text": "hello"}
    return client.post("/messages", json=body, headers=sender.headers)


def test_an_unverified_caller_can_answer_but_not_reach_out(
    client: TestClient, sign_up: Callable[..., Account], db: Session
) -> None:
    ana, ben = sign_up(display_name="Ana"), sign_up(display_name="Ben")
    asked = client.post("/matches/requests", json={"user_id": str(ben.id)}, headers=ana.headers)
    assert asked.status_code == 403
    assert asked.json() == NOT_VERIFIED
    verify_address(db, ben)
    request_id = request_connection(client, ben, ana)
    accepted = client.post(f"/matches/requests/{request_id}/accept", headers=ana.headers)
    assert accepted.status_code == 200
    assert message(client, ben, ana.id).status_code == 201
    refused = message(client, ana, ben.id)
    assert refused.status_code == 403
    assert refused.json() == NOT_VERIFIED
    verify_address(db, ana)
    assert message(client, ana, ben.id).status_code == 201

"""What the moderation tests share: filing and resolving reports, and people who met."""

from typing import Any

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from tests.social import connect


def report(
    client: TestClient, reporter: Account, subject: str, subject_id: object, reason: str = "spam"
) -> Any:
    """``reporter`` reports the subject; the response."""
    body = {"subject": subject, "id": str(subject_id), "reason": reason, "details": "Not ok"}
    return client.post("/reports", json=body, headers=reporter.headers)


def resolve(client: TestClient, moderator: Account, report_id: int, **body: Any) -> Any:
    """``moderator`` resolves the report with ``body`` (``action=...``); the response."""
    return client.post(
        f"/moderation/reports/{report_id}/resolve", json=body, headers=moderator.headers
    )


def filed(client: TestClient, reporter: Account, subject: str, subject_id: object) -> int:
    """The id of the report ``reporter`` files of the subject (which must succeed)."""
    response = report(client, reporter, subject, subject_id)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def send(client: TestClient, sender: Account, recipient: Account, text: str) -> int:
    """The id of the message ``sender`` writes to ``recipient`` (connected already)."""
    body = {"to_user_id": str(recipient.id), "text": text}
    response = client.post("/messages", json=body, headers=sender.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def talk(client: TestClient, first: Account, second: Account) -> int:
    """Connect the two, each writes once; the id of ``second``'s message to ``first``."""
    connect(client, first, second)
    send(client, first, second, "Hello there")
    return send(client, second, first, "Hi! Chess on Saturday?")


def log_in(client: TestClient, account: Account) -> Any:
    """``POST /auth/token`` with the account's password; the response."""
    return client.post(
        "/auth/token", data={"username": account.email, "password": account.password}
    )

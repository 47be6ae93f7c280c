"""How often people may ask each other to connect: a daily limit per sender that parallel
requests cannot pass, and a cooldown, per pair and direction, after a decline or a withdrawal.
Time moves by setting the stored timestamps back."""

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.accounts import Account
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import SettingsError, load_module_settings
from modules.matches.models import RequestCooldown, SentRequest
from modules.matches.settings import MatchesSettings
from tests.social import block

SignUp = Callable[..., Account]
PER_DAY = 3


@pytest.fixture
def enabled_modules() -> list[str]:
    """Blocks too: a blocker must answer like a deleted account, cooldown or not."""
    return ["users", "skills", "matches", "blocks"]


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """Three requests a day, a 30-day cooldown after a decline and a day after a withdrawal."""
    return {
        "matches": {
            "requests_per_day": PER_DAY,
            "decline_cooldown_days": 30,
            "withdrawal_cooldown_hours": 24,
        }
    }


def ask(client: TestClient, sender: Account, recipient: Account) -> Response:
    return client.post(
        "/matches/requests", json={"user_id": str(recipient.id)}, headers=sender.headers
    )


def asked(client: TestClient, sender: Account, recipient: Account) -> uuid.UUID:
    response = ask(client, sender, recipient)
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def withdraw(client: TestClient, sender: Account, request_id: uuid.UUID) -> None:
    response = client.delete(f"/matches/requests/{request_id}", headers=sender.headers)
    assert response.status_code == 204, response.text


def decline(client: TestClient, recipient: Account, request_id: uuid.UUID) -> None:
    response = client.post(f"/matches/requests/{request_id}/decline", headers=recipient.headers)
    assert response.status_code == 200, response.text


def move_cooldowns_back(db: Session, by: timedelta) -> None:
    for cooldown in db.scalars(select(RequestCooldown)):
        cooldown.since -= by
    db.commit()


def test_a_request_and_withdraw_loop_reaches_the_victim_once(
    client: TestClient, sign_up: SignUp
) -> None:
    sender, victim = sign_up(), sign_up()
    withdraw(client, sender, asked(client, sender, victim))
    for _ in range(5):
        again = ask(client, sender, victim)
        assert again.status_code == 429
        assert again.json()["detail"].startswith("you withdrew your request; you can ask them")
        assert 86_000 < int(again.headers["retry-after"]) <= 86_400
    incoming = client.get("/matches/requests", headers=victim.headers).json()
    assert incoming["total"] == 0


def test_a_withdrawal_cooldown_ends_after_a_day(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    sender, recipient = sign_up(), sign_up()
    withdraw(client, sender, asked(client, sender, recipient))
    move_cooldowns_back(db, timedelta(hours=23, minutes=59))
    assert ask(client, sender, recipient).status_code == 429
    move_cooldowns_back(db, timedelta(minutes=1))
    asked(client, sender, recipient)


def test_after_a_decline_a_resend_is_refused_until_the_cooldown_ends(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    sender, recipient = sign_up(), sign_up()
    decline(client, recipient, asked(client, sender, recipient))
    refused = ask(client, sender, recipient)
    assert refused.status_code == 429
    until = refused.json()["ask_again_after"]
    assert refused.json() == {
        "detail": f"this person declined your request; you can ask them again after {until}",
        "ask_again_after": until,
    }
    assert 29 * 86_400 < int(refused.headers["retry-after"]) <= 30 * 86_400
    move_cooldowns_back(db, timedelta(days=29, hours=23))
    assert ask(client, sender, recipient).status_code == 429
    move_cooldowns_back(db, timedelta(hours=1))
    asked(client, sender, recipient)


def test_the_person_who_declined_may_still_ask(client: TestClient, sign_up: SignUp) -> None:
    sender, recipient = sign_up(), sign_up()
    decline(client, recipient, asked(client, sender, recipient))
    asked(client, recipient, sender)


def test_the_daily_limit_counts_withdrawn_requests(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    sender = sign_up()
    withdraw(client, sender, asked(client, sender, sign_up()))
    for _ in range(PER_DAY - 1):
        asked(client, sender, sign_up())
    refused = ask(client, sender, sign_up())
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("you have sent as many connection requests")
    assert 86_000 < int(refused.headers["retry-after"]) <= 86_400
    for sent in db.scalars(select(SentRequest)):
        sent.sent_at -= timedelta(days=1)
    db.commit()
    asked(client, sender, sign_up())


def test_concurrent_requests_pass_the_daily_limit_exactly(
    client: TestClient, sign_up: SignUp
) -> None:
    sender = sign_up()
    recipients = [sign_up() for _ in range(12)]
    start = threading.Barrier(len(recipients))

    def send(recipient: Account) -> int:
        start.wait()
        return ask(client, sender, recipient).status_code

    with ThreadPoolExecutor(max_workers=len(recipients)) as pool:
        statuses = sorted(pool.map(send, recipients))
    assert statuses == [201] * PER_DAY + [429] * (len(recipients) - PER_DAY)


def test_an_open_request_is_409_before_any_cooldown(client: TestClient, sign_up: SignUp) -> None:
    sender, recipient = sign_up(), sign_up()
    decline(client, recipient, asked(client, sender, recipient))
    asked(client, recipient, sender)
    assert ask(client, sender, recipient).status_code == 409


def test_during_a_cooldown_a_blocker_answers_like_a_deleted_account(
    client: TestClient, sign_up: SignUp
) -> None:
    sender, blocker, leaver = sign_up(), sign_up(), sign_up()
    decline(client, blocker, asked(client, sender, blocker))
    decline(client, leaver, asked(client, sender, leaver))
    block(client, blocker, sender)
    assert client.delete("/users/me", headers=leaver.headers).status_code == 204
    to_blocker, to_deleted = ask(client, sender, blocker), ask(client, sender, leaver)
    assert (to_blocker.status_code, to_blocker.json()) == (404, {"detail": "user not found"})
    assert (to_deleted.status_code, to_deleted.json()) == (404, {"detail": "user not found"})


@pytest.mark.parametrize(
    ("field", "value"),
    [("requests_per_day", 0), ("decline_cooldown_days", -1), ("withdrawal_cooldown_hours", -1)],
)
def test_limit_settings_are_validated(field: str, value: int) -> None:
    settings = make_test_settings(
        "sqlite:///unused.db", module_settings={"matches": {field: value}}
    )
    with pytest.raises(SettingsError, match=f"HOBBYMATCH_MATCHES_{field.upper()}"):
        load_module_settings(MatchesSettings, "matches", settings)

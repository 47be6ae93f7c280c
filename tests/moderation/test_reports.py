"""Reports, as the people who file them live it: what they can see they can report, once,
with a reason from the list; the evidence stays when the reported message or its sender is
gone; and the reported person never learns who reported."""

from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock

from tests.moderation.reporting import filed, log_in, report, resolve, send, talk
from tests.social import block

SignUp = Callable[..., Account]


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """Room for a long conversation in a minute."""
    return {"messages": {"per_minute": 100}}


def queue(client: TestClient, moderator: Account) -> list[dict[str, object]]:
    """The open reports a moderator sees."""
    response = client.get("/moderation/reports", headers=moderator.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def test_a_person_is_reported_once_and_the_queue_shows_it(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up(display_name="Ben", bio="Spam, all day")
    response = report(client, ana, "user", ben.id, reason="harassment")
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert (receipt["subject"], receipt["subject_id"], receipt["status"]) == (
        "user",
        str(ben.id),
        "open",
    )
    assert report(client, ana, "user", ben.id).status_code == 409
    [item] = queue(client, moderator)
    assert (item["reporter_id"], item["owner_id"], item["reason"]) == (
        str(ana.id),
        str(ben.id),
        "harassment",
    )
    assert item["evidence"] == {
        "profile": {
            "id": str(ben.id),
            "display_name": "Ben",
            "bio": "Spam, all day",
            "created_at": item["evidence"]["profile"]["created_at"],  # type: ignore[index]
        }
    }
    mine = client.get("/reports", headers=ana.headers).json()
    assert [entry["id"] for entry in mine["items"]] == [receipt["id"]]
    assert client.get("/reports", headers=ben.headers).json()["total"] == 0


def test_what_the_reporter_cannot_see_is_not_found_and_oneself_is_refused(
    client: TestClient, sign_up: SignUp
) -> None:
    ana, ben, cleo = sign_up(), sign_up(), sign_up()
    message_id = talk(client, ana, ben)  # Ben's message to Ana
    assert report(client, cleo, "message", message_id).status_code == 404
    assert report(client, ana, "meetup", 999_999).status_code == 404
    assert report(client, ana, "reference", 1).status_code == 404
    own = report(client, ben, "message", message_id)
    assert own.status_code == 422
    assert own.json()["detail"][0]["msg"] == "you cannot report yourself, nor what you wrote"
    assert report(client, ana, "user", ana.id).status_code == 422
    malformed = report(client, ana, "message", "not-a-number")
    assert malformed.status_code == 422
    assert report(client, ana, "user", "12").status_code == 422
    unknown_reason = client.post(
        "/reports",
        json={"subject": "user", "id": str(ben.id), "reason": "boring"},
        headers=ana.headers,
    )
    assert unknown_reason.status_code == 422
    block(client, cleo, ana)
    assert report(client, ana, "user", cleo.id).status_code == 404  # Cleo is gone for Ana
    dan = sign_up()
    block(client, ana, dan)
    assert report(client, ana, "user", dan.id).status_code == 201  # block, then report


def test_a_reported_message_keeps_its_conversation_as_evidence_after_deletion(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    talk(client, ana, ben)
    for number in range(25):
        send(client, ben, ana, f"message {number}")
    nasty = send(client, ben, ana, "You will regret this")
    for number in range(25, 50):
        send(client, ben, ana, f"message {number}")
    response = client.post(
        "/reports",
        json={"subject": "message", "id": nasty, "reason": "harassment"},  # a number, too
        headers=ana.headers,
    )
    assert response.status_code == 201, response.text
    report_id = response.json()["id"]
    assert client.delete("/users/me", headers=ben.headers).status_code == 204
    [item] = queue(client, moderator)
    assert item["id"] == report_id
    evidence = item["evidence"]
    assert evidence["message"]["text"] == "You will regret this"  # type: ignore[index]
    texts = [entry["text"] for entry in evidence["conversation"]]  # type: ignore[index]
    assert len(texts) == 40  # the 20 up to it, and the conversation's last 20 when reported
    assert texts[18:21] == ["message 24", "You will regret this", "message 30"]
    assert texts[-1] == "message 49"


def test_the_reported_person_never_learns_who_reported(
    client: TestClient, sign_up: SignUp, moderator: Account, clock: MovableClock
) -> None:
    ana, ben = sign_up(), sign_up()
    report_id = filed(client, ana, "user", ben.id)
    response = resolve(client, moderator, report_id, action="suspend", days=3, note="Be kind")
    assert response.status_code == 200, response.text
    clock.move(days=3, seconds=1)
    back = replace(ben, token=log_in(client, ben).json()["access_token"])
    told = client.get("/notifications", headers=back.headers).json()["items"]
    assert [item["kind"] for item in told] == ["moderation.suspended"]
    assert (told[0]["actor"]["id"], told[0]["subject_id"]) == (str(ben.id), str(ben.id))
    for path in ("/notifications", "/reports", f"/users/{ben.id}", "/users/me"):
        assert str(ana.id) not in client.get(path, headers=back.headers).text


def test_a_report_outlives_its_reporters_account(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    ana, ben = sign_up(), sign_up()
    report_id = filed(client, ana, "user", ben.id)
    assert client.delete("/users/me", headers=ana.headers).status_code == 204
    [kept] = queue(client, moderator)
    assert (kept["id"], kept["reporter_id"], kept["owner_id"]) == (report_id, None, str(ben.id))

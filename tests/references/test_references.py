"""References, as the people who met live them: only after meeting, double-blind until both
wrote or 14 days passed (the test moves the clock), fixed once revealed; listed newest first
with their aggregate; hidden between two people a block separates; gone with their author."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.jobs import MovableClock

from tests.meetups.planning import meetup_body, rsvp
from tests.social import block, connect, skill_id

SignUp = Callable[..., Account]
RunJobs = Callable[[], Any]


@pytest.fixture
def chess_id(client: TestClient) -> int:
    """The catalog's id of chess."""
    return skill_id(client, "Chess")


def talk(client: TestClient, first: Account, second: Account) -> None:
    """Connect the two, and each writes to the other."""
    connect(client, first, second)
    for sender, recipient in ((first, second), (second, first)):
        body = {"to_user_id": str(recipient.id), "text": "See you Saturday"}
        assert client.post("/messages", json=body, headers=sender.headers).status_code == 201


def write(
    client: TestClient, author: Account, subject: Account, skill_id: int, **fields: Any
) -> Any:
    body = {"rating": 5, "would_meet_again": True, "text": "Great game", "skill_id": skill_id}
    body.update(fields)
    return client.post(f"/users/{subject.id}/references", json=body, headers=author.headers)


def about(client: TestClient, viewer: Account, subject: Account) -> dict[str, Any]:
    response = client.get(f"/users/{subject.id}/references", headers=viewer.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_hidden_until_both_wrote_then_revealed_together_and_fixed(
    client: TestClient, sign_up: SignUp, chess_id: int
) -> None:
    ana, ben, viewer = sign_up(display_name="Ana"), sign_up(display_name="Ben"), sign_up()
    talk(client, ana, ben)
    first = write(client, ana, ben, chess_id, rating=4)
    assert first.status_code == 201, first.text
    assert first.json()["revealed_at"] is None
    assert "would_meet_again" not in first.json()
    assert about(client, viewer, ben)["total"] == 0
    assert about(client, ben, ben)["total"] == 0  # not even its subject reads it yet
    mine = client.get("/references/written", headers=ana.headers).json()
    assert [item["id"] for item in mine["items"]] == [first.json()["id"]]
    changed = client.patch(
        f"/references/{first.json()['id']}",
        json={"text": "Great game, again soon"},
        headers=ana.headers,
    )
    assert changed.status_code == 200
    assert write(client, ben, ana, chess_id).status_code == 201
    page = about(client, viewer, ben)
    assert (page["total"], page["average"]) == (1, 4.0)
    [item] = page["items"]
    assert (item["author"]["display_name"], item["text"], item["rating"]) == (
        "Ana",
        "Great game, again soon",
        4,
    )
    assert item["revealed_at"] is not None
    assert "email" not in item["author"]
    fixed = client.patch(f"/references/{item['id']}", json={"rating": 1}, headers=ana.headers)
    assert fixed.status_code == 409
    profile = client.get(f"/users/{ben.id}", headers=viewer.headers).json()
    assert profile["extras"]["references"] == {"count": 1, "average": 4.0}


def test_fourteen_days_reveal_one_the_other_never_answered(
    client: TestClient, sign_up: SignUp, chess_id: int, clock: MovableClock, run_jobs: RunJobs
) -> None:
    ana, ben = sign_up(), sign_up()
    talk(client, ana, ben)
    assert write(client, ana, ben, chess_id).status_code == 201
    clock.move(days=13, hours=23)
    run_jobs()
    assert about(client, ana, ben)["total"] == 0
    clock.move(hours=1, minutes=1)
    run_jobs()
    assert about(client, ana, ben)["total"] == 1
    late = write(client, ben, ana, chess_id)
    assert late.status_code == 201
    assert late.json()["revealed_at"] is not None  # nothing left to answer blindly


def test_only_people_who_met_write_and_once(
    client: TestClient, sign_up: SignUp, chess_id: int
) -> None:
    ana, ben, stranger = sign_up(), sign_up(), sign_up()
    connect(client, ana, ben)
    body = {"to_user_id": str(ben.id), "text": "hello?"}
    client.post("/messages", json=body, headers=ana.headers)  # one way only
    refused = write(client, ana, ben, chess_id)
    assert refused.status_code == 403
    assert "only people who met write references" in refused.json()["detail"]
    assert write(client, stranger, ana, chess_id).status_code == 403
    assert write(client, ana, ana, chess_id).status_code == 422
    client.post("/messages", json={"to_user_id": str(ana.id), "text": "hi!"}, headers=ben.headers)
    assert write(client, ana, ben, 999_999).status_code == 422
    assert write(client, ana, ben, chess_id).status_code == 201
    twice = write(client, ana, ben, chess_id)
    assert twice.status_code == 409
    for fields in ({"rating": 0}, {"rating": 6}, {"text": ""}, {"text": "x" * 1001}, {"extra": 1}):
        assert write(client, ben, ana, chess_id, **fields).status_code == 422, fields


def test_a_meetup_both_came_to_is_meeting(
    client: TestClient, sign_up: SignUp, chess_id: int, clock: MovableClock
) -> None:
    host, ana = sign_up(), sign_up()
    created = client.post("/meetups", json=meetup_body(skill_id=chess_id), headers=host.headers)
    meetup_id = created.json()["id"]
    rsvp(client, ana, meetup_id)
    assert write(client, ana, host, chess_id).status_code == 403  # not yet
    clock.move(days=3, hours=3)
    marked = client.post(
        f"/meetups/{meetup_id}/attendance",
        json={"user_id": str(ana.id), "attended": True},
        headers=host.headers,
    )
    assert marked.status_code == 204
    assert write(client, ana, host, chess_id).status_code == 201


def test_the_share_who_would_meet_again_shows_from_three_references(
    client: TestClient, sign_up: SignUp, chess_id: int
) -> None:
    ben = sign_up()
    for index, again in enumerate((True, True, False)):
        author = sign_up()
        talk(client, author, ben)
        write(client, author, ben, chess_id, would_meet_again=again, rating=index + 3)
        write(client, ben, author, chess_id)
        shown = about(client, author, ben)
        expected = None if index < 2 else 67
        assert shown["would_meet_again_percent"] == expected
    assert about(client, ben, ben)["average"] == 4.0


def test_a_block_hides_references_between_the_two_and_deletion_removes_them(
    client: TestClient, sign_up: SignUp, chess_id: int
) -> None:
    ana, ben, cy = sign_up(), sign_up(), sign_up()
    talk(client, ana, ben)
    talk(client, ana, cy)
    for author, subject in ((ana, ben), (ben, ana), (ana, cy), (cy, ana)):
        assert write(client, author, subject, chess_id).status_code == 201
    block(client, ben, ana)
    assert client.get(f"/users/{ben.id}/references", headers=ana.headers).status_code == 404
    assert about(client, ben, cy)["total"] == 0  # Ana's reference about Cy, hidden from Ben
    assert about(client, cy, ben)["total"] == 1  # a third person still reads it
    assert client.delete("/users/me", headers=ana.headers).status_code == 204
    assert about(client, cy, ben)["total"] == 0
    assert client.get("/references/written", headers=cy.headers).json()["total"] == 0

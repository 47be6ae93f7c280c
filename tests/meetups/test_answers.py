"""A meetup, from its creation to its answers: what each person may see of it, going while
places last and waitlisted after, the waitlist moving up in its order (also under 50
concurrent answers), and who may change what."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from tests.meetups.conftest import Host
from tests.meetups.planning import kinds_of, meetup_body, rsvp, seen_by

SignUp = Callable[..., Account]


def test_the_host_sees_address_and_code_others_see_the_city_only(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, guest = sign_up(display_name="Hannah"), sign_up()
    created = host_meetup(host)
    assert created["host"]["display_name"] == "Hannah"
    assert "email" not in created["host"]
    assert created["skill"]["name"] == "Chess"
    assert (created["address"], created["going"], created["waitlisted"]) == (
        "Tiergarten, by the chess tables",
        0,
        0,
    )
    assert len(created["check_in_code"]) == 6
    assert created["time_zone"] == "Europe/Berlin"
    seen = seen_by(client, guest, created["id"])
    assert (seen["city"], seen["address"], seen["check_in_code"]) == ("Berlin", None, None)
    assert seen["distance_km"] is None  # the guest has no place of their own
    assert not {"latitude", "longitude"} & set(seen)
    assert seen["my_rsvp"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"capacity": 1}, "capacity"),
        ({"capacity": 501}, "capacity"),
        ({"title": "  "}, "title"),
        ({"starts_at": "2030-01-01T10:00:00"}, "starts_at"),  # no time zone
        ({"latitude": 91}, "latitude"),
        ({"extra": 1}, "extra"),
    ],
)
def test_a_bad_meetup_is_422_naming_the_field(
    client: TestClient, sign_up: SignUp, overrides: dict[str, Any], field: str
) -> None:
    response = client.post("/meetups", json=meetup_body(**overrides), headers=sign_up().headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == field


def test_rules_the_schema_cannot_state_are_422(
    client: TestClient, sign_up: SignUp, chess_id: int
) -> None:
    headers = sign_up().headers
    for overrides, message in (
        (
            {"starts_at": "2020-01-01T10:00:00+00:00", "ends_at": "2020-01-01T12:00:00+00:00"},
            "starts_at must be in the future",
        ),
        ({"ends_at": meetup_body()["starts_at"]}, "ends_at must be after starts_at"),
        ({"skill_id": 999_999}, "no skill has this id"),
    ):
        body = meetup_body(**{"skill_id": chess_id, **overrides})
        response = client.post("/meetups", json=body, headers=headers)
        assert response.status_code == 422, overrides
        assert message in response.json()["detail"][0]["msg"]


def test_answers_are_going_then_waitlisted_and_the_waitlist_moves_up_in_order(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host = sign_up()
    meetup_id = host_meetup(host, capacity=2)["id"]
    ana, ben, cy, dee = (sign_up() for _ in range(4))
    assert rsvp(client, ana, meetup_id) == {"status": "going", "waitlist_position": None}
    assert rsvp(client, ben, meetup_id)["status"] == "going"
    assert rsvp(client, cy, meetup_id) == {"status": "waitlisted", "waitlist_position": 1}
    assert rsvp(client, dee, meetup_id) == {"status": "waitlisted", "waitlist_position": 2}
    assert rsvp(client, cy, meetup_id)["waitlist_position"] == 1  # the same answer again
    assert kinds_of(client, host) == ["meetups.answered"] * 4
    assert seen_by(client, ana, meetup_id)["address"] == "Tiergarten, by the chess tables"
    assert seen_by(client, cy, meetup_id)["address"] is None  # waitlisted: no address yet
    left = client.delete(f"/meetups/{meetup_id}/rsvp", headers=ben.headers)
    assert left.status_code == 204
    assert seen_by(client, cy, meetup_id)["my_rsvp"] == {
        "status": "going",
        "waitlist_position": None,
    }
    assert kinds_of(client, cy) == ["meetups.promoted"]
    assert seen_by(client, dee, meetup_id)["my_rsvp"]["waitlist_position"] == 1
    removed = client.delete(f"/meetups/{meetup_id}/attendees/{ana.id}", headers=host.headers)
    assert removed.status_code == 204
    after = seen_by(client, host, meetup_id)
    assert (after["going"], after["waitlisted"]) == (2, 0)
    again = client.delete(f"/meetups/{meetup_id}/rsvp", headers=ben.headers)
    assert again.status_code == 404


def test_fifty_concurrent_answers_to_ten_places(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    meetup_id = host_meetup(sign_up(), capacity=10)["id"]
    people = [sign_up() for _ in range(50)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda person: rsvp(client, person, meetup_id), people))
    going = [answer for answer in answers if answer["status"] == "going"]
    positions = sorted(a["waitlist_position"] for a in answers if a["status"] == "waitlisted")
    assert len(going) == 10
    assert positions == list(range(1, 41))
    first_in_line = next(
        p for p, a in zip(people, answers, strict=True) if a["waitlist_position"] == 1
    )
    leaving = next(p for p, a in zip(people, answers, strict=True) if a["status"] == "going")
    assert client.delete(f"/meetups/{meetup_id}/rsvp", headers=leaving.headers).status_code == 204
    assert seen_by(client, first_in_line, meetup_id)["my_rsvp"]["status"] == "going"
    assert (
        seen_by(client, leaving, meetup_id)["going"],
        seen_by(client, leaving, meetup_id)["waitlisted"],
    ) == (10, 39)


def test_only_the_host_changes_cancels_or_removes_and_the_host_does_not_answer(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, other = sign_up(), sign_up()
    meetup_id = host_meetup(host)["id"]
    for method, path, body in (
        ("PATCH", f"/meetups/{meetup_id}", {"title": "Mine now"}),
        ("POST", f"/meetups/{meetup_id}/cancel", None),
        ("DELETE", f"/meetups/{meetup_id}/attendees/{host.id}", None),
    ):
        response = client.request(method, path, json=body, headers=other.headers)
        assert response.status_code == 403, path
        assert response.json() == {"detail": "only the meetup's host may do this"}
    own = client.put(f"/meetups/{meetup_id}/rsvp", headers=host.headers)
    assert own.status_code == 409
    assert seen_by(client, other, meetup_id)["title"] == "Chess in the park"


def test_a_change_of_time_or_place_is_told_and_capacity_keeps_to_the_going(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, ana, ben = sign_up(), sign_up(), sign_up()
    meetup_id = host_meetup(host, capacity=3)["id"]
    for person in (ana, ben, sign_up()):
        rsvp(client, person, meetup_id)
    below = client.patch(f"/meetups/{meetup_id}", json={"capacity": 2}, headers=host.headers)
    assert below.status_code == 409
    assert below.json() == {"detail": "more people are going than this capacity"}
    retitled = client.patch(f"/meetups/{meetup_id}", json={"title": "Blitz"}, headers=host.headers)
    assert retitled.json()["title"] == "Blitz"
    assert kinds_of(client, ana) == []  # a title is no news
    moved = client.patch(
        f"/meetups/{meetup_id}", json={"address": "Café Einstein"}, headers=host.headers
    )
    assert moved.status_code == 200
    assert kinds_of(client, ana) == kinds_of(client, ben) == ["meetups.changed"]
    for body in ({"title": None}, {"ends_at": "2020-01-01T00:00:00+00:00"}):
        refused = client.patch(f"/meetups/{meetup_id}", json=body, headers=host.headers)
        assert refused.status_code == 422, body


def test_a_cancellation_tells_everyone_and_closes_the_meetup(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, ana, ben = sign_up(), sign_up(), sign_up()
    meetup_id = host_meetup(host, capacity=2)["id"]
    rsvp(client, ana, meetup_id)
    cancelled = client.post(f"/meetups/{meetup_id}/cancel", headers=host.headers)
    assert cancelled.status_code == 204
    assert kinds_of(client, ana) == ["meetups.cancelled"]
    assert seen_by(client, ana, meetup_id)["cancelled"] is True
    assert client.get("/meetups", headers=ben.headers).json()["total"] == 0
    late = client.put(f"/meetups/{meetup_id}/rsvp", headers=ben.headers)
    assert late.status_code == 409
    assert late.json() == {"detail": "this meetup was cancelled"}
    mine = client.get("/meetups/mine", headers=ana.headers).json()
    assert [item["id"] for item in mine["items"]] == [meetup_id]  # still there, cancelled


def test_deleting_an_account_gives_its_place_to_the_waitlist(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, ana, ben = sign_up(), sign_up(), sign_up()
    meetup_id = host_meetup(host, capacity=2)["id"]
    rsvp(client, ana, meetup_id)
    rsvp(client, sign_up(), meetup_id)
    rsvp(client, ben, meetup_id)
    assert client.delete("/users/me", headers=ana.headers).status_code == 204
    assert seen_by(client, ben, meetup_id)["my_rsvp"]["status"] == "going"
    assert client.delete("/users/me", headers=host.headers).status_code == 204
    gone = client.get(f"/meetups/{meetup_id}", headers=ben.headers)
    assert gone.status_code == 404

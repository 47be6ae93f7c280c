"""Finding meetups: soonest first, by skill, dates, distance and the caller's own skills;
meetups of the host's connections for those connected only; and a block hiding meetups and
their people both ways."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from core import utc_now
from tests.meetups.conftest import Host
from tests.meetups.planning import BERLIN, POTSDAM, rsvp, seen_by
from tests.social import block, connect, skill_id

SignUp = Callable[..., Account]


def found(client: TestClient, account: Account, **params: Any) -> list[int]:
    """The ids of the meetups ``account`` finds with ``params``."""
    response = client.get("/meetups", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def in_days(days: float) -> dict[str, str]:
    """A start in ``days`` and an end two hours later."""
    starts_at = (utc_now() + timedelta(days=days)).replace(microsecond=0)
    return {
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
    }


def test_soonest_first_filtered_by_skill_and_dates(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, guest = sign_up(), sign_up()
    later = host_meetup(host, **in_days(9))["id"]
    sooner = host_meetup(host, **in_days(2))["id"]
    guitar = host_meetup(host, skill_id=skill_id(client, "Guitar"), **in_days(5))["id"]
    assert found(client, guest) == [sooner, guitar, later]
    assert found(client, guest, skill_id=skill_id(client, "Chess")) == [sooner, later]
    window = {"from": in_days(4)["starts_at"], "to": in_days(6)["starts_at"]}
    assert found(client, guest, **window) == [guitar]
    paged = client.get("/meetups", params={"limit": 1, "offset": 1}, headers=guest.headers)
    assert (paged.json()["total"], [item["id"] for item in paged.json()["items"]]) == (3, [guitar])
    bad = client.get("/meetups", params={"from": "yesterday"}, headers=guest.headers)
    assert bad.status_code == 422


def test_the_callers_own_skills_and_distance(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, guest = sign_up(), sign_up()
    chess = host_meetup(host)["id"]
    in_potsdam = host_meetup(host, skill_id=skill_id(client, "Guitar"), **POTSDAM)["id"]
    entries = [{"skill_id": skill_id(client, "Guitar"), "intent": "learn"}]
    client.put("/users/me/skills", json=entries, headers=guest.headers)
    assert found(client, guest, for_my_skills="true") == [in_potsdam]
    needs_place = client.get("/meetups", params={"within_km": 10}, headers=guest.headers)
    assert needs_place.status_code == 422
    client.put("/users/me/place", json=BERLIN, headers=guest.headers)
    assert found(client, guest, within_km=10) == [chess]
    assert sorted(found(client, guest, within_km=30)) == sorted([chess, in_potsdam])
    assert seen_by(client, guest, in_potsdam)["distance_km"] == 27
    too_far = client.get("/meetups", params={"within_km": 100_000}, headers=guest.headers)
    assert too_far.status_code == 422


def test_a_meetup_of_connections_is_for_the_hosts_connections_only(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, friend, stranger = sign_up(), sign_up(), sign_up()
    connect(client, host, friend)
    meetup_id = host_meetup(host, visibility="connections")["id"]
    assert found(client, friend) == [meetup_id]
    assert found(client, stranger) == []
    for method, path in (("GET", ""), ("PUT", "/rsvp"), ("GET", ".ics")):
        response = client.request(method, f"/meetups/{meetup_id}{path}", headers=stranger.headers)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "meetup not found"}
    assert rsvp(client, friend, meetup_id)["status"] == "going"


def test_a_block_hides_meetups_and_people_both_ways(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, blocked, other = sign_up(), sign_up(), sign_up()
    hosted = host_meetup(host, capacity=2)["id"]
    theirs = host_meetup(blocked)["id"]
    rsvp(client, blocked, hosted)
    rsvp(client, other, hosted)
    waiting = sign_up()
    rsvp(client, waiting, hosted)
    rsvp(client, host, theirs)
    block(client, host, blocked)
    assert found(client, blocked) == [theirs]  # their own, not the host's
    assert found(client, host) == [hosted]
    assert client.get(f"/meetups/{hosted}", headers=blocked.headers).status_code == 404
    assert client.get(f"/meetups/{theirs}", headers=host.headers).status_code == 404
    # Each left the other's meetup, and its waitlist moved up.
    assert seen_by(client, waiting, hosted)["my_rsvp"]["status"] == "going"
    assert seen_by(client, blocked, theirs)["going"] == 0
    people = client.get(f"/meetups/{hosted}/attendees", headers=host.headers).json()
    assert {item["user"]["id"] for item in people["items"]} == {str(other.id), str(waiting.id)}


def test_only_the_host_and_the_people_going_see_who_comes(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    host, ana, ben, cy = sign_up(), sign_up(), sign_up(), sign_up()
    meetup_id = host_meetup(host, capacity=2)["id"]
    for person in (ana, ben, cy):
        rsvp(client, person, meetup_id)
    page = client.get(f"/meetups/{meetup_id}/attendees", headers=ana.headers).json()
    assert [
        (item["user"]["id"], item["status"], item["waitlist_position"]) for item in page["items"]
    ] == [
        (str(ana.id), "going", None),
        (str(ben.id), "going", None),
        (str(cy.id), "waitlisted", 1),
    ]
    assert "email" not in page["items"][0]["user"]
    for outsider in (cy, sign_up()):
        refused = client.get(f"/meetups/{meetup_id}/attendees", headers=outsider.headers)
        assert refused.status_code == 403


def test_a_match_names_the_meetups_both_go_to(
    client: TestClient, sign_up: SignUp, host_meetup: Host
) -> None:
    ana, ben, cy = sign_up(), sign_up(), sign_up()
    entries = [{"skill_id": skill_id(client, "Chess"), "intent": "share"}]
    for person in (ana, ben, cy):
        client.put("/users/me/skills", json=entries, headers=person.headers)
    together = host_meetup(ben)["id"]
    rsvp(client, ana, together)
    cancelled = host_meetup(cy)["id"]
    rsvp(client, ana, cancelled)
    client.post(f"/meetups/{cancelled}/cancel", headers=cy.headers)
    matches = client.get("/matches", params={"type": "shared"}, headers=ana.headers).json()
    by_person = {item["user"]["id"]: item for item in matches["items"]}
    assert by_person[str(ben.id)]["same_meetups"] == [together]
    assert "same_meetups" not in by_person[str(cy.id)]

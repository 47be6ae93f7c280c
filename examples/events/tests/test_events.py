"""The events module's HTTP API, on SQLite and PostgreSQL, through HobbyMatch's test kit and the
users module's (``sign_up``)."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

SignUp = Callable[..., Account]


def chess_id(client: TestClient) -> int:
    return int(client.get("/skills", params={"q": "chess"}).json()["items"][0]["id"])


def meet_up(
    client: TestClient, headers: dict[str, str], days: int = 3, title: str = "Chess in the park"
) -> dict[str, object]:
    body = {
        "skill_id": chess_id(client),
        "title": title,
        "location": "Central Park",
        "starts_at": (datetime.now(UTC) + timedelta(days=days)).isoformat(),
    }
    response = client.post("/events", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_module_is_discovered_from_its_entry_point(client: TestClient) -> None:
    assert "events" in client.get("/").json()["modules"]
    assert client.get("/openapi.json").json()["paths"]["/events"]["post"]["tags"] == ["events"]


def test_organizer_creates_an_event_and_is_going(client: TestClient, sign_up: SignUp) -> None:
    event = meet_up(client, sign_up().headers)
    assert event["attendees"] == 1
    assert event["skill"] == {"id": chess_id(client), "name": "Chess", "category": "games"}
    assert client.get(f"/events/{event['id']}").json() == event


def test_upcoming_events_are_listed_soonest_first(client: TestClient, sign_up: SignUp) -> None:
    headers = sign_up().headers
    later = meet_up(client, headers, days=9, title="Later")
    sooner = meet_up(client, headers, days=2, title="Sooner")
    body = client.get("/events", params={"skill_id": chess_id(client)}).json()
    assert [item["id"] for item in body["items"]] == [sooner["id"], later["id"]]
    assert body["total"] == 2


def test_rsvp_once_and_cancel(client: TestClient, sign_up: SignUp) -> None:
    event = meet_up(client, sign_up().headers)
    guest = sign_up().headers
    assert client.post(f"/events/{event['id']}/rsvp", headers=guest).status_code == 201
    again = client.post(f"/events/{event['id']}/rsvp", headers=guest)
    assert again.status_code == 409
    assert again.json() == {"detail": "you are already going"}
    assert client.get(f"/events/{event['id']}").json()["attendees"] == 2
    assert client.delete(f"/events/{event['id']}/rsvp", headers=guest).status_code == 204
    assert client.delete(f"/events/{event['id']}/rsvp", headers=guest).status_code == 404


def test_only_the_organizer_cancels_an_event(client: TestClient, sign_up: SignUp) -> None:
    organizer, stranger = sign_up().headers, sign_up().headers
    event = meet_up(client, organizer)
    assert client.delete(f"/events/{event['id']}", headers=stranger).status_code == 404
    assert client.delete(f"/events/{event['id']}", headers=organizer).status_code == 204
    assert client.get(f"/events/{event['id']}").status_code == 404


def test_past_start_is_422_and_unknown_skill_404(client: TestClient, sign_up: SignUp) -> None:
    headers = sign_up().headers
    past = {
        "skill_id": chess_id(client),
        "title": "Too late",
        "location": "Here",
        "starts_at": "2020-01-01T10:00:00Z",
    }
    response = client.post("/events", json=past, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "starts_at"]
    unknown = {
        **past,
        "skill_id": 999999,
        "starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    assert client.post("/events", json=unknown, headers=headers).json() == {
        "detail": "skill not found"
    }

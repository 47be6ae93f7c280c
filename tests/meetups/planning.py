"""What the meetups tests share: a valid meetup's body, answering, and reading one."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from core import utc_now

# Berlin's centre, and Potsdam's (27 km away as shown).
BERLIN = {"city": "Berlin", "latitude": 52.5200, "longitude": 13.4050}
POTSDAM = {"city": "Potsdam", "latitude": 52.3906, "longitude": 13.0645}


def meetup_body(**overrides: Any) -> dict[str, Any]:
    """A valid ``POST /meetups`` body: chess in Berlin in three days, for two hours."""
    starts_at = (utc_now() + timedelta(days=3)).replace(microsecond=0)
    body: dict[str, Any] = {
        "skill_id": 1,
        "title": "Chess in the park",
        "description": "Bring a board if you have one.",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
        "time_zone": "Europe/Berlin",
        "capacity": 10,
        **BERLIN,
        "address": "Tiergarten, by the chess tables",
    }
    body.update(overrides)
    return body


def rsvp(client: TestClient, account: Account, meetup_id: int) -> dict[str, Any]:
    """``account`` answers the meetup; its answer."""
    response = client.put(f"/meetups/{meetup_id}/rsvp", headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def seen_by(client: TestClient, account: Account, meetup_id: int) -> dict[str, Any]:
    """The meetup as ``account`` sees it."""
    response = client.get(f"/meetups/{meetup_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def kinds_of(client: TestClient, account: Account) -> list[str]:
    """The kinds of ``account``'s notifications, newest first."""
    items = client.get("/notifications", headers=account.headers).json()["items"]
    return [item["kind"] for item in items]

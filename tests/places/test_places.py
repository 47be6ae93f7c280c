"""``/users/me/place`` and ``/users/nearby``: coordinates validated, never shown to anyone
else; people nearby by great-circle distance, nearest first, rounded to whole kilometres."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modules.users.testing import Account
from tests.social import block

SignUp = Callable[..., Account]
Placed = Callable[..., Account]

BERLIN = (52.5200, 13.4050)
POTSDAM = (52.3906, 13.0645)  # 26.9 km from Berlin's centre
PARIS = (48.8566, 2.3522)  # 877 km from Berlin (great circle, mean Earth radius)


def nearby(client: TestClient, account: Account, **params: Any) -> dict[str, Any]:
    response = client.get("/users/nearby", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_set_read_move_and_remove_ones_place(client: TestClient, sign_up: SignUp) -> None:
    ana = sign_up()
    assert client.get("/users/me/place", headers=ana.headers).status_code == 404
    body = {"latitude": 52.52, "longitude": 13.405, "city": "  Berlin "}
    stored = client.put("/users/me/place", json=body, headers=ana.headers)
    assert stored.status_code == 200
    assert {k: stored.json()[k] for k in ("latitude", "longitude", "city")} == {
        "latitude": 52.52,
        "longitude": 13.405,
        "city": "Berlin",
    }
    moved = client.put("/users/me/place", json={"latitude": 1, "longitude": 2}, headers=ana.headers)
    assert moved.json()["city"] is None
    assert client.get("/users/me/place", headers=ana.headers).json()["latitude"] == 1
    assert client.delete("/users/me/place", headers=ana.headers).status_code == 204
    assert client.get("/users/me/place", headers=ana.headers).status_code == 404
    assert client.delete("/users/me/place", headers=ana.headers).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"latitude": 90.01, "longitude": 0},
        {"latitude": -91, "longitude": 0},
        {"latitude": 0, "longitude": 180.5},
        {"latitude": 0, "longitude": -181},
        {"latitude": "north", "longitude": 0},
        {"longitude": 0},
        {"latitude": 0, "longitude": 0, "city": "x" * 101},
        {"latitude": 0, "longitude": 0, "altitude": 3},
    ],
)
def test_coordinates_are_validated(client: TestClient, sign_up: SignUp, body: object) -> None:
    ana = sign_up()
    response = client.put("/users/me/place", json=body, headers=ana.headers)
    assert response.status_code == 422
    assert client.get("/users/me/place", headers=ana.headers).status_code == 404


def test_non_finite_coordinates_are_422(client: TestClient, sign_up: SignUp) -> None:
    ana = sign_up()
    response = client.put(
        "/users/me/place",
        content=b'{"latitude": NaN, "longitude": 0}',
        headers={**ana.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_nearby_is_nearest_first_with_city_and_whole_km_only(
    client: TestClient, placed: Placed
) -> None:
    me = placed(*BERLIN, "Berlin")
    next_door = placed(BERLIN[0] + 0.0009, BERLIN[1], "Berlin", display_name="Next Door")
    potsdam = placed(*POTSDAM, "Potsdam")
    paris = placed(*PARIS, "Paris")
    page = nearby(client, me, within_km=1000)
    assert [item["user"]["id"] for item in page["items"]] == [
        str(next_door.id),
        str(potsdam.id),
        str(paris.id),
    ]
    assert [item["distance_km"] for item in page["items"]] == [1, 27, 877]
    assert [item["city"] for item in page["items"]] == ["Berlin", "Potsdam", "Paris"]
    for item in page["items"]:
        assert set(item) == {"user", "city", "distance_km"}
        assert set(item["user"]) == {"id", "display_name", "bio", "created_at"}
    assert nearby(client, me, within_km=30)["total"] == 2
    second = nearby(client, me, within_km=1000, limit=1, offset=1)
    assert [item["user"]["id"] for item in second["items"]] == [str(potsdam.id)]
    assert second["total"] == 3


def test_nearby_crosses_the_antimeridian(client: TestClient, placed: Placed) -> None:
    me = placed(0.0, 179.9)
    across = placed(0.0, -179.9)
    page = nearby(client, me, within_km=50)
    assert [item["user"]["id"] for item in page["items"]] == [str(across.id)]
    assert page["items"][0]["distance_km"] == 22


def test_nearby_needs_ones_own_place_and_caps_the_radius(
    client: TestClient, sign_up: SignUp, placed: Placed
) -> None:
    homeless = sign_up()
    response = client.get("/users/nearby", params={"within_km": 10}, headers=homeless.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "you have not set your place"}
    me = placed(*BERLIN)
    capped = nearby(client, me, within_km=5000)
    assert capped == nearby(client, me, within_km=1000)
    for bad in (0, -5, 20_039, "far"):
        assert (
            client.get("/users/nearby", params={"within_km": bad}, headers=me.headers).status_code
            == 422
        )
    assert client.get("/users/nearby").status_code == 401


def test_blocked_people_are_not_nearby(client: TestClient, placed: Placed) -> None:
    me = placed(*BERLIN)
    blocked = placed(*POTSDAM)
    block(client, blocked, me)
    assert nearby(client, me, within_km=100)["total"] == 0
    assert nearby(client, blocked, within_km=100)["total"] == 0


def test_deleting_an_account_deletes_its_place(client: TestClient, placed: Placed) -> None:
    me = placed(*BERLIN)
    gone = placed(*POTSDAM)
    assert client.delete("/users/me", headers=gone.headers).status_code == 204
    assert nearby(client, me, within_km=100)["total"] == 0

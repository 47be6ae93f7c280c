"""``/users/me/place`` and ``/users/nearby``: coordinates validated, never shown to anyone
else, set a few times a day at most; people nearby by the great-circle distance between the
cells of about 1 km that hold them, nearest first, rounded to whole kilometres."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core import utc_now
from modules.places import WithinKmError, checked_within_km, km_from
from modules.places.models import PlaceChange
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
    # 22.2 km between the points; 22.6 between the centres of their cells.
    assert page["items"][0]["distance_km"] == 23


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
    for bad in (0, -5, 20_039, "far", 1.5, "2.5"):
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


def test_people_in_one_cell_look_alike_from_anywhere(client: TestClient, placed: Placed) -> None:
    # Both within the same cell of about 1 km, 300 m apart; what anyone sees of them is the
    # same, and their order follows their ids, not which of them is nearer.
    west = placed(BERLIN[0] + 0.0001, BERLIN[1] + 0.0001)
    east = placed(BERLIN[0] + 0.0001, BERLIN[1] + 0.0045)
    for watcher_at in (POTSDAM, (BERLIN[0], BERLIN[1] + 0.03), (BERLIN[0], BERLIN[1] - 0.03)):
        watcher = placed(*watcher_at)
        items = nearby(client, watcher, within_km=100)["items"]
        seen = {item["user"]["id"]: item["distance_km"] for item in items}
        assert seen[str(west.id)] == seen[str(east.id)]
        ids = [item["user"]["id"] for item in items if item["user"]["id"] in seen]
        pair = [each for each in ids if each in {str(west.id), str(east.id)}]
        assert pair == sorted(pair)


def test_ones_place_may_be_set_four_times_a_day(client: TestClient, sign_up: SignUp) -> None:
    ana = sign_up()
    for step in range(4):
        body = {"latitude": 52 + step / 10, "longitude": 13}
        assert client.put("/users/me/place", json=body, headers=ana.headers).status_code == 200
    assert client.delete("/users/me/place", headers=ana.headers).status_code == 204
    refused = client.put(
        "/users/me/place", json={"latitude": 10, "longitude": 10}, headers=ana.headers
    )
    assert refused.status_code == 429
    assert refused.json() == {"detail": "you may set your place 4 times a day; try again later"}
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    assert client.get("/users/me/place", headers=ana.headers).status_code == 404


def test_place_changes_older_than_a_day_no_longer_count(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    ana = sign_up()
    for _ in range(4):
        body = {"latitude": 52, "longitude": 13}
        assert client.put("/users/me/place", json=body, headers=ana.headers).status_code == 200
    db.execute(update(PlaceChange).values(changed_at=utc_now() - timedelta(days=1, seconds=1)))
    db.commit()
    moved = client.put("/users/me/place", json={"latitude": 1, "longitude": 2}, headers=ana.headers)
    assert moved.status_code == 200
    assert db.scalar(select(func.count()).select_from(PlaceChange)) == 1


def test_the_front_door_measures_a_point_as_people_are_measured(
    client: TestClient, placed: Placed, sign_up: SignUp, db: Session
) -> None:
    me = placed(*BERLIN, "Berlin")
    potsdam = placed(*POTSDAM, "Potsdam")
    shown = nearby(client, me, within_km=100)["items"][0]["distance_km"]
    assert km_from(db, user_id=me.id, latitude=POTSDAM[0], longitude=POTSDAM[1]) == shown == 27
    assert km_from(db, user_id=potsdam.id, latitude=BERLIN[0], longitude=BERLIN[1]) == 27
    assert km_from(db, user_id=sign_up().id, latitude=0.0, longitude=0.0) is None
    assert checked_within_km(db, "30") == 30
    for refused in ("0", "1001", "ten", "-5"):
        with pytest.raises(WithinKmError):
            checked_within_km(db, refused)

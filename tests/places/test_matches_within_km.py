"""``GET /matches?within_km=N`` through the matches module's extension points: only people
within N km, each match with ``distance_km`` when both have a place."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

Placed = Callable[..., Account]
SignUp = Callable[..., Account]


def share_one_skill(client: TestClient, *people: Account) -> None:
    skill = client.get("/skills", params={"limit": 1}).json()["items"][0]["id"]
    for person in people:
        body = [{"skill_id": skill, "intent": "share"}]
        assert client.put("/users/me/skills", json=body, headers=person.headers).status_code == 200


def matches(client: TestClient, account: Account, **params: Any) -> dict[str, Any]:
    response = client.get("/matches", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_within_km_keeps_near_people_and_every_match_gets_a_distance(
    client: TestClient, placed: Placed, sign_up: SignUp
) -> None:
    me = placed(52.52, 13.405)
    near = placed(52.3906, 13.0645)
    far = placed(48.8566, 2.3522)
    unplaced = sign_up()
    share_one_skill(client, me, near, far, unplaced)
    close = matches(client, me, within_km=50)
    assert [item["user"]["id"] for item in close["items"]] == [str(near.id)]
    assert close["total"] == 1
    assert close["items"][0]["distance_km"] == 27
    everyone = {item["user"]["id"]: item for item in matches(client, me)["items"]}
    assert everyone[str(far.id)]["distance_km"] == 877
    assert "distance_km" not in everyone[str(unplaced.id)]
    assert len(everyone) == 3


def test_within_km_needs_a_place_and_a_number(
    client: TestClient, placed: Placed, sign_up: SignUp
) -> None:
    homeless = sign_up()
    other = placed(52.52, 13.405)
    share_one_skill(client, homeless, other)
    response = client.get("/matches", params={"within_km": 10}, headers=homeless.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "within_km"]
    assert "set it first with PUT /users/me/place" in response.json()["detail"][0]["msg"]
    listless = sign_up()
    response = client.get("/matches", params={"within_km": 10}, headers=listless.headers)
    assert response.status_code == 422
    for bad in ("ten", "0", "nan", "100000", "1.5", "5.0", "-3", "1e2", "٣"):
        response = client.get("/matches", params={"within_km": bad}, headers=other.headers)
        assert response.status_code == 422, bad

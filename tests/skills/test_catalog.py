"""The catalog: GET/POST /skills, categories, search order, on SQLite and PostgreSQL."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.skills import Category, Skill
from modules.skills.service import load_starting_catalog
from tests.skills.conftest import skill_id

SignUp = Callable[..., Account]


def test_catalog_starts_with_100_skills_in_every_category(client: TestClient) -> None:
    body = client.get("/skills").json()
    assert body["total"] >= 100
    assert (body["limit"], body["offset"], len(body["items"])) == (20, 0, 20)
    counts = client.get("/skills/categories").json()
    assert [entry["category"] for entry in counts] == [category.value for category in Category]
    assert all(entry["skill_count"] > 0 for entry in counts)
    assert sum(entry["skill_count"] for entry in counts) == body["total"]


def test_loading_the_catalog_again_adds_nothing(client: TestClient, db: Session) -> None:
    before = db.scalar(select(func.count()).select_from(Skill))
    load_starting_catalog(db)
    db.commit()
    assert db.scalar(select(func.count()).select_from(Skill)) == before


def test_search_is_case_insensitive_with_prefix_matches_first(client: TestClient) -> None:
    body = client.get("/skills", params={"q": "GUITAR"}).json()
    assert [item["name"] for item in body["items"]] == ["Guitar", "Bass Guitar"]
    assert body["total"] == 2
    assert set(body["items"][0]) == {"id", "name", "category"}


def test_search_matches_anywhere_in_the_name(client: TestClient) -> None:
    names = [
        item["name"]
        for item in client.get("/skills", params={"q": "ball", "limit": 100}).json()["items"]
    ]
    assert {"Football", "Basketball", "Volleyball"} <= set(names)


def test_search_filters_by_category(client: TestClient) -> None:
    body = client.get("/skills", params={"category": "music", "limit": 100}).json()
    assert body["total"] == len(body["items"]) >= 10
    assert {item["category"] for item in body["items"]} == {"music"}


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"category": "knitting"}, "category"),
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_search_parameters_are_422(
    client: TestClient, params: dict[str, object], where: str
) -> None:
    response = client.get("/skills", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", where]


def test_read_one_skill(client: TestClient) -> None:
    guitar = skill_id(client, "Guitar")
    assert client.get(f"/skills/{guitar}").json() == {
        "id": guitar,
        "name": "Guitar",
        "category": "music",
    }


def test_unknown_skill_is_404(client: TestClient) -> None:
    response = client.get("/skills/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "skill not found"}


def test_skill_id_that_is_not_a_number_is_422(client: TestClient) -> None:
    assert client.get("/skills/guitar").status_code == 422


def test_signed_in_user_adds_a_skill(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    response = client.post(
        "/skills", json={"name": "  Lock   Picking ", "category": "tech"}, headers=account.headers
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["name"], created["category"]) == ("Lock Picking", "tech")
    assert client.get(f"/skills/{created['id']}").json() == created


def test_adding_a_skill_needs_a_token(client: TestClient) -> None:
    response = client.post("/skills", json={"name": "Lock Picking", "category": "tech"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_name_that_normalizes_to_an_existing_skill_is_409_with_its_id(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    account = sign_up()
    before = db.scalar(select(func.count()).select_from(Skill))
    response = client.post(
        "/skills", json={"name": " rock   CLIMBING ", "category": "sports"}, headers=account.headers
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "a skill with this name already exists",
        "skill_id": skill_id(client, "Rock Climbing"),
    }
    assert db.scalar(select(func.count()).select_from(Skill)) == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "category": "tech"},
        {"name": "x" * 61, "category": "tech"},
        {"name": "Juggling", "category": "circus"},
        {"name": "Juggling"},
        {"name": "Juggling", "category": "other", "id": 5},
    ],
)
def test_invalid_new_skill_is_422(
    client: TestClient, sign_up: SignUp, body: dict[str, object]
) -> None:
    response = client.post("/skills", json=body, headers=sign_up().headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_name_whose_catalog_key_grows_past_60_characters_is_422(
    client: TestClient, sign_up: SignUp
) -> None:
    account = sign_up()
    # "İ" lower-cases to two characters: 31 of them fit the name but not its key.
    body = {"name": "İ" * 31, "category": "other"}
    response = client.post("/skills", json=body, headers=account.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "name"]

"""Scores and reasons of GET /matches on small hand-built cases, on SQLite and PostgreSQL.

The caller, Ann, lists: 1 Chess (share), 2 Guitar (learn), 3 Hiking (share), 4 Spanish (teach),
so w(1)=1.0, w(2)=0.9, w(3)=0.8, w(4)=0.7.
"""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy.orm import Session

from modules.users import User

Person = Callable[..., Account]


@pytest.fixture
def ann(person: Person) -> Account:
    return person(
        "Ann", ("Chess", "share"), ("Guitar", "learn"), ("Hiking", "share"), ("Spanish", "teach")
    )


@pytest.fixture
def cast(person: Person, db: Session) -> dict[str, Account]:
    """Everyone Ann may meet; Gil would match best but is inactive."""
    people = {
        "Bea": person("Bea", ("Hiking", "teach"), ("Chess", "share")),
        "Cal": person("Cal", ("Guitar", "learn"), ("Piano", "share")),
        "Fay": person("Fay", ("Guitar", "learn"), ("Piano", "share")),
        "Dan": person("Dan", ("Guitar", "teach"), ("Go", "share")),
        "Hal": person("Hal", ("Spanish", "learn"), ("Yoga", "share"), ("Guitar", "teach")),
        "Gil": person("Gil", ("Chess", "share")),
        "Eve": person("Eve", ("Poker", "share")),
    }
    db.get_one(User, people["Gil"].id).is_active = False
    db.commit()
    return people


def matches(client: TestClient, caller: Account, **params: object) -> dict[str, object]:
    response = client.get("/matches", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def names_and_scores(body: dict[str, object]) -> list[tuple[str, float]]:
    return [(item["user"]["display_name"], item["score"]) for item in body["items"]]  # type: ignore[attr-defined]


def test_shared_scores_best_first_with_ties_by_user_id(
    client: TestClient, ann: Account, cast: dict[str, Account]
) -> None:
    body = matches(client, ann, type="shared")
    tied = sorted([cast["Cal"], cast["Fay"]], key=lambda account: str(account.id))
    assert names_and_scores(body) == [
        ("Bea", 1.7),
        (tied[0].display_name, 0.9),
        (tied[1].display_name, 0.9),
        ("Dan", 0.25),
    ]
    assert (body["total"], body["limit"], body["offset"]) == (4, 20, 0)
    assert {item["type"] for item in body["items"]} == {"shared"}  # type: ignore[attr-defined]


def test_shared_excludes_caller_inactive_and_zero_scores(
    client: TestClient, ann: Account, cast: dict[str, Account]
) -> None:
    names = {name for name, _ in names_and_scores(matches(client, ann, type="shared"))}
    assert "Ann" not in names
    assert "Gil" not in names  # inactive
    assert "Hal" not in names  # only opposite intents: a trade, not a shared interest
    assert "Eve" not in names  # lists no skill Ann lists


def test_shared_reasons_name_skills_and_both_ranks(
    client: TestClient, ann: Account, cast: dict[str, Account]
) -> None:
    bea = matches(client, ann)["items"][0]  # type: ignore[index]
    assert bea["user"]["display_name"] == "Bea"
    assert set(bea["user"]) == {"id", "display_name", "bio", "created_at"}
    assert [
        (r["kind"], r["skill"], r["your_rank"], r["their_rank"], r["points"])
        for r in bea["reasons"]
    ] == [("both_share", "Chess", 1, 2, 0.9), ("both_share", "Hiking", 3, 1, 0.8)]
    assert bea["reasons"][0]["text"] == "You both do Chess (your #1, their #2)"


def test_learning_partners_count_like_sharing(
    client: TestClient, ann: Account, cast: dict[str, Account]
) -> None:
    cal = next(
        item for item in matches(client, ann)["items"] if item["user"]["display_name"] == "Cal"
    )  # type: ignore[attr-defined]
    assert cal["score"] == 0.9
    assert [(r["kind"], r["skill"], r["your_rank"], r["their_rank"]) for r in cal["reasons"]] == [
        ("both_learn", "Guitar", 2, 1)
    ]


def test_category_bonus_without_a_common_skill_in_it(
    client: TestClient, ann: Account, cast: dict[str, Account]
) -> None:
    dan = next(
        item for item in matches(client, ann)["items"] if item["user"]["display_name"] == "Dan"
    )  # type: ignore[attr-defined]
    assert dan["score"] == 0.25
    assert [
        (r["kind"], r["category"], r["your_rank"], r["their_rank"], r["points"])
        for r in dan["reasons"]
    ] == [("same_category", "games", 1, 2, 0.25)]


def test_trade_doubles_a_two_way_trade(
    client: TestClient, ann: Account, cast: dict[str, Account]
) -> None:
    body = matches(client, ann, type="trade")
    assert names_and_scores(body) == [("Hal", 1.44), ("Dan", 0.9)]
    assert body["total"] == 2
    hal = body["items"][0]  # type: ignore[index]
    assert [
        (r["kind"], r["skill"], r["teacher"], r["your_rank"], r["their_rank"])
        for r in hal["reasons"]
    ] == [("they_teach", "Guitar", "them", 2, 3), ("you_teach", "Spanish", "you", 4, 1)]


def test_pages_are_slices_of_one_ranking(
    client: TestClient, ann: Account, cast: dict[str, Account]
) -> None:
    whole = names_and_scores(matches(client, ann))
    assert (
        names_and_scores(matches(client, ann, limit=2))
        + names_and_scores(matches(client, ann, limit=2, offset=2))
        == whole
    )
    beyond = matches(client, ann, offset=10)
    assert (beyond["items"], beyond["total"]) == ([], 4)


def test_matches_need_a_token_and_a_known_type(client: TestClient, ann: Account) -> None:
    assert client.get("/matches").status_code == 401
    response = client.get("/matches", params={"type": "romance"}, headers=ann.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "type"]


def test_a_user_without_skills_has_no_matches(
    client: TestClient, person: Person, cast: dict[str, Account]
) -> None:
    assert matches(client, person("Nobody")) == {"items": [], "total": 0, "limit": 20, "offset": 0}

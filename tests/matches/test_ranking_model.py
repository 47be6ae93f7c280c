"""GET /matches against a model of the rules written plainly in Python, on random lists.

Thirty people draw lists from twelve skills in four categories, so that every rule meets every
other: shared skills, learning partners, opposite intents, category bonuses, two-way trades,
ties. The ranking the API returns must be the model's, score for score and in order.
"""

import random
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

CATEGORIES = ("games", "music", "outdoors", "languages")
INTENTS = ("share", "teach", "learn")
Entry = tuple[str, str, str]  # skill, category, intent; rank is the position + 1


def weight(rank: int) -> int:
    return 11 - rank


def shared_points(mine: list[Entry], theirs: list[Entry]) -> int:
    their_ranks = {skill: (rank, intent) for rank, (skill, _, intent) in enumerate(theirs, 1)}
    points, common_categories = 0, set()
    for rank, (skill, category, intent) in enumerate(mine, 1):
        if skill in their_ranks:
            their_rank, their_intent = their_ranks[skill]
            common_categories.add(category)
            if (intent == "learn") == (their_intent == "learn"):
                points += weight(rank) * weight(their_rank)
    if not common_categories:
        return 0  # "shared" ranks only people who list one of the caller's skills
    both = {category for _, category, _ in mine} & {category for _, category, _ in theirs}
    return points + 25 * len(both - common_categories)


def trade_points(mine: list[Entry], theirs: list[Entry]) -> int:
    their_ranks = {skill: (rank, intent) for rank, (skill, _, intent) in enumerate(theirs, 1)}
    points, two_way = 0, False
    for rank, (skill, _, intent) in enumerate(mine, 1):
        their_rank, their_intent = their_ranks.get(skill, (0, ""))
        if intent == "learn" and their_intent == "teach":
            points += weight(rank) * weight(their_rank)
        two_way |= intent == "teach" and their_intent == "learn"
    return points * 2 if two_way else points


@pytest.fixture
def crowd(client: TestClient, person: Callable[..., Account]) -> list[tuple[Account, list[Entry]]]:
    pool = [
        (item["name"], category)
        for category in CATEGORIES
        for item in client.get("/skills", params={"category": category, "limit": 3}).json()["items"]
    ]
    # Seed 21 draws ties, a bonus-only match and three two-way trades among the rest.
    draw = random.Random(21)
    people = []
    for number in range(30):
        picked = draw.sample(pool, draw.randint(0 if number else 5, 6))
        entries = [(skill, category, draw.choice(INTENTS)) for skill, category in picked]
        account = person(f"P{number}", *[(skill, intent) for skill, _, intent in entries])
        people.append((account, entries))
    return people


@pytest.mark.parametrize(
    ("match_type", "model"), [("shared", shared_points), ("trade", trade_points)]
)
def test_the_ranking_is_the_model_s(
    client: TestClient,
    crowd: list[tuple[Account, list[Entry]]],
    match_type: str,
    model: Callable[[list[Entry], list[Entry]], int],
) -> None:
    (caller, mine), others = crowd[0], crowd[1:]
    scored = [(model(mine, theirs), str(account.id)) for account, theirs in others]
    expected = sorted(((-points, user_id) for points, user_id in scored if points > 0))
    response = client.get(
        "/matches", params={"type": match_type, "limit": 100}, headers=caller.headers
    )
    assert response.status_code == 200
    body = response.json()
    got = [(-round(item["score"] * 100), item["user"]["id"]) for item in body["items"]]
    assert got == expected
    assert body["total"] == len(expected)
    assert len(expected) >= 7  # the draw exercises the rules, not an empty ranking

"""Another module narrows GET /matches (``matches_filter``) and adds fields to its items
(``matches_annotate``), without editing the matches module; index and SQL agree."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import empty_all_tables
from hobbymatch_testkit.accounts import Account, sign_up_through

from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from core.pagination import PageParams
from core.platform import Platform
from modules.matches.freshness import LiveIndex
from modules.matches.ranking import find_matches
from modules.matches.rule import MatchType
from tests.throwaway_modules import ModuleFolder

# Hides the people named in ?hide=<id>, or keeps only ?only=<id>; labels each match.
SIEVE = """
import uuid
from core.exceptions import RuleViolationError
from modules.matches import MatchFilter

@hookimpl
def matches_filter(db, user_id, query):
    if "only" in query:
        try:
            return MatchFilter(only=frozenset({uuid.UUID(query["only"])}))
        except ValueError:
            raise RuleViolationError("only must be a user id", loc=("query", "only")) from None
    if "hide" in query:
        return MatchFilter(hidden=frozenset({uuid.UUID(query["hide"])}))
    return None

@hookimpl
def matches_annotate(db, user_id, matches, query):
    return {match.user.id: {"label": f"#{number}"} for number, match in enumerate(matches, 1)}
"""


@pytest.fixture
def sieved(module_folder: ModuleFolder, settings: Settings) -> Iterator[TestClient]:
    module_folder.write("sieve", requires=["matches"], body=SIEVE)
    modules = ["users", "skills", "matches", "sieve"]
    app = create_app(
        settings.model_copy(update={"modules": modules, "module_paths": [module_folder.root]})
    )
    empty_all_tables(Platform.of(app).engine)
    start_modules(app)
    index = Platform.of(app).state_of(LiveIndex)
    assert index.wait_ready(30)
    yield TestClient(app)
    stop_modules(app)


def crowd(client: TestClient) -> tuple[Account, list[Account]]:
    skill = client.get("/skills", params={"limit": 1}).json()["items"][0]["id"]
    people = [sign_up_through(client) for _ in range(4)]
    for account in people:
        body = [{"skill_id": skill, "intent": "share"}]
        assert client.put("/users/me/skills", json=body, headers=account.headers).status_code == 200
    return people[0], people[1:]


def ids(client: TestClient, caller: Account, **params: str) -> list[str]:
    response = client.get("/matches", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    return [item["user"]["id"] for item in response.json()["items"]]


def test_a_filter_hides_people_and_keeps_only_others(sieved: TestClient) -> None:
    caller, others = crowd(sieved)
    everyone = ids(sieved, caller)
    assert sorted(everyone) == sorted(str(other.id) for other in others)
    assert ids(sieved, caller, hide=str(others[0].id)) == [
        id_ for id_ in everyone if id_ != str(others[0].id)
    ]
    assert ids(sieved, caller, only=str(others[1].id)) == [str(others[1].id)]
    body = sieved.get("/matches", params={"only": str(others[1].id)}, headers=caller.headers)
    assert body.json()["total"] == 1


def test_an_invalid_parameter_of_a_filter_is_its_422(sieved: TestClient) -> None:
    caller, _ = crowd(sieved)
    response = sieved.get("/matches", params={"only": "nobody"}, headers=caller.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "only"]


def test_annotations_appear_in_each_item(sieved: TestClient) -> None:
    caller, _ = crowd(sieved)
    items = sieved.get("/matches", headers=caller.headers).json()["items"]
    assert [item["label"] for item in items] == ["#1", "#2", "#3"]


def test_index_and_sql_filter_alike(sieved: TestClient) -> None:
    caller, others = crowd(sieved)
    with Platform.of(sieved.app).session_factory() as db:  # type: ignore[arg-type]
        for query in ({}, {"hide": str(others[0].id)}, {"only": str(others[2].id)}):
            arguments = {
                "user_id": caller.id,
                "match_type": MatchType.SHARED,
                "page": PageParams(limit=2, offset=1),
                "query": query,
            }
            assert find_matches(db, **arguments) == find_matches(db, **arguments, use_index=False)

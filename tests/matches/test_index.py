"""The in-memory index ranks exactly as the SQL reference does, and sees every committed write,
on any worker, before the next ranking."""

import random
import uuid
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account, log_in, sign_up_through
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from core.pagination import PageParams
from core.platform import Platform
from modules.matches.freshness import LiveIndex, LogPosition, record_change
from modules.matches.index import Workspaces, _best_rows
from modules.matches.models import MatchChange
from modules.matches.ranking import find_matches
from modules.matches.rule import MatchType
from modules.skills import Category, Skill
from modules.skills.schemas import SkillChoice
from modules.skills.service import create_skill, replace_user_skills
from modules.users import User
from modules.users.service import deactivate_user

CATEGORIES = ("games", "music", "outdoors", "languages")
INTENTS = ("share", "teach", "learn")


def live_index(app: FastAPI) -> LiveIndex:
    index: LiveIndex = Platform.of(app).state_of(LiveIndex)
    assert index.wait_ready(30), "the index was not built in 30 s"
    return index


def populate(db: Session, draw: random.Random, people: int = 30) -> list[uuid.UUID]:
    """People drawing lists from twelve skills in four categories, some deactivated."""
    pool = [
        skill
        for category in CATEGORIES
        for skill in db.scalars(
            select(Skill.id).where(Skill.category == category).order_by(Skill.id).limit(3)
        )
    ]
    ids = []
    for number in range(people):
        user = User(
            email=f"p{number}-{draw.random()}@example.com", password_hash="-", display_name="P"
        )
        db.add(user)
        db.flush()
        chosen = draw.sample(pool, draw.randint(0, 6))
        entries = [SkillChoice(skill_id=skill, intent=draw.choice(INTENTS)) for skill in chosen]
        replace_user_skills(db, user_id=user.id, entries=entries)
        ids.append(user.id)
    for user_id in draw.sample(ids, 3):
        deactivate_user(db, user=db.get_one(User, user_id))
    return ids


def assert_same_rankings(db: Session, callers: list[uuid.UUID]) -> int:
    """Index and SQL give the same pages (ids, scores, reasons, total); how many matches."""
    seen = 0
    for caller in callers:
        for match_type in MatchType:
            for page in (PageParams(limit=100, offset=0), PageParams(limit=3, offset=2)):
                arguments = {"user_id": caller, "match_type": match_type, "page": page}
                from_index = find_matches(db, **arguments)
                from_sql = find_matches(db, **arguments, use_index=False)
                assert from_index == from_sql, (caller, match_type, page)
                seen += len(from_index[0])
    return seen


@pytest.fixture
def enabled_modules() -> list[str]:
    return ["users", "skills", "matches"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_index_ranks_as_sql_does_from_the_log_and_after_a_rebuild(
    app: FastAPI, db: Session, seed: int
) -> None:
    index = live_index(app)
    draw = random.Random(seed)
    people = populate(db, draw)
    callers = draw.sample(people, 8)
    assert assert_same_rankings(db, callers) > 0  # every list arrived through the change log
    index.rebuild()
    assert index.stats()["changed_since_build"] == 0
    assert assert_same_rankings(db, callers) > 0  # every list from the snapshot
    populate(db, draw, people=8)  # and some of both
    assert assert_same_rankings(db, callers) > 0


def test_the_index_ranks_hundreds_of_people_as_sql_does(app: FastAPI, db: Session) -> None:
    # Enough people that the index guesses where a page ends from a sample of them.
    index = live_index(app)
    draw = random.Random(4)
    people = populate(db, draw, people=400)
    index.rebuild()
    assert assert_same_rankings(db, draw.sample(people, 4)) > 0


def test_a_page_ends_where_it_should_when_the_sample_guesses_too_high() -> None:
    points = np.zeros(64 * 8, dtype=np.int32)
    points[[0, 64, 128]] = 100  # the sample's best three: it guesses 100
    points[[1, 2, 3, 300, 301]] = 50  # but the best four end at 50, tied five times
    points[[4, 5]] = 10
    rows, total = _best_rows(points, 4, np.empty(len(points), dtype=np.bool_))
    assert sorted(rows.tolist()) == [0, 1, 2, 3, 64, 128, 300, 301]
    assert total == 10


def test_rankings_at_once_each_compute_in_their_own_arrays() -> None:
    workspaces = Workspaces()
    with workspaces.borrowed(10) as first, workspaces.borrowed(10) as second:
        assert first is not second
    with workspaces.borrowed(10) as again:
        assert again in (first, second)  # what a ranking returned is lent again
    with workspaces.borrowed(11) as bigger:
        assert bigger not in (first, second)
        assert len(bigger.points) == 11


def test_the_points_of_the_reasons_add_up_to_the_score(app: FastAPI, db: Session) -> None:
    live_index(app)
    draw = random.Random(7)
    people = populate(db, draw)
    for caller in people:
        for match_type in MatchType:
            matches, _ = find_matches(
                db, user_id=caller, match_type=match_type, page=PageParams(limit=100, offset=0)
            )
            for match in matches:
                assert sum(reason.points for reason in match.reasons) == pytest.approx(match.score)


def test_a_skill_added_to_the_catalog_after_the_build_is_named_in_the_reasons(
    app: FastAPI, db: Session
) -> None:
    index = live_index(app)
    people = [
        User(email=f"kite{number}@example.com", password_hash="-", display_name="K")
        for number in (1, 2)
    ]
    db.add_all(people)
    db.flush()
    kiting = create_skill(
        db, name="Kite  surfing", category=Category.OUTDOORS, created_by=people[0].id
    )
    for person in people:
        choice = SkillChoice(skill_id=kiting.id, intent="share")
        replace_user_skills(db, user_id=person.id, entries=[choice])
    for rebuilt in (False, True):  # the new skill arrives through the log, then in a build
        if rebuilt:
            index.rebuild()
        found, _ = find_matches(
            db,
            user_id=people[0].id,
            match_type=MatchType.SHARED,
            page=PageParams(limit=5, offset=0),
        )
        assert [match.user.id for match in found] == [people[1].id]
        assert [reason.text for reason in found[0].reasons] == [
            "You both do Kite surfing (your #1, their #1)"
        ]
        assert assert_same_rankings(db, [person.id for person in people]) > 0


@pytest.fixture
def second_worker(settings: Settings) -> Iterator[TestClient]:
    """Another app on the same database: a second worker, with an index of its own."""
    other = create_app(settings)
    start_modules(other)
    live_index(other)
    yield TestClient(other)
    stop_modules(other)


def put_list(client: TestClient, account: Account, *entries: tuple[int, str]) -> None:
    body = [{"skill_id": skill, "intent": intent} for skill, intent in entries]
    response = client.put("/users/me/skills", json=body, headers=account.headers)
    assert response.status_code == 200, response.text


def ranked(client: TestClient, account: Account, match_type: str = "shared") -> dict[str, float]:
    response = client.get("/matches", params={"type": match_type}, headers=account.headers)
    assert response.status_code == 200, response.text
    return {item["user"]["id"]: item["score"] for item in response.json()["items"]}


def test_a_write_through_one_worker_is_ranked_by_the_other_at_once(
    app: FastAPI, client: TestClient, second_worker: TestClient
) -> None:
    live_index(app)
    skills = [item["id"] for item in client.get("/skills", params={"limit": 3}).json()["items"]]
    caller, other = sign_up_through(client), sign_up_through(client)
    put_list(client, caller, (skills[0], "share"), (skills[1], "learn"))
    put_list(client, other, (skills[0], "share"))
    assert ranked(second_worker, caller) == {str(other.id): 1.0}
    put_list(client, other, (skills[1], "learn"), (skills[0], "share"))  # through the first
    assert ranked(second_worker, caller) == {str(other.id): 1.8}  # 0.9 * 1 + 1 * 0.9
    put_list(client, caller, (skills[0], "share"))  # the caller's own list, one request earlier
    assert ranked(second_worker, caller) == {str(other.id): 0.9}
    assert client.post("/users/me/deactivate", headers=other.headers).status_code == 204
    assert ranked(second_worker, caller) == {}
    back = replace(other, token=log_in(client, other.email, other.password))  # reactivates
    assert ranked(second_worker, caller) == {str(other.id): 0.9}
    assert client.delete("/users/me", headers=caller.headers).status_code == 204
    assert ranked(second_worker, back) == {}


def test_the_index_waits_for_a_sequence_number_committed_late(
    app: FastAPI, hobbymatch_backend: str
) -> None:
    if hobbymatch_backend != "postgresql":
        pytest.skip("SQLite lets one writer at a time: commits come in sequence order there")
    index = live_index(app)
    platform = Platform.of(app)
    late, early = uuid.uuid4(), uuid.uuid4()
    with platform.session_factory() as slow, platform.session_factory() as quick:
        record_change(slow, late)  # takes the lower sequence number, commits last
        slow.flush()
        record_change(quick, early)
        quick.commit()
        with platform.session_factory() as reader:
            index.sync(reader)
        assert index.stats()["log_position"] > 0
        slow.commit()
    with platform.session_factory() as reader:
        index.sync(reader)
    assert index.snapshot is not None
    assert {late, early} <= set(index.snapshot.overrides)


def test_sequence_numbers_keep_growing_after_the_log_is_trimmed_empty(app: FastAPI) -> None:
    platform = Platform.of(app)
    with platform.session_factory() as db:
        record_change(db, uuid.uuid4())
        db.commit()
        first = db.scalar(select(MatchChange.seq))
        db.execute(delete(MatchChange))
        db.commit()
        record_change(db, uuid.uuid4())
        db.commit()
        again = db.scalar(select(MatchChange.seq))
    assert first is not None
    assert again is not None
    assert again > first


def test_a_log_position_remembers_the_numbers_it_has_not_seen() -> None:
    position = LogPosition()
    position.advance({1, 2, 4}, now=0.0, gap_seconds=60)
    assert (position.last, set(position.gaps)) == (4, {3})
    position.advance({3, 5}, now=1.0, gap_seconds=60)
    assert (position.last, position.gaps) == (5, {})
    position.advance({7}, now=2.0, gap_seconds=60)
    position.advance(set(), now=100.0, gap_seconds=60)  # a rollback: given up after a while
    assert (position.last, position.gaps) == (7, {})


def test_the_index_reports_what_it_holds(app: FastAPI, client: TestClient) -> None:
    live_index(app)
    body = client.get("/matches/index").json()
    assert body["ready"] is True
    assert {"users", "entries", "changed_since_build", "memory_bytes", "build_seconds"} <= set(body)

"""A user's ranked list: GET/PUT/POST/DELETE, "who teaches X", cascade and races."""

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.platform import Platform
from modules.skills import SkillProfile, UserSkill, category_bit
from modules.skills.service import replace_user_skills
from modules.users import User
from tests.skills.conftest import skill_id

SignUp = Callable[..., Account]


def choices(client: TestClient, *pairs: tuple[str, str]) -> list[dict[str, object]]:
    return [{"skill_id": skill_id(client, name), "intent": intent} for name, intent in pairs]


def summary(entries: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(entry["skill"]["name"], entry["intent"], entry["rank"]) for entry in entries]  # type: ignore[index]


def first_skill_ids(client: TestClient, count: int) -> list[int]:
    return [item["id"] for item in client.get("/skills", params={"limit": count}).json()["items"]]


def test_put_replaces_the_list_and_get_returns_it_by_rank(
    client: TestClient, sign_up: SignUp
) -> None:
    account = sign_up()
    client.put(
        "/users/me/skills", json=choices(client, ("Chess", "teach")), headers=account.headers
    )
    body = choices(client, ("Guitar", "learn"), ("Hiking", "share"), ("Chess", "teach"))
    response = client.put("/users/me/skills", json=body, headers=account.headers)
    assert response.status_code == 200
    expected = [("Guitar", "learn", 1), ("Hiking", "share", 2), ("Chess", "teach", 3)]
    assert summary(response.json()) == expected
    assert summary(client.get("/users/me/skills", headers=account.headers).json()) == expected
    theirs = client.get(f"/users/{account.id}/skills", headers=sign_up().headers)
    assert summary(theirs.json()) == expected
    assert set(response.json()[0]["skill"]) == {"id", "name", "category"}


def test_put_of_an_empty_list_clears_it(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    client.put(
        "/users/me/skills", json=choices(client, ("Chess", "teach")), headers=account.headers
    )
    assert client.put("/users/me/skills", json=[], headers=account.headers).json() == []


def test_unknown_user_skills_are_404(client: TestClient, sign_up: SignUp) -> None:
    response = client.get(f"/users/{uuid.uuid4()}/skills", headers=sign_up().headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "user not found"}


@pytest.mark.parametrize(
    ("make_body", "status", "detail"),
    [
        (
            lambda client: [
                {"skill_id": i, "intent": "share"} for i in first_skill_ids(client, 11)
            ],
            422,
            None,
        ),
        (lambda client: choices(client, ("Chess", "teach"), ("Chess", "learn")), 422, None),
        (lambda client: [{"skill_id": skill_id(client, "Chess"), "intent": "master"}], 422, None),
        (
            lambda client: [{"skill_id": 999999, "intent": "share"}],
            404,
            {"detail": "no skill has id 999999"},
        ),
        (lambda client: {"skill_id": 1, "intent": "share"}, 422, None),
    ],
    ids=["eleven-entries", "skill-twice", "unknown-intent", "unknown-skill", "not-a-list"],
)
def test_failed_put_leaves_the_list_exactly_as_it_was(
    client: TestClient,
    sign_up: SignUp,
    make_body: Callable[[TestClient], object],
    status: int,
    detail: object,
) -> None:
    account = sign_up()
    stored = client.put(
        "/users/me/skills",
        json=choices(client, ("Yoga", "share"), ("Go", "learn")),
        headers=account.headers,
    ).json()
    response = client.put("/users/me/skills", json=make_body(client), headers=account.headers)
    assert response.status_code == status
    if detail is not None:
        assert response.json() == detail
    else:
        assert response.json()["detail"][0]["loc"][0] == "body"
    assert client.get("/users/me/skills", headers=account.headers).json() == stored


def test_put_without_token_is_401(client: TestClient) -> None:
    assert client.put("/users/me/skills", json=[]).status_code == 401


def test_post_appends_at_the_end(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    client.put("/users/me/skills", json=choices(client, ("Yoga", "share")), headers=account.headers)
    response = client.post(
        "/users/me/skills", json=choices(client, ("Baking", "teach"))[0], headers=account.headers
    )
    assert response.status_code == 201
    assert (
        response.json()["skill"]["name"],
        response.json()["intent"],
        response.json()["rank"],
    ) == ("Baking", "teach", 2)
    assert summary(client.get("/users/me/skills", headers=account.headers).json())[-1] == (
        "Baking",
        "teach",
        2,
    )


def test_post_of_a_listed_skill_is_409(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    client.put("/users/me/skills", json=choices(client, ("Yoga", "share")), headers=account.headers)
    response = client.post(
        "/users/me/skills", json=choices(client, ("Yoga", "teach"))[0], headers=account.headers
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "this skill is already in your list"}


def test_post_past_ten_is_422(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    ids = first_skill_ids(client, 11)
    client.put(
        "/users/me/skills",
        json=[{"skill_id": i, "intent": "share"} for i in ids[:10]],
        headers=account.headers,
    )
    response = client.post(
        "/users/me/skills", json={"skill_id": ids[10], "intent": "share"}, headers=account.headers
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [{"type": "too_long", "loc": ["body"], "msg": "a list holds at most 10 skills"}]
    }
    assert len(client.get("/users/me/skills", headers=account.headers).json()) == 10


@pytest.mark.parametrize("flag", [True, False])
def test_a_skill_id_of_true_or_false_is_422(
    client: TestClient, sign_up: SignUp, flag: bool
) -> None:
    # JSON's true is no integer, though pydantic alone would take it for skill 1.
    account = sign_up()
    response = client.post(
        "/users/me/skills", json={"skill_id": flag, "intent": "share"}, headers=account.headers
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert (error["loc"], error["msg"]) == (
        ["body", "skill_id"],
        "Value error, must be a number, not true or false",
    )
    assert client.get("/users/me/skills", headers=account.headers).json() == []


def test_post_of_an_unknown_skill_is_404(client: TestClient, sign_up: SignUp) -> None:
    response = client.post(
        "/users/me/skills", json={"skill_id": 999999, "intent": "share"}, headers=sign_up().headers
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "skill not found"}


def test_delete_closes_up_the_ranks(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    body = choices(client, ("Yoga", "share"), ("Go", "learn"), ("Baking", "teach"))
    client.put("/users/me/skills", json=body, headers=account.headers)
    response = client.delete(f"/users/me/skills/{body[0]['skill_id']}", headers=account.headers)
    assert response.status_code == 204
    assert summary(client.get("/users/me/skills", headers=account.headers).json()) == [
        ("Go", "learn", 1),
        ("Baking", "teach", 2),
    ]


def test_delete_of_an_unlisted_skill_is_404(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    response = client.delete(
        f"/users/me/skills/{skill_id(client, 'Chess')}", headers=account.headers
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "this skill is not in your list"}


def test_who_lists_a_skill_with_an_intent(client: TestClient, sign_up: SignUp) -> None:
    teacher, learner, other_teacher = (
        sign_up(display_name="T1"),
        sign_up(display_name="L"),
        sign_up(display_name="T2"),
    )
    client.put(
        "/users/me/skills",
        json=choices(client, ("Chess", "share"), ("Guitar", "teach")),
        headers=teacher.headers,
    )
    client.put(
        "/users/me/skills", json=choices(client, ("Guitar", "learn")), headers=learner.headers
    )
    client.put(
        "/users/me/skills", json=choices(client, ("Guitar", "teach")), headers=other_teacher.headers
    )
    guitar = skill_id(client, "Guitar")
    teachers = client.get(
        f"/skills/{guitar}/users", params={"intent": "teach"}, headers=learner.headers
    ).json()
    assert [user["display_name"] for user in teachers["items"]] == ["T2", "T1"]
    assert (teachers["total"], teachers["limit"], teachers["offset"]) == (2, 20, 0)
    assert "email" not in teachers["items"][0]
    everyone = client.get(
        f"/skills/{guitar}/users", params={"limit": 2, "offset": 2}, headers=learner.headers
    ).json()
    assert (everyone["total"], len(everyone["items"])) == (3, 1)


def test_who_lists_a_skill_leaves_out_deactivated_accounts(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    active, deactivated = sign_up(display_name="Active"), sign_up(display_name="Gone")
    for account in (active, deactivated):
        client.put(
            "/users/me/skills", json=choices(client, ("Chess", "share")), headers=account.headers
        )
    db.get_one(User, deactivated.id).is_active = False
    db.commit()
    body = client.get(f"/skills/{skill_id(client, 'Chess')}/users", headers=active.headers).json()
    assert [user["display_name"] for user in body["items"]] == ["Active"]
    assert body["total"] == 1


def test_who_lists_an_unknown_skill_is_404(client: TestClient, sign_up: SignUp) -> None:
    response = client.get("/skills/999999/users", headers=sign_up().headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "skill not found"}


def test_who_lists_with_an_unknown_intent_is_422(client: TestClient, sign_up: SignUp) -> None:
    response = client.get(
        f"/skills/{skill_id(client, 'Chess')}/users",
        params={"intent": "master"},
        headers=sign_up().headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "intent"]


def test_deleting_a_user_removes_their_list(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    account = sign_up()
    client.put(
        "/users/me/skills",
        json=choices(client, ("Yoga", "share"), ("Go", "learn")),
        headers=account.headers,
    )
    assert client.delete("/users/me", headers=account.headers).status_code == 204
    assert db.scalars(select(UserSkill).where(UserSkill.user_id == account.id)).all() == []


def test_concurrent_changes_leave_a_valid_list(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    ids = first_skill_ids(client, 12)

    def change(number: int) -> int:
        if number % 3 == 0:
            body = [{"skill_id": i, "intent": "share"} for i in ids[number % 4 : number % 4 + 8]]
            return client.put("/users/me/skills", json=body, headers=account.headers).status_code
        if number % 3 == 1:
            entry = {"skill_id": ids[number % 12], "intent": "learn"}
            return client.post("/users/me/skills", json=entry, headers=account.headers).status_code
        return client.delete(
            f"/users/me/skills/{ids[number % 12]}", headers=account.headers
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(change, range(30)))
    assert set(statuses) <= {200, 201, 204, 404, 409, 422}
    entries = client.get("/users/me/skills", headers=account.headers).json()
    assert [entry["rank"] for entry in entries] == list(range(1, len(entries) + 1))
    assert len({entry["skill"]["id"] for entry in entries}) == len(entries) <= 10


def profile_of(db: Session, account: Account) -> int | None:
    db.expire_all()
    return db.scalar(select(SkillProfile.category_mask).where(SkillProfile.user_id == account.id))


def test_the_profile_follows_every_change_of_the_list(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    account = sign_up()
    headers = account.headers
    assert profile_of(db, account) is None
    body = choices(client, ("Guitar", "learn"), ("Cello", "share"), ("Chess", "teach"))
    client.put("/users/me/skills", json=body, headers=headers)
    assert profile_of(db, account) == category_bit("music") | category_bit("games")
    knitting = skill_id(client, "Knitting")
    client.post("/users/me/skills", json={"skill_id": knitting, "intent": "share"}, headers=headers)
    assert profile_of(db, account) == (
        category_bit("music") | category_bit("games") | category_bit("crafts")
    )
    client.delete(f"/users/me/skills/{skill_id(client, 'Chess')}", headers=headers)
    client.delete(f"/users/me/skills/{skill_id(client, 'Guitar')}", headers=headers)
    assert profile_of(db, account) == category_bit("music") | category_bit("crafts")
    client.put("/users/me/skills", json=[], headers=headers)
    assert profile_of(db, account) is None


def test_a_refused_change_leaves_the_profile_as_it_was(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    account = sign_up()
    client.put(
        "/users/me/skills", json=choices(client, ("Chess", "teach")), headers=account.headers
    )
    refused = client.put(
        "/users/me/skills",
        json=[*choices(client, ("Guitar", "share")), {"skill_id": 999_999, "intent": "share"}],
        headers=account.headers,
    )
    assert refused.status_code == 404
    assert profile_of(db, account) == category_bit("games")


@pytest.fixture
def write_after_each_commit(app: FastAPI) -> Iterator[Callable[[uuid.UUID], None]]:
    """Arm it with a user id: right after the next commit of a request, another "request"
    empties that user's list, as a concurrent ``PUT []`` landing at that moment would."""
    factory = Platform.of(app).session_factory
    armed: list[uuid.UUID] = []

    def empty_the_list(_session: Session) -> None:
        if armed:
            user_id = armed.pop()
            with factory() as other:
                replace_user_skills(other, user_id=user_id, entries=[])

    event.listen(factory, "after_commit", empty_the_list)
    yield armed.append
    event.remove(factory, "after_commit", empty_the_list)


def test_post_answers_with_the_entry_it_added_despite_a_concurrent_write(
    client: TestClient, sign_up: SignUp, write_after_each_commit: Callable[[uuid.UUID], None]
) -> None:
    account = sign_up()
    write_after_each_commit(account.id)
    body = {"skill_id": skill_id(client, "Chess"), "intent": "teach"}
    response = client.post("/users/me/skills", json=body, headers=account.headers)
    assert response.status_code == 201
    assert (response.json()["skill"]["name"], response.json()["rank"]) == ("Chess", 1)


def test_put_answers_with_the_list_it_wrote_despite_a_concurrent_write(
    client: TestClient, sign_up: SignUp, write_after_each_commit: Callable[[uuid.UUID], None]
) -> None:
    account = sign_up()
    write_after_each_commit(account.id)
    body = choices(client, ("Guitar", "learn"), ("Chess", "teach"))
    response = client.put("/users/me/skills", json=body, headers=account.headers)
    assert response.status_code == 200
    assert summary(response.json()) == [("Guitar", "learn", 1), ("Chess", "teach", 2)]


def test_lists_of_people_need_a_token_and_the_catalog_does_not(
    client: TestClient, sign_up: SignUp
) -> None:
    ana = sign_up()
    chess = skill_id(client, "Chess")
    for path in (f"/users/{ana.id}/skills", f"/skills/{chess}/users"):
        anonymous = client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert client.get(path, headers=ana.headers).status_code == 200, path
    assert client.get("/skills").status_code == 200
    assert client.get(f"/skills/{chess}").status_code == 200

"""The users module's ``users_hidden_from`` and ``users_gone_for`` extension points and its
``users_hidden_pair`` event, as a
module author sees them: a throwaway module hides people, and every module that lists or
addresses people honours it (matches, who lists a skill), while matches ends what linked them."""

import sys
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account, sign_up_through

from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from tests.throwaway_modules import ModuleFolder

HIDER = """
import uuid
from fastapi import APIRouter
from core import get_db
from fastapi import Depends
from sqlalchemy.orm import Session
from modules.users import CurrentUser, MaybeCurrentUser, UserPublic, get_user, hide_from_each_other

from sqlalchemy import select, union
from sqlalchemy.orm import Mapped, mapped_column
from core import Base

heard = []
router = APIRouter(prefix="/hider")

class HiddenPair(Base):
    __tablename__ = "hider_pairs"
    hider_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    hidden_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)

@hookimpl
def hobbymatch_models():
    return [HiddenPair]

@hookimpl
def users_hidden_from(user_id):
    both_ways = union(
        select(HiddenPair.hidden_id).where(HiddenPair.hider_id == user_id),
        select(HiddenPair.hider_id).where(HiddenPair.hidden_id == user_id),
    )
    return select(both_ways.subquery().c[0])

@hookimpl
def users_gone_for(user_id):
    return select(HiddenPair.hider_id).where(HiddenPair.hidden_id == user_id)

@hookimpl
def users_hidden_pair(db, user_id, other_user_id):
    heard.append((user_id, other_user_id))

@hookimpl
def hobbymatch_routers():
    return [router]

@router.post("/hide/{other}", status_code=204)
def hide(other: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)) -> None:
    db.add(HiddenPair(hider_id=caller.id, hidden_id=other))
    hide_from_each_other(db, user_id=caller.id, other_user_id=other)
    db.commit()

@router.get("/seen/{user_id}", response_model=UserPublic)
def seen(user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)):
    return get_user(db, user_id=user_id, as_seen_by=caller.id)

@router.get("/people/{user_id}", response_model=UserPublic)
def person(user_id: uuid.UUID, viewer: MaybeCurrentUser, db: Session = Depends(get_db)):
    return get_user(db, user_id=user_id, viewer_id=viewer.id if viewer else None)
"""


@pytest.fixture
def hiding(module_folder: ModuleFolder, settings: Settings) -> Iterator[TestClient]:
    """An app with users, skills, matches and a module that hides pairs of people."""
    module_folder.write("hider", requires=["users"], body=HIDER)
    modules = ["users", "skills", "matches", "hider"]
    app = create_app(
        settings.model_copy(update={"modules": modules, "module_paths": [module_folder.root]})
    )
    start_modules(app)
    with TestClient(app) as client:
        yield client
    stop_modules(app)


def same_list(client: TestClient, *people: Account) -> int:
    skill = client.get("/skills", params={"limit": 1}).json()["items"][0]["id"]
    for person in people:
        body = [{"skill_id": skill, "intent": "share"}]
        response = client.put("/users/me/skills", json=body, headers=person.headers)
        assert response.status_code == 200, response.text
    return int(skill)


def ids(items: list[dict[str, object]], key: str | None = None) -> set[uuid.UUID]:
    return {uuid.UUID(str(item[key]["id"] if key else item["id"])) for item in items}  # type: ignore[index]


def test_hidden_people_vanish_for_each_other_and_nobody_else(hiding: TestClient) -> None:
    ana, ben, cleo = (sign_up_through(hiding) for _ in range(3))
    skill = same_list(hiding, ana, ben, cleo)
    assert hiding.post(f"/hider/hide/{ben.id}", headers=ana.headers).status_code == 204

    for viewer, hidden in ((ana, ben), (ben, ana)):
        matches = hiding.get("/matches", headers=viewer.headers).json()
        assert ids(matches["items"], "user") == {cleo.id}
        assert matches["total"] == 1
        listing = hiding.get(f"/skills/{skill}/users", headers=viewer.headers).json()
        assert ids(listing["items"]) == {viewer.id, cleo.id}
        assert hiding.get(f"/hider/people/{hidden.id}", headers=viewer.headers).status_code == 404
        asked = hiding.post(
            "/matches/requests", json={"user_id": str(hidden.id)}, headers=viewer.headers
        )
        assert asked.status_code == 404
        assert asked.json() == {"detail": "user not found"}

    listing = hiding.get(f"/skills/{skill}/users", headers=cleo.headers).json()
    assert ids(listing["items"]) == {ana.id, ben.id, cleo.id}
    assert ids(hiding.get("/matches", headers=cleo.headers).json()["items"], "user") == {
        ana.id,
        ben.id,
    }
    assert hiding.get(f"/hider/people/{ben.id}").status_code == 200


def test_hiding_a_pair_ends_their_requests_and_connection(hiding: TestClient) -> None:
    ana, ben, cleo = (sign_up_through(hiding) for _ in range(3))
    request = hiding.post("/matches/requests", json={"user_id": str(ben.id)}, headers=ana.headers)
    accepted = hiding.post(f"/matches/requests/{request.json()['id']}/accept", headers=ben.headers)
    assert accepted.status_code == 200
    pending = hiding.post("/matches/requests", json={"user_id": str(ana.id)}, headers=cleo.headers)
    assert pending.status_code == 201

    assert hiding.post(f"/hider/hide/{ben.id}", headers=ana.headers).status_code == 204
    assert hiding.post(f"/hider/hide/{cleo.id}", headers=ana.headers).status_code == 204

    assert hiding.get("/matches/connections", headers=ben.headers).json()["total"] == 0
    outgoing = hiding.get(
        "/matches/requests", params={"box": "outgoing"}, headers=cleo.headers
    ).json()
    assert outgoing["total"] == 0
    heard = sys.modules["modules.hider"].heard
    assert heard[-2:] == [(ana.id, ben.id), (ana.id, cleo.id)]


def test_an_invalid_token_on_a_listing_of_people_is_401(hiding: TestClient) -> None:
    skill = hiding.get("/skills", params={"limit": 1}).json()["items"][0]["id"]
    response = hiding.get(f"/skills/{skill}/users", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_one_gone_for_another_is_missing_to_them_alone(hiding: TestClient) -> None:
    ana, ben = (sign_up_through(hiding) for _ in range(2))
    assert hiding.post(f"/hider/hide/{ben.id}", headers=ana.headers).status_code == 204
    gone = hiding.get(f"/hider/seen/{ana.id}", headers=ben.headers)
    assert (gone.status_code, gone.json()) == (404, {"detail": "user not found"})
    assert hiding.get(f"/hider/seen/{ben.id}", headers=ana.headers).status_code == 200

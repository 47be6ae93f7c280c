"""The users module's ``users_hidden_from`` extension point and ``users_hidden_pair`` event, as a
module author sees them: a throwaway module hides people, and every module that lists or
addresses people honours it (matches, who lists a skill), while matches ends what linked them."""

import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from modules.users.testing import sign_up_through
from tests.throwaway_modules import ModuleFolder

HIDER = """
import uuid
from fastapi import APIRouter
from core.database import SessionDep
from modules.users import CurrentUser, MaybeCurrentUser, UserPublic, get_user, hide_from_each_other

pairs = set()
heard = []
router = APIRouter(prefix="/hider")

@hookimpl
def users_hidden_from(db, user_id):
    return {b for a, b in pairs if a == user_id} | {a for a, b in pairs if b == user_id}

@hookimpl
def users_hidden_pair(db, user_id, other_user_id):
    heard.append((user_id, other_user_id))

@hookimpl
def hobbymatch_routers():
    return [router]

@router.post("/hide/{other}", status_code=204)
def hide(other: uuid.UUID, caller: CurrentUser, db: SessionDep) -> None:
    pairs.add((caller.id, other))
    hide_from_each_other(db, user_id=caller.id, other_user_id=other)
    db.commit()

@router.get("/people/{user_id}", response_model=UserPublic)
def person(user_id: uuid.UUID, viewer: MaybeCurrentUser, db: SessionDep):
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
    sys.modules["modules.hider"].pairs.clear()
    with TestClient(app) as client:
        yield client
    stop_modules(app)


def test_a_hidden_person_is_missing_for_the_viewer_alone(hiding: TestClient) -> None:
    ana, ben, cleo = (sign_up_through(hiding) for _ in range(3))
    assert hiding.post(f"/hider/hide/{ben.id}", headers=ana.headers).status_code == 204
    assert hiding.get(f"/hider/people/{ben.id}", headers=ana.headers).status_code == 404
    assert hiding.get(f"/hider/people/{ana.id}", headers=ben.headers).status_code == 404
    assert hiding.get(f"/hider/people/{ben.id}", headers=cleo.headers).status_code == 200
    assert hiding.get(f"/hider/people/{ben.id}").status_code == 200
    assert sys.modules["modules.hider"].heard[-1] == (ana.id, ben.id)

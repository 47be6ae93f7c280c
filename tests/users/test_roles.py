"""Roles and permissions, as a module author uses them: a module declares the permissions it
checks and the roles that hold them (``users_permissions``), guards a route with
``permitted``; an account given a role passes from its next request, and is refused again on
the one after the role is taken, with the same token."""

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import Platform, hookimpl
from modules.users import User, permitted
from modules.users.exceptions import UnknownRoleError, UserNotFoundError
from modules.users.models import UserRole
from modules.users.roles import declared_roles, grant_role, revoke_role, roles_of

SignUp = Callable[..., Account]


class Clubs:
    """A module's front door, as far as permissions go."""

    @hookimpl
    def users_permissions(self) -> Mapping[str, Collection[str]]:
        """Managing clubs, for their owners and for admins."""
        return {"clubs.manage": ["club_owner", "club_admin"], "clubs.read": ["club_admin"]}


@pytest.fixture
def clubs(app: FastAPI) -> Iterator[None]:
    """The app with the ``Clubs`` module's permissions and a route guarded by one."""
    manager = Platform.of(app).registry.plugin_manager
    plugin = Clubs()
    manager.register(plugin)

    def manage(caller: Annotated[User, Depends(permitted("clubs.manage"))]) -> dict[str, str]:
        return {"manager": str(caller.id)}

    app.add_api_route("/clubs/manage", manage)
    try:
        yield
    finally:
        manager.unregister(plugin)


@pytest.mark.usefixtures("clubs")
def test_a_role_opens_a_guarded_route_until_it_is_revoked(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    ana = sign_up()
    refused = client.get("/clubs/manage", headers=ana.headers)
    assert (refused.status_code, refused.json()) == (
        403,
        {"detail": "this needs the permission 'clubs.manage'"},
    )
    assert client.get("/clubs/manage").status_code == 401
    grant_role(db, email=ana.email, role="club_owner")
    assert client.get("/clubs/manage", headers=ana.headers).json() == {"manager": str(ana.id)}
    assert roles_of(db, email=ana.email) == ["club_owner"]
    assert revoke_role(db, email=ana.email, role="club_owner") is True
    assert client.get("/clubs/manage", headers=ana.headers).status_code == 403
    assert revoke_role(db, email=ana.email, role="club_owner") is False


@pytest.mark.usefixtures("clubs")
def test_roles_are_those_permissions_name_and_go_with_the_account(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    assert declared_roles(db) == {
        "club_owner": {"clubs.manage"},
        "club_admin": {"clubs.manage", "clubs.read"},
    }
    ana = sign_up()
    with pytest.raises(UnknownRoleError, match="known: club_admin, club_owner"):
        grant_role(db, email=ana.email, role="root")
    with pytest.raises(UserNotFoundError):
        grant_role(db, email="nobody@example.com", role="club_admin")
    grant_role(db, email=ana.email, role="club_admin")
    grant_role(db, email=ana.email, role="club_admin")  # again: nothing changes
    assert client.delete("/users/me", headers=ana.headers).status_code == 204
    assert db.scalars(select(UserRole)).all() == []

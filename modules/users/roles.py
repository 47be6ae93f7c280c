"""Roles and permissions: modules declare the permissions they check and the roles holding
each (``users_permissions``); an operator gives roles to accounts (``hobbymatch users
grant``). A token carries no role: each check reads the database, so a revoked role stops
working on the next request."""

import uuid
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select
from sqlalchemy.orm import Session

from core import hooks, insert_ignoring_duplicates
from modules.users.exceptions import UnknownRoleError, UserNotFoundError
from modules.users.models import User, UserRole
from modules.users.schemas import normalize_email


def declared_roles(db: Session) -> dict[str, set[str]]:
    """Every role some enabled module's permission names, with the permissions it holds."""
    roles: dict[str, set[str]] = defaultdict(set)
    for answer in hooks(db).users_permissions():
        for permission, holders in (answer or {}).items():
            for role in holders:
                roles[role].add(permission)
    return dict(roles)


def holds_permission(db: Session, *, user_id: uuid.UUID, permission: str) -> bool:
    """Whether one of ``user_id``'s roles holds ``permission`` (read from the database now)."""
    roles = [role for role, held in declared_roles(db).items() if permission in held]
    if not roles:
        return False
    found = db.scalar(
        select(UserRole.role).where(UserRole.user_id == user_id, UserRole.role.in_(roles))
    )
    return found is not None


def roles_of(db: Session, *, email: str) -> list[str]:
    """The roles of the account at ``email``, by name.

    :raises UserNotFoundError: no account has this address.
    """
    user = account_at(db, email)
    statement = select(UserRole.role).where(UserRole.user_id == user.id).order_by(UserRole.role)
    return list(db.scalars(statement))


def grant_role(db: Session, *, email: str, role: str) -> None:
    """Give ``role`` to the account at ``email`` (nothing if it has it already).

    :raises UserNotFoundError: no account has this address.
    :raises UnknownRoleError: no enabled module's permission names ``role``.
    """
    _check_declared(db, role)
    user = account_at(db, email)
    insert_ignoring_duplicates(
        db, UserRole, [{"user_id": user.id, "role": role}], unique=["user_id", "role"]
    )
    db.commit()


def revoke_role(db: Session, *, email: str, role: str) -> bool:
    """Take ``role`` from the account at ``email``; whether it had it.

    :raises UserNotFoundError: no account has this address.
    """
    user = account_at(db, email)
    removed = db.execute(delete(UserRole).where(UserRole.user_id == user.id, UserRole.role == role))
    db.commit()
    return bool(cast(CursorResult[Any], removed).rowcount)


def account_at(db: Session, email: str) -> User:
    """The account at ``email`` (any case), for the command line.

    :raises UserNotFoundError: no account has this address.
    """
    user = db.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise UserNotFoundError(f"no account has the address {email}")
    return user


def _check_declared(db: Session, role: str) -> None:
    known = sorted(declared_roles(db))
    if role not in known:
        listed = ", ".join(known) or "none: no enabled module declares permissions"
        raise UnknownRoleError(f"no enabled module declares the role {role!r} (known: {listed})")

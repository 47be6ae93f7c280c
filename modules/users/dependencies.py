"""FastAPI dependencies of the users module; ``current_user`` is exported to other modules."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from core import Platform, get_db
from modules.users import roles, service
from modules.users.exceptions import (
    EmailNotVerifiedError,
    MissingPermissionError,
    NotAuthenticatedError,
)
from modules.users.models import User
from modules.users.settings import UsersSettings

# auto_error=False: a missing token is answered by current_user, with the same body and
# WWW-Authenticate header as an invalid one.
bearer_token = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)

# The 401 that every route taking CurrentUser may answer, for its ``responses``.
UNAUTHENTICATED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid or expired token"}
}


def users_settings(request: Request) -> UsersSettings:
    """The users module's settings in the request's app."""
    return Platform.of(request).settings_of(UsersSettings)


SettingsDep = Annotated[UsersSettings, Depends(users_settings)]


def client_address(request: Request) -> str:
    """The address the request came from, as the throttles count it: the connecting peer's,
    or the one a proxy named in ``HOBBYMATCH_TRUSTED_PROXIES`` forwards (see ``core.main``)."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]


def current_user(
    token: Annotated[str | None, Depends(bearer_token)],
    settings: SettingsDep,
    db: Session = Depends(get_db),
) -> User:
    """The signed-in caller; 401 with ``WWW-Authenticate: Bearer`` without a valid token."""
    if token is None:
        raise NotAuthenticatedError("not authenticated")
    return service.user_for_token(db, token=token, settings=settings)


CurrentUser = Annotated[User, Depends(current_user)]


# The 403 that every route taking VerifiedUser may answer, with UNAUTHENTICATED's 401.
UNVERIFIED: dict[int | str, dict[str, Any]] = {
    **UNAUTHENTICATED,
    403: {"description": "The caller's address must be verified first"},
}
NOT_VERIFIED = (
    "verify your email address first: follow the link mailed to it, or ask for a new one "
    "with POST /users/me/email/verification"
)


def verified_user(caller: CurrentUser, settings: SettingsDep) -> User:
    """The signed-in caller, who must have verified their address when
    ``HOBBYMATCH_USERS_REQUIRE_VERIFIED_EMAIL`` is on (403 otherwise): for what reaches other
    people, such as a connection request or a message."""
    if settings.require_verified_email and not caller.email_verified:
        raise EmailNotVerifiedError(NOT_VERIFIED)
    return caller


VerifiedUser = Annotated[User, Depends(verified_user)]


def current_user_or_none(
    token: Annotated[str | None, Depends(bearer_token)],
    settings: SettingsDep,
    db: Session = Depends(get_db),
) -> User | None:
    """The signed-in caller, or ``None`` without a token (for routes anyone may read, which
    show a signed-in caller less: the people hidden from them); 401 for an invalid token."""
    if token is None:
        return None
    return service.user_for_token(db, token=token, settings=settings)


MaybeCurrentUser = Annotated[User | None, Depends(current_user_or_none)]


# The 403 that every route guarded by ``permitted`` may answer, with UNAUTHENTICATED's 401.
NOT_PERMITTED: dict[int | str, dict[str, Any]] = {
    **UNAUTHENTICATED,
    403: {"description": "The caller holds no role with the permission this needs"},
}


def permitted(permission: str) -> Callable[..., User]:
    """A dependency giving the signed-in caller, who must hold a role with ``permission``
    (403 otherwise), read from the database on each request: ``Depends(permitted("x.y"))``.
    Declare the permission with the ``users_permissions`` hook."""

    def caller_with_permission(caller: CurrentUser, db: Session = Depends(get_db)) -> User:
        if not roles.holds_permission(db, user_id=caller.id, permission=permission):
            raise MissingPermissionError(f"this needs the permission {permission!r}")
        return caller

    return caller_with_permission

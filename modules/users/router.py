"""The users module's HTTP endpoints: a thin layer over :mod:`modules.users.service`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy.orm import Session

from core import NO_NUL_PATTERN, Pagination, ReadsFromReplica, get_db
from modules.users import service
from modules.users.dependencies import UNAUTHENTICATED, ClientAddress, CurrentUser, SettingsDep
from modules.users.models import User
from modules.users.schemas import (
    LoginForm,
    PasswordChange,
    Token,
    UserCreate,
    UserPage,
    UserPrivate,
    UserPublic,
    UserUpdate,
)

router = APIRouter()


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPrivate,
    responses={
        409: {"description": "The email is already taken"},
        429: {"description": "Too many sign-ups from this address"},
    },
)
def register(
    body: UserCreate, address: ClientAddress, settings: SettingsDep, db: Session = Depends(get_db)
) -> User:
    """Create an account."""
    return service.register_user(db, data=body, client_address=address, settings=settings)


@router.post(
    "/auth/token",
    response_model=Token,
    responses={
        401: {"description": "Incorrect email or password"},
        429: {"description": "Too many failed attempts"},
    },
)
def log_in(
    form: Annotated[LoginForm, Depends()],
    address: ClientAddress,
    settings: SettingsDep,
    db: Session = Depends(get_db),
) -> Token:
    """Exchange email (as ``username``) and password for a bearer token; signing in to a
    deactivated account reactivates it."""
    return service.log_in(
        db, email=form.username, password=form.password, client_address=address, settings=settings
    )


@router.get(
    "/users/me",
    response_model=UserPrivate,
    responses=UNAUTHENTICATED,
    dependencies=[ReadsFromReplica],
)
def read_me(caller: CurrentUser) -> User:
    """The caller's own profile, email included."""
    return caller


@router.patch("/users/me", response_model=UserPrivate, responses=UNAUTHENTICATED)
def update_me(body: UserUpdate, caller: CurrentUser, db: Session = Depends(get_db)) -> User:
    """Change the caller's display name or bio."""
    return service.update_profile(db, user=caller, changes=body)


@router.post(
    "/users/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHENTICATED, 403: {"description": "The current password is wrong"}},
)
def change_my_password(
    body: PasswordChange, caller: CurrentUser, settings: SettingsDep, db: Session = Depends(get_db)
) -> Response:
    """Change the caller's password; tokens issued before stop working."""
    service.change_password(
        db,
        user=caller,
        current_password=body.current_password,
        new_password=body.new_password,
        settings=settings,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/users/me", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHENTICATED)
def delete_me(caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Delete the caller's account and everything every module keeps for it."""
    service.delete_user(db, user=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/users/me/deactivate", status_code=status.HTTP_204_NO_CONTENT, responses=UNAUTHENTICATED
)
def deactivate_me(caller: CurrentUser, db: Session = Depends(get_db)) -> Response:
    """Hide the caller's account from every listing and match and sign it out everywhere,
    keeping its data; signing in again with its password reactivates it."""
    service.deactivate_user(db, user=caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/users", response_model=UserPage, responses=UNAUTHENTICATED, dependencies=[ReadsFromReplica]
)
def list_users(
    caller: CurrentUser,
    page: Pagination,
    q: Annotated[
        str | None,
        Query(max_length=100, pattern=NO_NUL_PATTERN, description="Part of a display name"),
    ] = None,
    db: Session = Depends(get_db),
) -> UserPage:
    """Public profiles, by display name, optionally filtered by part of it; signed-in people
    only, and without the people hidden from the caller."""
    users, total = service.list_users(db, query=q, page=page, viewer_id=caller.id)
    return UserPage(
        items=[UserPublic.model_validate(user) for user in users],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/users/{user_id}",
    response_model=UserPublic,
    responses={**UNAUTHENTICATED, 404: {"description": "No such user"}},
    dependencies=[ReadsFromReplica],
)
def read_user(user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)) -> User:
    """A user's public profile, for signed-in people; one hidden from the caller (a block,
    either way) is 404, exactly as an account that does not exist."""
    return service.get_user(db, user_id=user_id, viewer_id=caller.id)

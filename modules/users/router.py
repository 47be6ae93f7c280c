"""The users module's HTTP endpoints: a thin layer over :mod:`modules.users.service`."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Response, status
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from core import NO_NUL_PATTERN, Pagination, ReadsFromReplica, get_db
from modules.users import pages, service
from modules.users.dependencies import UNAUTHENTICATED, ClientAddress, CurrentUser, SettingsDep
from modules.users.exceptions import InvalidAddressTokenError, InvalidResetTokenError
from modules.users.models import User
from modules.users.schemas import (
    Accepted,
    AddressCheck,
    EmailChange,
    LoginForm,
    PasswordChange,
    PasswordReset,
    PasswordResetRequest,
    Token,
    UserCreate,
    UserPage,
    UserPrivate,
    UserProfile,
    UserPublic,
    UserUpdate,
)

router = APIRouter()

RESET_ON_ITS_WAY = (
    "if an account has this address, a mail with a link to reset its password is on its way"
)
ADDRESS_CHECK_ON_ITS_WAY = "a mail with a link that verifies your address is on its way"
CHANGE_ON_ITS_WAY = (
    "a mail with a link that confirms the change is on its way to the new address; your "
    "address changes once it is followed"
)


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


@router.post(
    "/auth/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={429: {"description": "Too many resets asked for this address, or from here"}},
)
def ask_for_password_reset(
    body: PasswordResetRequest,
    address: ClientAddress,
    settings: SettingsDep,
    db: Session = Depends(get_db),
) -> Accepted:
    """Mail a link that resets the password, if an account has this address. The answer is the
    same, and takes as long, whether or not one has: nobody learns who has an account."""
    service.request_password_reset(db, email=body.email, client_address=address, settings=settings)
    return Accepted(detail=RESET_ON_ITS_WAY)


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={400: {"description": "The link is invalid, expired or used already"}},
)
def reset_password(
    body: PasswordReset, settings: SettingsDep, db: Session = Depends(get_db)
) -> Response:
    """Set a new password with the token of a mailed link: every session of the account ends
    (its tokens and live streams), and the link stops working."""
    service.reset_password(db, token=body.token, new_password=body.new_password, settings=settings)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/password-reset/confirm", response_class=HTMLResponse, include_in_schema=False)
def password_reset_page(token: Annotated[str, Query(max_length=2000)] = "") -> HTMLResponse:
    """The page a mailed reset link opens: a form for the new password."""
    return pages.new_password_form(token)


@router.post("/auth/password-reset/form", response_class=HTMLResponse, include_in_schema=False)
def password_reset_form(
    token: Annotated[str, Form(max_length=2000)],
    new_password: Annotated[str, Form(max_length=1000)],
    settings: SettingsDep,
    db: Session = Depends(get_db),
) -> HTMLResponse:
    """What the page's form posts: the same reset as ``POST /auth/password-reset/confirm``."""
    try:
        reset = PasswordReset(token=token, new_password=new_password)
    except ValidationError:
        return pages.new_password_form(
            token, problem="The password must be 8 to 128 characters.", status_code=422
        )
    try:
        service.reset_password(
            db, token=reset.token, new_password=reset.new_password, settings=settings
        )
    except InvalidResetTokenError as error:
        return pages.outcome("This link no longer works", str(error), status_code=400)
    return pages.outcome("Password changed", "Sign in with your new password.")


@router.post(
    "/auth/verify-email",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={400: {"description": "The link is invalid, expired or outdated"}},
)
def verify_email(
    body: AddressCheck, settings: SettingsDep, db: Session = Depends(get_db)
) -> Response:
    """Verify an address with the token of a mailed link: the account's own, or the one it
    asked to change to, which then becomes its address."""
    service.verify_address(db, token=body.token, settings=settings)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/verify-email", response_class=HTMLResponse, include_in_schema=False)
def verify_email_page(token: Annotated[str, Query(max_length=2000)] = "") -> HTMLResponse:
    """The page a mailed address link opens: one button that confirms it."""
    return pages.address_check_form(token)


@router.post("/auth/verify-email/form", response_class=HTMLResponse, include_in_schema=False)
def verify_email_form(
    token: Annotated[str, Form(max_length=2000)],
    settings: SettingsDep,
    db: Session = Depends(get_db),
) -> HTMLResponse:
    """What the page's button posts: the same check as ``POST /auth/verify-email``."""
    try:
        service.verify_address(db, token=token, settings=settings)
    except InvalidAddressTokenError as error:
        return pages.outcome("This link no longer works", str(error), status_code=400)
    return pages.outcome("Address confirmed", "Thank you: your address is confirmed.")


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


@router.post(
    "/users/me/email/verification",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={
        **UNAUTHENTICATED,
        409: {"description": "The address is verified already"},
        429: {"description": "Too many asked for in the last hour"},
    },
)
def ask_for_address_check(
    caller: CurrentUser, settings: SettingsDep, db: Session = Depends(get_db)
) -> Accepted:
    """Mail a new link that verifies the caller's address (the one mailed at sign-up may be
    lost, or expired after two days)."""
    service.request_address_check(db, user=caller, settings=settings)
    return Accepted(detail=ADDRESS_CHECK_ON_ITS_WAY)


@router.patch(
    "/users/me/email",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={
        **UNAUTHENTICATED,
        403: {"description": "The current password is wrong"},
        429: {"description": "Too many changes asked for, by this account or to this address"},
    },
)
def change_my_email(
    body: EmailChange, caller: CurrentUser, settings: SettingsDep, db: Session = Depends(get_db)
) -> Accepted:
    """Move the account to a new address: it changes once the link mailed there is followed,
    and the current address is told. The answer is the same whether or not the new address
    has an account (its mail says so)."""
    service.change_email(
        db,
        user=caller,
        email=body.email,
        current_password=body.current_password,
        settings=settings,
    )
    return Accepted(detail=CHANGE_ON_ITS_WAY)


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
    response_model=UserProfile,
    responses={**UNAUTHENTICATED, 404: {"description": "No such user"}},
    dependencies=[ReadsFromReplica],
)
def read_user(
    user_id: uuid.UUID, caller: CurrentUser, db: Session = Depends(get_db)
) -> UserProfile:
    """A user's public profile, for signed-in people, with what other modules add to it
    (``extras``); one hidden from the caller (a block, either way) is 404, exactly as an
    account that does not exist."""
    user, extras = service.read_profile(db, user_id=user_id, viewer_id=caller.id)
    return UserProfile(**UserPublic.model_validate(user).model_dump(), extras=extras)

"""The users module's jobs: its work outside a request (``hobbymatch_jobs``), each a mail."""

import uuid

from sqlalchemy.orm import Session

from core import Platform, job
from modules.users import restrictions, service
from modules.users.settings import UsersSettings


@job("send_password_reset")
def send_password_reset(db: Session, email: str) -> None:
    """Mail ``email``'s account its reset link, if it has one (deferred by
    ``POST /auth/password-reset``)."""
    settings = Platform.of(db).settings_of(UsersSettings)
    service.send_password_reset(db, email=email, settings=settings)


@job("send_address_check")
def send_address_check(db: Session, user_id: str, address: str, current_address: str) -> None:
    """Mail ``address`` the link that verifies it for the account (deferred by a sign-up,
    ``POST /users/me/email/verification`` and ``PATCH /users/me/email``)."""
    settings = Platform.of(db).settings_of(UsersSettings)
    service.send_address_check(
        db,
        user_id=uuid.UUID(user_id),
        address=address,
        current_address=current_address,
        settings=settings,
    )


@job("tell_old_address")
def tell_old_address(db: Session, user_id: str, old_address: str, new_address: str) -> None:
    """Tell the account's current address that a change to ``new_address`` was asked for
    (deferred by ``PATCH /users/me/email``)."""
    service.tell_old_address(
        db, user_id=uuid.UUID(user_id), old_address=old_address, new_address=new_address
    )


@job("tell_restriction")
def tell_restriction(db: Session, user_id: str) -> None:
    """Mail the account's owner that a moderator suspended or banned it, and why (deferred by
    a moderator's action)."""
    restrictions.tell_restriction(db, user_id=uuid.UUID(user_id))

"""The users module's business errors; the core's handler turns each into its HTTP status."""

from collections.abc import Mapping
from typing import ClassVar

from core import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    TooManyRequestsError,
)


class EmailTakenError(ConflictError):
    """Another account already uses this email (compared case-insensitively)."""


class UserNotFoundError(NotFoundError):
    """No user has this id."""


class WrongPasswordError(PermissionDeniedError):
    """The current password given to change it is wrong."""


class NotAuthenticatedError(DomainError):
    """The request carries no valid token, or the login failed."""

    status_code = 401
    default_headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": "Bearer"}


class ThrottledError(TooManyRequestsError):
    """Too many recent attempts of one kind; retry after ``retry_after`` seconds (429)."""

    message: ClassVar[str] = "too many attempts; try again later"
    # Which limit refused, as hobbymatch_users_throttle_refusals_total counts it.
    limit: ClassVar[str]

    def __init__(self, retry_after: int) -> None:
        super().__init__(self.message, retry_after=retry_after)


class TooManyLoginAttemptsError(ThrottledError):
    """Too many failed logins for this account, from this address or in all, or from this
    address for any account."""

    message = "too many failed login attempts; try again later"
    limit = "login"


class TooManySignUpsError(ThrottledError):
    """Too many accounts created from this address in the last hour."""

    message = "too many accounts created from this address; try again later"
    limit = "sign_up"


class InvalidResetTokenError(DomainError):
    """A password-reset token that is forged, expired, used already, or outdated by a change
    of the password (400)."""


class TooManyPasswordResetsError(ThrottledError):
    """Too many password resets asked for this address, or from this client, in the last
    hour."""

    message = "too many password resets asked for; try again later"
    limit = "password_reset"


class InvalidAddressTokenError(DomainError):
    """A token to verify an address that is forged, expired, or outdated by a change of the
    address (400)."""


class EmailNotVerifiedError(PermissionDeniedError):
    """The caller must verify their address first (``require_verified_email``)."""


class AlreadyVerifiedError(ConflictError):
    """The caller's address is verified already: there is nothing to mail (409)."""


class SameEmailError(RuleViolationError):
    """The account already has the address it asks to change to (422)."""


class TooManyAddressMailsError(ThrottledError):
    """Too many mails checking an address asked for, by this account or to this address, in
    the last hour."""

    message = "too many address checks asked for; try again later"
    limit = "address_mail"


class UnknownRoleError(RuleViolationError):
    """No enabled module's permission names this role."""


class MissingPermissionError(PermissionDeniedError):
    """The caller holds no role with the permission this needs."""


class AccountRestrictedError(PermissionDeniedError):
    """The account is suspended, banned, or in review after reports: it cannot sign in."""

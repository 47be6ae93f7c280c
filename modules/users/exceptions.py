"""The users module's business errors; the core's handler turns each into its HTTP status."""

from collections.abc import Mapping
from typing import ClassVar

from core.exceptions import ConflictError, DomainError, NotFoundError, PermissionDeniedError


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


class TooManyLoginAttemptsError(DomainError):
    """Too many failed logins for this account or this address; retry after ``retry_after`` s."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too many failed login attempts; try again later",
            headers={"Retry-After": str(retry_after)},
        )

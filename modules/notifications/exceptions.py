"""The notifications module's errors; the core's handler turns each into its HTTP status."""

from collections.abc import Mapping
from typing import ClassVar

from core import DomainError, NotFoundError


class InvalidTicketError(DomainError):
    """The stream ticket is unknown, expired or already used."""

    status_code = 401
    default_headers: ClassVar[Mapping[str, str]] = {"WWW-Authenticate": "Bearer"}


class UnknownUnsubscribeLinkError(NotFoundError):
    """No digest carried this unsubscribe token (404)."""

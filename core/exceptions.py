"""Errors raised by the core.

``StartupError`` and its subclasses stop the process with one line (``str(error)``); they never
carry a password. ``DomainError`` is the base of every module's business errors: one handler in
:mod:`core.main` turns it into an HTTP response, so that services never raise ``HTTPException``.
"""

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class StartupError(Exception):
    """A problem that stops HobbyMatch from starting; its message is one line naming the cause."""


class SettingsError(StartupError):
    """A setting has an invalid value."""


class ModuleLoadError(StartupError):
    """A module cannot be discovered, ordered, imported or registered."""


class DatabaseUnavailableError(StartupError):
    """The database does not answer."""


class DomainError(Exception):
    """A business rule refused a request; subclasses set ``status_code``.

    :param detail: the human-readable reason, returned as ``{"detail": ...}``.
    :param headers: response headers, added to the class's ``default_headers``.
    :param extra: further JSON-serialisable fields added to the body (for example the id of
        the existing object on a conflict).
    """

    status_code: ClassVar[int] = 400
    default_headers: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.detail: str | list[dict[str, Any]] = detail
        self.headers = {**self.default_headers, **(headers or {})}
        self.extra = extra


class NotFoundError(DomainError):
    """The object asked for does not exist (or the caller may not know that it does)."""

    status_code = 404


class ConflictError(DomainError):
    """The request conflicts with the current state, for example a duplicate."""

    status_code = 409


class PermissionDeniedError(DomainError):
    """The caller is known but may not do this."""

    status_code = 403


class TooManyRequestsError(DomainError):
    """The caller did this as often as a limit allows: answered 429, with ``Retry-After``.

    :param retry_after: whole seconds until the caller may try again (at least 1).
    """

    status_code = 429

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, **extra)
        self.retry_after = max(1, retry_after)


class RuleViolationError(DomainError):
    """The request is well-formed but breaks a business rule.

    Answered with 422 and a ``detail`` shaped like FastAPI's validation errors, so that a client
    handles every 422 alike.

    :param message: what is wrong.
    :param loc: where, as in FastAPI's errors (for example ``("body", "skill_id")``).
    :param error_type: a short machine-readable kind.
    """

    status_code = 422

    def __init__(
        self, message: str, *, loc: Sequence[str | int] = ("body",), error_type: str = "value_error"
    ) -> None:
        super().__init__(message)
        self.detail = [{"type": error_type, "loc": list(loc), "msg": message}]

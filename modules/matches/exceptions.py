"""The matches module's business errors; the core's handler turns each into its HTTP status."""

from core.exceptions import ConflictError, NotFoundError, RuleViolationError


class RequestToSelfError(RuleViolationError):
    """A user asked to connect with themselves."""


class RequestExistsError(ConflictError):
    """A pending or accepted request already links the two users, in either direction."""


class RequestNotFoundError(NotFoundError):
    """No request with this id that the caller may act on (others' requests look missing)."""


class RequestNotPendingError(ConflictError):
    """The request was already answered."""


class NotConnectedError(NotFoundError):
    """The caller is not connected with this person."""

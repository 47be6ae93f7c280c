"""Business errors; the core's handler turns each into its HTTP status."""

from core import ConflictError, NotFoundError, RuleViolationError


class EventNotFoundError(NotFoundError):
    """No such event (or, for deletion, none organized by the caller)."""


class EventInPastError(RuleViolationError):
    """An event must start in the future."""


class AlreadyGoingError(ConflictError):
    """The caller already RSVPed."""


class NotGoingError(NotFoundError):
    """The caller has no RSVP to cancel."""

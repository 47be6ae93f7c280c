"""The meetups module's business errors; the core's handler turns each into its HTTP status."""

from core import ConflictError, NotFoundError, PermissionDeniedError, RuleViolationError


class MeetupNotFoundError(NotFoundError):
    """No meetup with this id that the caller may see (a block, or connections only)."""


class NotTheHostError(PermissionDeniedError):
    """Only the meetup's host may do this."""


class MeetupClosedError(ConflictError):
    """The meetup was cancelled, or has started or ended: its answers no longer change."""


class AlreadyHostingError(ConflictError):
    """The host is at their own meetup without answering."""


class NotAnsweredError(NotFoundError):
    """This person has not answered the meetup (or is hidden from the caller)."""


class CapacityBelowGoingError(ConflictError):
    """The capacity asked for is below the number already going."""


class NotEndedError(ConflictError):
    """Attendance is recorded only once the meetup has ended."""


class CheckInClosedError(ConflictError):
    """Checking in is open from 30 minutes before the start until the end."""


class WrongCheckInCodeError(PermissionDeniedError):
    """The code is not the one the host shows."""


class MeetupRuleError(RuleViolationError):
    """A meetup's time or skill breaks a rule the schema cannot state (422): a start in the
    past, an end before it, an unknown skill."""


class UnknownFeedError(NotFoundError):
    """No calendar feed has this token (it was replaced or deleted)."""

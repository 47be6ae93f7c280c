"""The blocks module's errors; the core's handler turns each into its HTTP status."""

from core import ConflictError, NotFoundError, RuleViolationError


class BlockingYourselfError(RuleViolationError):
    """A person cannot block themselves."""

    def __init__(self) -> None:
        super().__init__("you cannot block yourself", loc=("body", "user_id"), error_type="self")


class AlreadyBlockedError(ConflictError):
    """The caller already blocks this person."""


class TooManyBlocksError(RuleViolationError):
    """The caller blocks as many people as the setting allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"you can block at most {limit} people", loc=("body", "user_id"))


class NotBlockedError(NotFoundError):
    """The caller does not block this person."""

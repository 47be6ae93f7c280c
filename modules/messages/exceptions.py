"""The messages module's errors; the core's handler turns each into its HTTP status."""

from collections.abc import Sequence

from core.exceptions import DomainError, PermissionDeniedError, RuleViolationError


class NotConnectedError(PermissionDeniedError):
    """Only connected people write to each other."""

    def __init__(self) -> None:
        super().__init__("you can only write to people you are connected with")


class MessageToYourselfError(RuleViolationError):
    """A conversation needs two people."""

    def __init__(self, *, loc: Sequence[str] = ("body", "to_user_id")) -> None:
        super().__init__("you cannot write to yourself", loc=loc, error_type="self")


class TooManyMessagesError(DomainError):
    """The sender wrote as many messages as allowed in the last minute."""

    status_code = 429

    def __init__(self) -> None:
        super().__init__(
            "you are sending messages too fast; try again in a minute",
            headers={"Retry-After": "60"},
        )

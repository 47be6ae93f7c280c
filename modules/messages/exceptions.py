"""The messages module's errors; the core's handler turns each into its HTTP status."""

from core import NotFoundError, PermissionDeniedError, RuleViolationError, TooManyRequestsError


class NotConnectedError(PermissionDeniedError):
    """Only connected people write to each other."""

    def __init__(self) -> None:
        super().__init__("you can only write to people you are connected with")


class MessageToYourselfError(RuleViolationError):
    """A conversation needs two people."""

    def __init__(self) -> None:
        super().__init__(
            "you cannot write to yourself", loc=("body", "to_user_id"), error_type="self"
        )


class NoConversationWithYourselfError(NotFoundError):
    """There is no conversation between a person and themselves."""

    def __init__(self) -> None:
        super().__init__("there is no conversation with yourself")


class TooManyMessagesError(TooManyRequestsError):
    """The sender wrote as many messages as allowed in the last minute."""

    def __init__(self) -> None:
        super().__init__("you are sending messages too fast; try again in a minute", retry_after=60)


class MessageNotFoundError(NotFoundError):
    """No such message between the caller and someone else (or one hidden from them)."""

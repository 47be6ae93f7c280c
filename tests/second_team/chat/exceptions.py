"""The chat module's errors; the core's handler turns them into ``{"detail": ...}`` answers."""

from core.exceptions import PermissionDeniedError, RuleViolationError


class NotConnectedError(PermissionDeniedError):
    """The caller may write only to people they are connected with."""

    def __init__(self) -> None:
        super().__init__("You can only write to people you are connected with.")


class MessageToYourselfError(RuleViolationError):
    """A conversation needs two people."""

    def __init__(self, *, loc: tuple[str, ...] = ("body", "to_user_id")) -> None:
        super().__init__("You cannot write to yourself.", loc=loc, error_type="self_message")

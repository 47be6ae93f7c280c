"""The matches module's business errors; the core's handler turns each into its HTTP status."""

from datetime import datetime

from core import ConflictError, NotFoundError, RuleViolationError, TooManyRequestsError


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


class TooManyConnectionRequestsError(TooManyRequestsError):
    """The sender sent as many connection requests as allowed in 24 hours."""

    def __init__(self, *, until: datetime, retry_after: int) -> None:
        super().__init__(
            "you have sent as many connection requests as allowed in a day; you can send "
            f"another after {until.isoformat(timespec='seconds')}",
            retry_after=retry_after,
            ask_again_after=until.isoformat(timespec="seconds"),
        )


class RequestCooldownError(TooManyRequestsError):
    """The sender's last request to this person was declined or withdrawn too recently."""

    def __init__(self, *, declined: bool, until: datetime, retry_after: int) -> None:
        what = "this person declined your request" if declined else "you withdrew your request"
        super().__init__(
            f"{what}; you can ask them again after {until.isoformat(timespec='seconds')}",
            retry_after=retry_after,
            ask_again_after=until.isoformat(timespec="seconds"),
        )

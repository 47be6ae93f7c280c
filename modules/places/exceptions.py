"""The places module's errors; the core's handler turns each into its HTTP status."""

from core import NotFoundError, RuleViolationError, TooManyRequestsError


class NoPlaceError(NotFoundError):
    """The caller has not set a place."""

    def __init__(self) -> None:
        super().__init__("you have not set your place")


class PlaceNeededError(RuleViolationError):
    """``within_km`` needs the caller's own place."""

    def __init__(self) -> None:
        super().__init__(
            "within_km needs your own place: set it first with PUT /users/me/place",
            loc=("query", "within_km"),
            error_type="place_needed",
        )


class WithinKmError(RuleViolationError):
    """``within_km`` is not a distance this server answers for."""

    def __init__(self, largest: int) -> None:
        super().__init__(
            f"within_km must be a whole number of kilometres from 1 to {largest}",
            loc=("query", "within_km"),
        )


class TooManyPlaceChangesError(TooManyRequestsError):
    """The caller set their place as often as a day allows; retry after ``retry_after`` s."""

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            f"you may set your place {limit} times a day; try again later",
            retry_after=retry_after,
        )

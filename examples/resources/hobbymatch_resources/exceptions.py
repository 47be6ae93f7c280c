"""Business errors; the core's handler turns each into its HTTP status."""

from core import ConflictError, NotFoundError


class ResourceNotFoundError(NotFoundError):
    """No such resource (or, for deletion, none shared by the caller)."""


class AlreadyRecommendedError(ConflictError):
    """The caller already recommends this resource."""


class NotRecommendedError(NotFoundError):
    """The caller does not recommend this resource."""

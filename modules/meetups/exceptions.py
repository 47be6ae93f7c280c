"""Business errors; the core's handler turns each into its HTTP status."""

from core import NotFoundError


class ItemNotFoundError(NotFoundError):
    """No item with this id belongs to the caller (others' items look missing)."""

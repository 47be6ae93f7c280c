"""The references module's business errors; the core's handler turns each into its status."""

from core import ConflictError, NotFoundError, PermissionDeniedError, RuleViolationError


class NotMetError(PermissionDeniedError):
    """Only people who met write references: connected with messages both ways, or at a
    meetup together."""


class ReferenceExistsError(ConflictError):
    """The author wrote one about this person already (change it while it is hidden)."""


class ReferenceNotFoundError(NotFoundError):
    """No such reference of the caller's (or one hidden from the caller)."""


class RevealedError(ConflictError):
    """A revealed reference cannot change: nobody writes in answer to what they read."""


class ReferenceRuleError(RuleViolationError):
    """A reference about oneself, or of an unknown skill (422)."""

"""The skills module's business errors; the core's handler turns each into its HTTP status."""

from core import ConflictError, NotFoundError, RuleViolationError


class SkillNotFoundError(NotFoundError):
    """No skill of the catalog has this id."""


class SkillExistsError(ConflictError):
    """The catalog already has a skill whose name normalizes the same; ``skill_id`` names it."""


class SkillAlreadyListedError(ConflictError):
    """The skill is already in the user's list."""


class SkillNotListedError(NotFoundError):
    """The skill is not in the user's list."""


class SkillListFullError(RuleViolationError):
    """The user's list already holds the most skills allowed."""

"""The moderation module's business errors; the core's handler turns each into its status."""

from core import ConflictError, NotFoundError, PermissionDeniedError, RuleViolationError


class ReportRuleError(RuleViolationError):
    """A report of oneself or of one's own content, or a resolution missing its days (422)."""


class AlreadyReportedError(ConflictError):
    """The caller reported this subject already, and it is still open."""


class ReportNotFoundError(NotFoundError):
    """No such report (or one about the moderator asking)."""


class ResolvedAlreadyError(ConflictError):
    """The report was resolved already."""


class OwnReportError(PermissionDeniedError):
    """A moderator does not decide a report about themselves."""

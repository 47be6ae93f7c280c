"""The moderation module's business errors; the core's handler turns each into its status."""

from core import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    TooManyRequestsError,
)


class ReportRuleError(RuleViolationError):
    """A report of oneself or of one's own content, an id not of the subject's kind, or a
    person "hidden" (a person is suspended or banned) (422)."""


class AlreadyReportedError(ConflictError):
    """The caller reported this subject already, and it is still open."""


class ReportNotFoundError(NotFoundError):
    """No such report."""


class NotRestrictedError(NotFoundError):
    """No account with this id is suspended, banned or in review."""


class TooManyReportsError(TooManyRequestsError):
    """The reporter filed as many reports as a day allows."""


class ResolvedAlreadyError(ConflictError):
    """The report was resolved already."""


class OwnReportError(PermissionDeniedError):
    """A moderator does not decide a report about themselves, nor one they filed."""

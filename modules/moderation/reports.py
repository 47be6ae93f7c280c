"""Filing reports: a signed-in person (with a verified address, when the users module asks
for one) reports a person, a message, a meetup or a reference they can see, with a reason
from a list, up to ``HOBBYMATCH_MODERATION_REPORTS_PER_DAY`` a day. The evidence is kept as
the subject was then, and the subject's owner never learns who reported. Reports of one
subject by several established people within a window hide it until a moderator decides
(``HOBBYMATCH_MODERATION_AUTO_HIDE_*``)."""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import PageParams, Platform, fetch_page, now, serialize_on
from modules.moderation import subjects
from modules.moderation.audit import record_action
from modules.moderation.exceptions import (
    AlreadyReportedError,
    ReportRuleError,
    TooManyReportsError,
)
from modules.moderation.models import (
    REVIEW_PERMISSION,
    Action,
    Report,
    ReportStatus,
    SubjectKind,
)
from modules.moderation.schemas import ReportCreate
from modules.moderation.settings import ModerationSettings
from modules.users import holds_permission, users_by_id

DAY = timedelta(days=1)


def file_report(db: Session, *, reporter_id: uuid.UUID, data: ReportCreate) -> Report:
    """File ``reporter_id``'s report, keeping the subject's evidence as it is now; hide the
    subject when enough different people reported it within the window.

    :raises ReportRuleError: a malformed id, or a report of oneself or of one's own content.
    :raises NotFoundError: no such subject, or one the reporter may not see.
    :raises TooManyReportsError: they filed as many reports as a day allows.
    :raises AlreadyReportedError: they reported it already, and it is still open.
    """
    settings = Platform.of(db).settings_of(ModerationSettings)
    subject_id = subjects.normalized_id(data.subject, str(data.id))
    found = subjects.reported(db, kind=data.subject, subject_id=subject_id, reporter_id=reporter_id)
    if found.owner_id == reporter_id:
        raise ReportRuleError("you cannot report yourself, nor what you wrote", loc=("body", "id"))
    serialize_on(db, f"moderation.reporter:{reporter_id}")
    _refuse_over_limit(db, reporter_id, settings.reports_per_day)
    serialize_on(db, f"moderation.subject:{data.subject}:{subject_id}")
    if open_reports(db, data.subject, subject_id, reporter_id=reporter_id):
        raise AlreadyReportedError("you reported this already: moderators will look at it")
    report = Report(
        reporter_id=reporter_id,
        subject_kind=data.subject,
        subject_id=subject_id,
        owner_id=found.owner_id,
        reason=data.reason,
        details=data.details or "",
        evidence=found.evidence,
        created_at=now(db),
    )
    db.add(report)
    db.flush()
    _hide_when_reported_enough(db, report, settings)
    db.commit()
    return report


def reports_by(
    db: Session, *, reporter_id: uuid.UUID, page: PageParams
) -> tuple[list[Report], int]:
    """One page of the reports ``reporter_id`` filed, newest first, and how many."""
    statement = select(Report).where(Report.reporter_id == reporter_id).order_by(Report.id.desc())
    return fetch_page(db, statement, page)


def open_reports(
    db: Session, kind: str, subject_id: str, *, reporter_id: uuid.UUID | None = None
) -> list[Report]:
    """The subject's open reports (``reporter_id``'s only, if given), oldest first."""
    statement = select(Report).where(
        Report.subject_kind == kind,
        Report.subject_id == subject_id,
        Report.status == ReportStatus.OPEN,
    )
    if reporter_id is not None:
        statement = statement.where(Report.reporter_id == reporter_id)
    return list(db.scalars(statement.order_by(Report.id)))


def _refuse_over_limit(db: Session, reporter_id: uuid.UUID, limit: int) -> None:
    # Counted under the reporter's lock, so that parallel reports cannot pass it together.
    filed = db.scalars(
        select(Report.created_at)
        .where(Report.reporter_id == reporter_id, Report.created_at > now(db) - DAY)
        .order_by(Report.created_at)
    ).all()
    if len(filed) >= limit:
        wait = filed[len(filed) - limit] + DAY - now(db)
        raise TooManyReportsError(
            f"you filed {limit} reports in a day, as many as allowed; moderators are on them",
            retry_after=int(wait.total_seconds()) + 1,
        )


def _hide_when_reported_enough(db: Session, report: Report, settings: ModerationSettings) -> None:
    # Exactly at the threshold, so that the subject is hidden once per round of reports
    # (serialized on the subject: two reports cannot both see one too few). Only established
    # people count, so that accounts made for it cannot hide anyone; a moderator is never
    # hidden this way.
    if not settings.auto_hide_reports or holds_permission(
        db, user_id=report.owner_id, permission=REVIEW_PERMISSION
    ):
        return
    recent = [
        item
        for item in open_reports(db, report.subject_kind, report.subject_id)
        if item.created_at >= now(db) - timedelta(hours=settings.auto_hide_hours)
    ]
    counted = _established(db, recent, settings.auto_hide_min_account_days)
    if report.reporter_id not in counted or len(counted) != settings.auto_hide_reports:
        return
    kind = SubjectKind(report.subject_kind)
    subjects.set_hidden(db, kind=kind, subject_id=report.subject_id, hidden=True)
    record_action(
        db,
        moderator_id=None,
        action=Action.AUTO_HIDE,
        kind=kind,
        subject_id=report.subject_id,
        owner_id=report.owner_id,
        report_ids=[item.id for item in recent if item.reporter_id in counted],
        note=f"{len(counted)} people reported it within {settings.auto_hide_hours} hours",
    )


def _established(db: Session, reports: list[Report], min_days: int) -> set[uuid.UUID]:
    # The reporters of ``reports`` with a verified address and an account old enough.
    cutoff = now(db) - timedelta(days=min_days)
    reporters = users_by_id(db, (r.reporter_id for r in reports if r.reporter_id is not None))
    return {
        user.id for user in reporters.values() if user.email_verified and user.created_at <= cutoff
    }

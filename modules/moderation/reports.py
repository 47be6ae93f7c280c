"""Filing reports: anyone signed in reports a person, a message, a meetup or a reference they
can see, with a reason from a list. The evidence is kept as the subject was then, and the
subject's owner never learns who reported. Reports of one subject by several people within
a window hide it until a moderator decides (``HOBBYMATCH_MODERATION_AUTO_HIDE_*``)."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import PageParams, Platform, now, serialize_on
from modules.moderation import subjects
from modules.moderation.audit import record_action
from modules.moderation.exceptions import AlreadyReportedError, ReportRuleError
from modules.moderation.models import Action, Report, ReportStatus, SubjectKind
from modules.moderation.schemas import ReportCreate
from modules.moderation.settings import ModerationSettings


def file_report(db: Session, *, reporter_id: uuid.UUID, data: ReportCreate) -> Report:
    """File ``reporter_id``'s report, keeping the subject's evidence as it is now; hide the
    subject when enough different people reported it within the window.

    :raises ReportRuleError: a malformed id, or a report of oneself or of one's own content.
    :raises NotFoundError: no such subject, or one the reporter may not see.
    :raises AlreadyReportedError: they reported it already, and it is still open.
    """
    subject_id = subjects.normalized_id(data.subject, data.id)
    found = subjects.reported(db, kind=data.subject, subject_id=subject_id, reporter_id=reporter_id)
    if found.owner_id == reporter_id:
        raise ReportRuleError("you cannot report yourself, nor what you wrote", loc=("body", "id"))
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
    _hide_when_reported_enough(db, report)
    db.commit()
    return report


def reports_by(
    db: Session, *, reporter_id: uuid.UUID, page: PageParams
) -> tuple[list[Report], int]:
    """One page of the reports ``reporter_id`` filed, newest first, and how many."""
    theirs = Report.reporter_id == reporter_id
    total = db.scalar(select(func.count()).where(theirs)) or 0
    found = db.scalars(
        select(Report)
        .where(theirs)
        .order_by(Report.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return list(found), total


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


def _hide_when_reported_enough(db: Session, report: Report) -> None:
    # Exactly at the threshold, so that the subject is hidden once per round of reports
    # (serialized on the subject: two reports cannot both see one too few).
    settings = Platform.of(db).settings_of(ModerationSettings)
    if not settings.auto_hide_reports:
        return
    since = now(db) - timedelta(hours=settings.auto_hide_hours)
    recent = [
        item
        for item in open_reports(db, report.subject_kind, report.subject_id)
        if item.created_at >= since
    ]
    if len({item.reporter_id for item in recent}) != settings.auto_hide_reports:
        return
    kind = SubjectKind(report.subject_kind)
    subjects.set_hidden(db, kind=kind, subject_id=report.subject_id, hidden=True)
    record_action(
        db,
        moderator_id=None,
        action=Action.AUTO_HIDE,
        reports=recent,
        note=f"{len(recent)} people reported it within {settings.auto_hide_hours} hours",
    )

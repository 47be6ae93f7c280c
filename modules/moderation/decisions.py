"""What moderators do: read the queue of reports, resolve one (dismiss, hide, suspend, ban),
and read the audit log, where every action lands and stays as it was.

Resolving a report resolves every open report of its subject. A suspension or a ban hides
the reported content, and restricts its owner's account through the users module (hidden,
signed out, told the reason by mail); the owner is also notified. A moderator never decides
a report about themselves, nor sees one in the queue."""

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import PageParams, now, serialize_on
from modules.moderation import subjects
from modules.moderation.audit import record_action
from modules.moderation.exceptions import (
    OwnReportError,
    ReportNotFoundError,
    ResolvedAlreadyError,
)
from modules.moderation.models import Action, AuditEntry, Report, ReportStatus, SubjectKind
from modules.moderation.reports import open_reports
from modules.moderation.schemas import Resolution
from modules.notifications import notify
from modules.users import Restriction, restrict_user


def queue(
    db: Session, *, moderator_id: uuid.UUID, status: ReportStatus, page: PageParams
) -> tuple[list[Report], int]:
    """One page of the reports with ``status``, oldest first, and how many: without those
    about the moderator."""
    shown = (Report.status == status) & (Report.owner_id != moderator_id)
    total = db.scalar(select(func.count()).where(shown)) or 0
    found = db.scalars(
        select(Report).where(shown).order_by(Report.id).offset(page.offset).limit(page.limit)
    ).all()
    return list(found), total


def resolve(
    db: Session, *, moderator_id: uuid.UUID, report_id: int, resolution: Resolution
) -> Report:
    """Act on the report's subject, resolve every open report of it, log the action.

    :raises ReportNotFoundError: no such report.
    :raises OwnReportError: the report is about the moderator.
    :raises ResolvedAlreadyError: it was resolved already.
    """
    report = db.get(Report, report_id)
    if report is None:
        raise ReportNotFoundError("report not found")
    # One decision at a time per subject: two moderators resolving two of its reports at
    # once would both act on it. Read the report again under that lock.
    serialize_on(db, f"moderation.subject:{report.subject_kind}:{report.subject_id}")
    db.refresh(report)
    if report.owner_id == moderator_id:
        raise OwnReportError("another moderator decides the reports about you")
    if report.status != ReportStatus.OPEN:
        raise ResolvedAlreadyError("this report was resolved already")
    kind = SubjectKind(report.subject_kind)
    reports = open_reports(db, kind, report.subject_id)
    _act(db, report, kind, resolution, auto_hidden=_auto_hidden(db, reports))
    for item in reports:
        item.status = ReportStatus.RESOLVED
        item.resolved_at = now(db)
        item.resolution = resolution.action
    record_action(
        db,
        moderator_id=moderator_id,
        action=resolution.action,
        reports=reports,
        days=resolution.days,
        note=resolution.note or "",
    )
    db.commit()
    return report


def _act(
    db: Session, report: Report, kind: SubjectKind, resolution: Resolution, *, auto_hidden: bool
) -> None:
    if resolution.action == Action.DISMISS:
        if auto_hidden:
            subjects.set_hidden(db, kind=kind, subject_id=report.subject_id, hidden=False)
        return
    if resolution.action == Action.HIDE or kind != SubjectKind.USER:
        subjects.set_hidden(db, kind=kind, subject_id=report.subject_id, hidden=True)
    if resolution.action != Action.HIDE:
        _restrict_owner(db, report, resolution)


def _restrict_owner(db: Session, report: Report, resolution: Resolution) -> None:
    reason = f"reported for {report.reason.replace('_', ' ')}"
    if resolution.note:
        reason = f"{reason}: {resolution.note}"
    if resolution.action == Action.SUSPEND:
        restriction, until = Restriction.SUSPENDED, now(db) + timedelta(days=resolution.days or 0)
    else:
        restriction, until = Restriction.BANNED, None
    restrict_user(db, user_id=report.owner_id, restriction=restriction, reason=reason, until=until)
    notify(
        db,
        user_id=report.owner_id,
        kind=f"moderation.{restriction}",
        actor_id=report.owner_id,
        subject_id=report.id,
    )


def _auto_hidden(db: Session, reports: list[Report]) -> bool:
    # Whether reports of this round hid the subject on their own (the round's oldest open
    # report is among an automatic hiding's).
    if not reports:
        return False
    entries = db.scalars(
        select(AuditEntry.report_ids).where(
            AuditEntry.action == Action.AUTO_HIDE,
            AuditEntry.subject_kind == reports[0].subject_kind,
            AuditEntry.subject_id == reports[0].subject_id,
        )
    ).all()
    ids = {item.id for item in reports}
    return any(ids & set(entry) for entry in entries)

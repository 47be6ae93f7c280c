"""What moderators do: read the queue of reports, resolve one (dismiss, hide, suspend, ban),
lift an account's restriction, and read the audit log, where every action lands and stays
as it was.

Resolving a report resolves every open report of its subject. A suspension or a ban hides
the reported content, and restricts its owner's account through the users module (hidden,
signed out, refused at sign-in with the reason, mailed it) and notifies them; a
restriction never gives way to a milder one. A moderator never decides a report about
themselves or one they filed, nor sees one in the queue."""

import uuid
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import PageParams, fetch_page, now, serialize_on
from modules.moderation import subjects
from modules.moderation.audit import record_action
from modules.moderation.exceptions import (
    NotRestrictedError,
    OwnReportError,
    ReportNotFoundError,
    ReportRuleError,
    ResolvedAlreadyError,
)
from modules.moderation.models import Action, AuditEntry, Report, ReportStatus, SubjectKind
from modules.moderation.reports import open_reports
from modules.moderation.schemas import Resolution
from modules.notifications import notify
from modules.users import Restriction, lift_restriction, restrict_user, users_by_id


def queue(
    db: Session, *, moderator_id: uuid.UUID, status: ReportStatus, page: PageParams
) -> tuple[list[Report], int]:
    """One page of the reports with ``status``, oldest first, and how many: without those
    about the moderator or filed by them."""
    statement = (
        select(Report)
        .where(
            Report.status == status,
            Report.owner_id != moderator_id,
            or_(Report.reporter_id.is_(None), Report.reporter_id != moderator_id),
        )
        .order_by(Report.id)
    )
    return fetch_page(db, statement, page)


def resolve(
    db: Session, *, moderator_id: uuid.UUID, report_id: int, resolution: Resolution
) -> Report:
    """Act on the report's subject, resolve every open report of it, log the action.

    :raises ReportNotFoundError: no such report.
    :raises OwnReportError: the report is about the moderator, or they filed one of it.
    :raises ResolvedAlreadyError: it was resolved already.
    :raises ReportRuleError: ``hide`` for a person (who is suspended or banned instead).
    """
    report = db.get(Report, report_id)
    if report is None:
        raise ReportNotFoundError("report not found")
    # One decision at a time per subject: two moderators resolving two of its reports at
    # once would both act on it. Read the report again under that lock.
    serialize_on(db, f"moderation.subject:{report.subject_kind}:{report.subject_id}")
    db.refresh(report)
    kind = SubjectKind(report.subject_kind)
    reports = open_reports(db, kind, report.subject_id)
    _refuse(report, reports, moderator_id, resolution)
    note = _act(db, report, kind, resolution, auto_hidden=_auto_hidden(db, reports))
    for item in reports:
        item.status = ReportStatus.RESOLVED
        item.resolved_at = now(db)
        item.resolution = resolution.action
    record_action(
        db,
        moderator_id=moderator_id,
        action=Action(resolution.action),
        kind=kind,
        subject_id=report.subject_id,
        owner_id=report.owner_id,
        report_ids=[item.id for item in reports],
        days=resolution.days,
        note=note,
    )
    db.commit()
    return report


def lift(db: Session, *, moderator_id: uuid.UUID, user_id: uuid.UUID, note: str) -> AuditEntry:
    """End the suspension, ban or review of ``user_id``'s account (an appeal upheld), and log
    it.

    :raises NotRestrictedError: no restricted account has this id.
    :raises OwnReportError: it is the moderator's own account.
    """
    if user_id == moderator_id:
        raise OwnReportError("another moderator decides about your account")
    if not lift_restriction(db, user_id=user_id):
        raise NotRestrictedError("no suspended, banned or reviewed account has this id")
    entry = record_action(
        db,
        moderator_id=moderator_id,
        action=Action.LIFT,
        kind=SubjectKind.USER,
        subject_id=str(user_id),
        owner_id=user_id,
        report_ids=[],
        note=note,
    )
    db.commit()
    return entry


def _refuse(
    report: Report, reports: list[Report], moderator_id: uuid.UUID, resolution: Resolution
) -> None:
    if report.owner_id == moderator_id:
        raise OwnReportError("another moderator decides the reports about you")
    if any(item.reporter_id == moderator_id for item in reports):
        raise OwnReportError("another moderator decides what you reported")
    if report.status != ReportStatus.OPEN:
        raise ResolvedAlreadyError("this report was resolved already")
    if resolution.action == "hide" and report.subject_kind == SubjectKind.USER:
        raise ReportRuleError("a person is not hidden: suspend or ban them", loc=("body", "action"))


def _act(
    db: Session, report: Report, kind: SubjectKind, resolution: Resolution, *, auto_hidden: bool
) -> str:
    # Apply the decision; the note for the audit log.
    note = resolution.note or ""
    if resolution.action == "dismiss":
        if auto_hidden:
            subjects.set_hidden(db, kind=kind, subject_id=report.subject_id, hidden=False)
        return note
    if kind != SubjectKind.USER:
        subjects.set_hidden(db, kind=kind, subject_id=report.subject_id, hidden=True)
    if resolution.action == "hide":
        return note
    if report.owner_id not in users_by_id(db, [report.owner_id]):
        return f"{note} (the account is gone: nothing to restrict)".lstrip()
    _restrict_owner(db, report, resolution)
    return note


def _restrict_owner(db: Session, report: Report, resolution: Resolution) -> None:
    reason = f"reported for {report.reason.replace('_', ' ')}"
    if resolution.note:
        reason = f"{reason}: {resolution.note}"
    if resolution.days is not None:
        restriction, until = Restriction.SUSPENDED, now(db) + timedelta(days=resolution.days)
    else:
        restriction, until = Restriction.BANNED, None
    restrict_user(db, user_id=report.owner_id, restriction=restriction, reason=reason, until=until)
    notify(
        db,
        user_id=report.owner_id,
        kind=f"moderation.{restriction}",
        actor_id=report.owner_id,
        subject_id=report.owner_id,
    )


def _auto_hidden(db: Session, reports: list[Report]) -> bool:
    # Whether reports of this round hid the subject on their own (an automatic hiding names
    # one of them).
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

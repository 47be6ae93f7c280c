"""The audit log: every moderation action, appended as it was taken and never changed."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import PageParams, now
from modules.moderation.models import Action, AuditEntry, Report


def record_action(
    db: Session,
    *,
    moderator_id: uuid.UUID | None,
    action: Action,
    reports: list[Report],
    days: int | None = None,
    note: str = "",
) -> None:
    """Append the action taken on the subject of ``reports`` (``moderator_id`` ``None`` when
    the platform acted on its own), in the caller's transaction."""
    first = reports[0]
    db.add(
        AuditEntry(
            at=now(db),
            moderator_id=moderator_id,
            action=action,
            subject_kind=first.subject_kind,
            subject_id=first.subject_id,
            owner_id=first.owner_id,
            report_ids=[report.id for report in reports],
            days=days,
            note=note,
        )
    )


def audit_log(db: Session, *, page: PageParams) -> tuple[list[AuditEntry], int]:
    """One page of the audit log, newest first, and how many entries it has."""
    total = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    found = db.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).offset(page.offset).limit(page.limit)
    ).all()
    return list(found), total

"""The audit log: every moderation action, appended as it was taken and never changed."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import PageParams, fetch_page, now
from modules.moderation.models import Action, AuditEntry, SubjectKind


def record_action(
    db: Session,
    *,
    moderator_id: uuid.UUID | None,
    action: Action,
    kind: SubjectKind,
    subject_id: str,
    owner_id: uuid.UUID,
    report_ids: list[int],
    days: int | None = None,
    note: str = "",
) -> AuditEntry:
    """Append an action taken on a subject (``moderator_id`` ``None`` when the platform acted
    on its own, after reports), in the caller's transaction; the entry."""
    entry = AuditEntry(
        at=now(db),
        moderator_id=moderator_id,
        action=action,
        subject_kind=kind,
        subject_id=subject_id,
        owner_id=owner_id,
        report_ids=report_ids,
        days=days,
        note=note,
    )
    db.add(entry)
    return entry


def audit_log(db: Session, *, page: PageParams) -> tuple[list[AuditEntry], int]:
    """One page of the audit log, newest first, and how many entries it has."""
    return fetch_page(db, select(AuditEntry).order_by(AuditEntry.id.desc()), page)

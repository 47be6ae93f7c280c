"""``/reports`` and ``/moderation``: a thin layer over the reports and the decisions."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID, Pagination, get_db
from modules.moderation import audit, decisions, reports
from modules.moderation.models import REVIEW_PERMISSION, ReportStatus
from modules.moderation.schemas import (
    AuditEntryOut,
    AuditPage,
    Lifting,
    ReceiptPage,
    ReportCreate,
    ReportOut,
    ReportPage,
    ReportReceipt,
    Resolution,
)
from modules.users import (
    NOT_PERMITTED,
    UNAUTHENTICATED,
    UNVERIFIED,
    CurrentUser,
    User,
    VerifiedUser,
    permitted,
)

router = APIRouter()

Moderator = Annotated[User, Depends(permitted(REVIEW_PERMISSION))]
ReportId = Annotated[int, Path(ge=1, le=MAX_INTEGER_ID)]


@router.post(
    "/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportReceipt,
    responses={
        **UNVERIFIED,
        404: {"description": "No such subject, or one you cannot see"},
        409: {"description": "You reported it already, and it is still open"},
        429: {"description": "As many reports in a day as allowed"},
    },
)
def file_report(
    body: ReportCreate, caller: VerifiedUser, db: Session = Depends(get_db)
) -> ReportReceipt:
    """Report a person, a message, a meetup or a reference to the moderators. They never
    tell the person who reported; what it showed is kept as evidence."""
    return ReportReceipt.model_validate(reports.file_report(db, reporter_id=caller.id, data=body))


@router.get("/reports", response_model=ReceiptPage, responses=UNAUTHENTICATED)
def my_reports(caller: CurrentUser, page: Pagination, db: Session = Depends(get_db)) -> ReceiptPage:
    """The reports you filed, newest first, with their status."""
    found, total = reports.reports_by(db, reporter_id=caller.id, page=page)
    items = [ReportReceipt.model_validate(report) for report in found]
    return ReceiptPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/moderation/reports", response_model=ReportPage, responses=NOT_PERMITTED)
def report_queue(
    moderator: Moderator,
    page: Pagination,
    report_status: Annotated[ReportStatus, Query(alias="status")] = ReportStatus.OPEN,
    db: Session = Depends(get_db),
) -> ReportPage:
    """The reports with a status (open by default), oldest first, with their evidence
    (moderators only)."""
    found, total = decisions.queue(db, moderator_id=moderator.id, status=report_status, page=page)
    items = [ReportOut.model_validate(report) for report in found]
    return ReportPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/moderation/reports/{report_id}/resolve",
    response_model=ReportOut,
    responses={
        **NOT_PERMITTED,
        403: {"description": "Not a moderator, or a report about you or filed by you"},
        404: {"description": "No such report"},
        409: {"description": "It was resolved already"},
    },
)
def resolve_report(
    report_id: ReportId, body: Resolution, moderator: Moderator, db: Session = Depends(get_db)
) -> ReportOut:
    """Decide a report, and with it every open report of its subject: ``dismiss``, ``hide``,
    ``suspend`` (with ``days``) or ``ban`` (moderators only). Logged in the audit log."""
    report = decisions.resolve(db, moderator_id=moderator.id, report_id=report_id, resolution=body)
    return ReportOut.model_validate(report)


@router.get("/moderation/audit", response_model=AuditPage, responses=NOT_PERMITTED)
def audit_log(moderator: Moderator, page: Pagination, db: Session = Depends(get_db)) -> AuditPage:
    """Every moderation action, newest first; entries never change (moderators only)."""
    found, total = audit.audit_log(db, page=page)
    items = [AuditEntryOut.model_validate(entry) for entry in found]
    return AuditPage(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/moderation/users/{user_id}/lift",
    response_model=AuditEntryOut,
    responses={
        **NOT_PERMITTED,
        404: {"description": "No suspended, banned or reviewed account has this id"},
    },
)
def lift_restriction(
    user_id: uuid.UUID, body: Lifting, moderator: Moderator, db: Session = Depends(get_db)
) -> AuditEntryOut:
    """End an account's suspension, ban or review (an appeal upheld): it may sign in again
    (moderators only). Logged in the audit log."""
    entry = decisions.lift(db, moderator_id=moderator.id, user_id=user_id, note=body.note or "")
    return AuditEntryOut.model_validate(entry)

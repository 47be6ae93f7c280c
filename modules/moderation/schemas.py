"""The moderation module's request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core import MAX_INTEGER_ID, Page, StrictBody, TrimmedTo
from modules.moderation.models import (
    MAX_DETAILS_LENGTH,
    MAX_NOTE_LENGTH,
    Action,
    Reason,
    SubjectKind,
)

MAX_SUSPENSION_DAYS = 365


class ReportCreate(StrictBody):
    """``POST /reports``: what is reported, and why. ``id`` is a user's id (a UUID) or a
    message's, meetup's or reference's number."""

    subject: SubjectKind
    id: (
        Annotated[int, Field(ge=1, le=MAX_INTEGER_ID)]
        | Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Fa-f-]{1,40}$")]
    )
    reason: Reason
    details: Annotated[str, TrimmedTo(MAX_DETAILS_LENGTH)] | None = None


class ReportReceipt(BaseModel):
    """A report, as its reporter sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: SubjectKind = Field(validation_alias="subject_kind")
    subject_id: str
    reason: Reason
    status: str
    created_at: datetime


class ReceiptPage(Page[ReportReceipt]):
    """A page of the reports you filed, newest first."""


class ReportOut(ReportReceipt):
    """A report, as a moderator sees it: with the reporter and the evidence kept."""

    reporter_id: uuid.UUID | None = Field(description="null once the reporter's account is gone")
    owner_id: uuid.UUID = Field(description="Whose the subject is: who a suspension applies to")
    details: str
    evidence: dict[str, Any]
    resolved_at: datetime | None
    resolution: Action | None


class ReportPage(Page[ReportOut]):
    """A page of reports, oldest first (the queue's order)."""


Decision = Literal["dismiss", "hide", "suspend", "ban"]


class Resolution(StrictBody):
    """``POST /moderation/reports/{id}/resolve``: what to do about the subject. ``dismiss``
    (nothing wrong: a hiding by reports is undone), ``hide`` (content only: it is gone for
    everyone), ``suspend`` (the content hidden, its owner's account suspended for ``days``),
    ``ban`` (the content hidden, the account banned). ``note`` is told to the owner of a
    suspended or banned account, with the report's reason."""

    action: Decision
    days: Annotated[int, Field(ge=1, le=MAX_SUSPENSION_DAYS)] | None = Field(
        default=None, validate_default=True
    )
    note: Annotated[str, TrimmedTo(MAX_NOTE_LENGTH)] | None = None

    @field_validator("days")
    @classmethod
    def _days_with_suspend_only(cls, days: int | None, info: ValidationInfo) -> int | None:
        action = info.data.get("action")
        if action is not None and (action == Action.SUSPEND) != (days is not None):
            raise ValueError("days is required with suspend, and only with it")
        return days


class Lifting(StrictBody):
    """``POST /moderation/users/{id}/lift``: why the restriction ends (an appeal upheld)."""

    note: Annotated[str, TrimmedTo(MAX_NOTE_LENGTH)] | None = None


class AuditEntryOut(BaseModel):
    """One entry of the audit log."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    moderator_id: uuid.UUID | None = Field(description="null when several reports acted")
    action: Action
    subject: SubjectKind = Field(validation_alias="subject_kind")
    subject_id: str
    owner_id: uuid.UUID
    report_ids: list[int]
    days: int | None
    note: str


class AuditPage(Page[AuditEntryOut]):
    """A page of the audit log, newest first."""

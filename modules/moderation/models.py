"""The moderation module's tables: reports, and the append-only log of what was done."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Connection, ForeignKey, Index, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column

from core import Base, UtcDateTime, utc_now
from modules.users import User

# The permission that reading the queue and deciding reports need, held by the role moderator.
REVIEW_PERMISSION = "moderation.review"
MODERATOR_ROLE = "moderator"

MAX_DETAILS_LENGTH = 2000
MAX_NOTE_LENGTH = 500


class SubjectKind(StrEnum):
    """What a report is about."""

    USER = "user"
    MESSAGE = "message"
    MEETUP = "meetup"
    REFERENCE = "reference"


class Reason(StrEnum):
    """Why it is reported."""

    SPAM = "spam"
    HARASSMENT = "harassment"
    HATE = "hate"
    SEXUAL_CONTENT = "sexual_content"
    VIOLENCE = "violence"
    SCAM = "scam"
    IMPERSONATION = "impersonation"
    UNDERAGE = "underage"
    UNSAFE_MEETING = "unsafe_meeting"
    OTHER = "other"


class ReportStatus(StrEnum):
    """Open until a moderator resolves it."""

    OPEN = "open"
    RESOLVED = "resolved"


class Action(StrEnum):
    """What a moderator decides about a report (the first four), lifts (``lift``), or the
    platform did on its own after reports (``auto_hide``)."""

    DISMISS = "dismiss"
    HIDE = "hide"
    SUSPEND = "suspend"
    BAN = "ban"
    LIFT = "lift"
    AUTO_HIDE = "auto_hide"


class Report(Base):
    """``reporter_id``'s report of a subject, with the evidence as it was when reported. The
    subject's owner (the person, a message's sender, a meetup's host, a reference's author)
    never learns who reported. Kept when either account is deleted: the reporter's id is
    then cleared, the subject's kept as it was."""

    __tablename__ = "moderation_reports"
    __table_args__ = (
        Index("ix_moderation_reports_status_id", "status", "id"),
        Index("ix_moderation_reports_subject", "subject_kind", "subject_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(User.id, ondelete="SET NULL"), index=True
    )
    subject_kind: Mapped[str] = mapped_column(String(12))
    # The subject's id as text: a user's UUID or a message's, meetup's or reference's number.
    subject_id: Mapped[str] = mapped_column(String(40))
    # Whose the subject is: who a suspension or a ban applies to. No foreign key: the
    # report outlives the account.
    owner_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=ReportStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolution: Mapped[str | None] = mapped_column(String(12))


class AuditEntry(Base):
    """One moderation action, as it was taken: never changed (the database refuses it), and
    kept when the accounts it names are deleted (no foreign keys)."""

    __tablename__ = "moderation_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now)
    # None when the platform acted on its own (several reports hid the subject).
    moderator_id: Mapped[uuid.UUID | None] = mapped_column()
    action: Mapped[str] = mapped_column(String(12))
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    report_ids: Mapped[list[int]] = mapped_column(JSON)
    days: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(MAX_NOTE_LENGTH), default="")


# The database itself refuses to change an entry, on both backends (deleting old entries
# stays possible, for a retention policy). The migration runs the same statements.
APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE ON moderation_audit
        BEGIN SELECT RAISE(ABORT, 'the moderation audit log is append-only'); END"""
    ],
    "postgresql": [
        """CREATE OR REPLACE FUNCTION moderation_audit_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the moderation audit log is append-only'; END $$""",
        """CREATE TRIGGER moderation_audit_append_only BEFORE UPDATE ON moderation_audit
        FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()""",
    ],
}


@event.listens_for(AuditEntry.__table__, "after_create")
def _refuse_changes(_table: object, connection: Connection, **_: object) -> None:
    for statement in APPEND_ONLY.get(connection.dialect.name, []):
        connection.execute(text(statement))

"""What a moderating module needs of references: the evidence of a reported one, and hiding
it (from its page, the profile's count and average, and its author's list)."""

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import now
from modules.references.exceptions import ReferenceNotFoundError
from modules.references.models import Reference
from modules.references.service import readable
from modules.users import hidden_from, is_active_user


def reported_reference(
    db: Session, *, reference_id: int, reporter_id: uuid.UUID
) -> tuple[uuid.UUID, dict[str, object]]:
    """The author of a revealed reference ``reporter_id`` may read, and the evidence: what it
    says.

    :raises ReferenceNotFoundError: no such reference, one not revealed or hidden, or one
        between people of whom one is inactive or hidden from the reporter.
    """
    reference = db.scalar(
        select(Reference).where(
            Reference.id == reference_id, readable(), is_active_user(Reference.subject_id)
        )
    )
    if reference is None or {reference.author_id, reference.subject_id} & hidden_from(
        db, reporter_id
    ):
        raise ReferenceNotFoundError("reference not found")
    return reference.author_id, {
        "id": reference.id,
        "author_id": str(reference.author_id),
        "subject_id": str(reference.subject_id),
        "rating": reference.rating,
        "text": reference.text,
    }


def set_reference_hidden(db: Session, *, reference_id: int, hidden: bool) -> None:
    """Hide the reference from everyone, or show it again, in the caller's transaction."""
    hidden_at: datetime | None = now(db) if hidden else None
    db.execute(update(Reference).where(Reference.id == reference_id).values(hidden_at=hidden_at))

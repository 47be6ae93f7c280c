"""What can be reported, through the front doors of the modules that own it: a subject's
owner and evidence, as the reporter may see it, and hiding it (or showing it again).

Reports hide a person by holding the account in review (hidden and signed out until a
moderator decides; a dismissal ends the review, never a ban decided since); content is
hidden from everyone, its owner included.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core import MAX_INTEGER_ID
from modules.meetups import reported_meetup, set_meetup_hidden
from modules.messages import reported_message, set_message_hidden
from modules.moderation.exceptions import ReportRuleError
from modules.moderation.models import SubjectKind
from modules.references import reported_reference, set_reference_hidden
from modules.users import (
    Restriction,
    UserPublic,
    get_user,
    lift_restriction,
    restrict_user,
)

IN_REVIEW_REASON = "hidden after several reports, until a moderator decides"


@dataclass(frozen=True)
class Reported:
    """A subject as a report keeps it: whose it is, and what it showed."""

    owner_id: uuid.UUID
    evidence: dict[str, object]


def normalized_id(kind: SubjectKind, text: str) -> str:
    """The subject's id as reports store it (a UUID in its canonical form, or a number).

    :raises ReportRuleError: not an id of this kind of subject.
    """
    try:
        if kind == SubjectKind.USER:
            return str(uuid.UUID(text))
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_INTEGER_ID:
        expected = "a user's id (a UUID)" if kind == SubjectKind.USER else f"a {kind}'s number"
        raise ReportRuleError(f"id must be {expected}", loc=("body", "id"))
    return str(number)


@dataclass(frozen=True)
class Content:
    """How the module that owns a kind of content finds a reported item (its owner and
    evidence, as the reporter may see it) and hides it (or shows it again)."""

    find: Callable[[Session, int, uuid.UUID], tuple[uuid.UUID, dict[str, object]]]
    hide: Callable[[Session, int, bool], None]


CONTENT = {
    SubjectKind.MESSAGE: Content(
        find=lambda db, number, reporter: reported_message(
            db, message_id=number, reporter_id=reporter
        ),
        hide=lambda db, number, hidden: set_message_hidden(db, message_id=number, hidden=hidden),
    ),
    SubjectKind.MEETUP: Content(
        find=lambda db, number, reporter: reported_meetup(
            db, meetup_id=number, reporter_id=reporter
        ),
        hide=lambda db, number, hidden: set_meetup_hidden(db, meetup_id=number, hidden=hidden),
    ),
    SubjectKind.REFERENCE: Content(
        find=lambda db, number, reporter: reported_reference(
            db, reference_id=number, reporter_id=reporter
        ),
        hide=lambda db, number, hidden: set_reference_hidden(
            db, reference_id=number, hidden=hidden
        ),
    ),
}


def reported(
    db: Session, *, kind: SubjectKind, subject_id: str, reporter_id: uuid.UUID
) -> Reported:
    """The subject as ``reporter_id`` may see it now.

    :raises NotFoundError: (the owning module's) no such subject, or one hidden from them.
    """
    if kind == SubjectKind.USER:
        # Only those who blocked the reporter are missing: one reports the person one blocked.
        user = get_user(db, user_id=uuid.UUID(subject_id), as_seen_by=reporter_id)
        profile = UserPublic.model_validate(user).model_dump(mode="json")
        return Reported(user.id, {"profile": profile})
    owner_id, evidence = CONTENT[kind].find(db, int(subject_id), reporter_id)
    return Reported(owner_id, evidence)


def set_hidden(db: Session, *, kind: SubjectKind, subject_id: str, hidden: bool) -> None:
    """Hide the subject from everyone, or show it again, in the caller's transaction."""
    if kind != SubjectKind.USER:
        CONTENT[kind].hide(db, int(subject_id), hidden)
    elif hidden:
        restrict_user(
            db,
            user_id=uuid.UUID(subject_id),
            restriction=Restriction.IN_REVIEW,
            reason=IN_REVIEW_REASON,
        )
    else:
        lift_restriction(db, user_id=uuid.UUID(subject_id), only=Restriction.IN_REVIEW)

"""The references module's rules: plain functions that take a session, never HTTP.

Double-blind: a reference stays hidden from everyone but its author until the other person
has written theirs, or 14 days have passed (a job deferred for then), so that nobody writes
in answer to what they read; once revealed, it is fixed. "Now" is the platform's clock.
"""

import uuid
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import PageParams, defer, now
from modules.matches import were_ever_connected
from modules.meetups import met_at_a_meetup
from modules.messages import Message
from modules.references.exceptions import (
    NotMetError,
    ReferenceExistsError,
    ReferenceNotFoundError,
    ReferenceRuleError,
    RevealedError,
)
from modules.references.models import Reference
from modules.references.schemas import ReferenceCreate, ReferenceUpdate
from modules.skills import Skill
from modules.users import ProfileExtra, get_user, hidden_from, is_active_user

BLIND_FOR = timedelta(days=14)
# Below this many revealed references, the share who would meet again is not shown (it would
# tell what each author answered).
MIN_FOR_SHARE = 3


def have_met(db: Session, first: uuid.UUID, second: uuid.UUID) -> bool:
    """Whether the two met: connected (now or before) with messages both ways, or at a meetup
    together."""
    if met_at_a_meetup(db, first, second):
        return True
    if not were_ever_connected(db, first, second):
        return False
    wrote = [
        select(Message.id).where(Message.sender_id == a, Message.recipient_id == b).exists()
        for a, b in ((first, second), (second, first))
    ]
    return bool(db.scalar(select(and_(*wrote))))


def write(
    db: Session, *, author_id: uuid.UUID, subject_id: uuid.UUID, data: ReferenceCreate
) -> Reference:
    """Write ``author_id``'s reference about ``subject_id``: revealed at once, with theirs,
    if they wrote one about the author already; otherwise hidden for 14 days at most.

    :raises UserNotFoundError: no such person, or one hidden from the author.
    :raises ReferenceRuleError: about oneself, or of an unknown skill.
    :raises NotMetError: the two never met.
    :raises ReferenceExistsError: the author wrote one about them already.
    """
    if subject_id == author_id:
        raise ReferenceRuleError(
            "you cannot write a reference about yourself", loc=("path", "user_id")
        )
    get_user(db, user_id=subject_id, viewer_id=author_id)
    if db.get(Skill, data.skill_id) is None:
        raise ReferenceRuleError("no skill has this id", loc=("body", "skill_id"))
    if not have_met(db, author_id, subject_id):
        raise NotMetError(
            "only people who met write references: connected with messages both ways, or at "
            "a meetup together"
        )
    reference = Reference(author_id=author_id, subject_id=subject_id, **data.model_dump())
    db.add(reference)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise ReferenceExistsError("you wrote a reference about this person already") from None
    theirs = db.scalar(
        select(Reference).where(
            Reference.author_id == subject_id, Reference.subject_id == author_id
        )
    )
    if theirs is not None and theirs.revealed_at is None:
        reference.revealed_at = theirs.revealed_at = now(db)
    elif theirs is None:
        defer(db, "references.reveal", {"reference_id": reference.id}, run_at=now(db) + BLIND_FOR)
    else:
        reference.revealed_at = now(db)  # theirs is out already: nothing left to answer
    db.commit()
    return reference


def change(
    db: Session, *, author_id: uuid.UUID, reference_id: int, changes: ReferenceUpdate
) -> Reference:
    """Change the author's reference while it is hidden.

    :raises ReferenceNotFoundError: no such reference of theirs.
    :raises RevealedError: it is revealed.
    """
    reference = db.get(Reference, reference_id)
    if reference is None or reference.author_id != author_id or reference.hidden_at is not None:
        raise ReferenceNotFoundError("reference not found")
    if reference.revealed_at is not None:
        raise RevealedError("a revealed reference cannot change")
    for name, value in changes.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(reference, name, value)
    db.commit()
    return reference


def reveal(db: Session, *, reference_id: int) -> None:
    """Reveal the reference once its 14 days have passed (the deferred job); nothing if it was
    revealed already or is gone."""
    reference = db.get(Reference, reference_id)
    if reference is not None and reference.revealed_at is None:
        reference.revealed_at = now(db)


def about(
    db: Session, *, subject_id: uuid.UUID, viewer_id: uuid.UUID, page: PageParams
) -> tuple[list[Reference], int, float | None, int | None]:
    """One page of the revealed references about ``subject_id``, newest first, without those
    whose authors are hidden from the viewer; how many, their average rating, and the share
    (percent) whose author would meet again (``None`` below :data:`MIN_FOR_SHARE`).

    :raises UserNotFoundError: no such person, or one hidden from the viewer.
    """
    get_user(db, user_id=subject_id, viewer_id=viewer_id)
    shown = _revealed_about(subject_id, hidden_from(db, viewer_id))
    count, average, again = db.execute(
        select(
            func.count(),
            func.avg(Reference.rating),
            func.sum(case((Reference.would_meet_again, 1), else_=0)),
        ).where(shown)
    ).one()
    references = db.scalars(
        select(Reference)
        .where(shown)
        .order_by(Reference.revealed_at.desc(), Reference.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    share = round(100 * (again or 0) / count) if count >= MIN_FOR_SHARE else None
    return list(references), count, _rounded(average), share


def summary(subject_id: ColumnElement[uuid.UUID]) -> ProfileExtra:
    """``{count, average}`` of the revealed references about the user in ``subject_id``, for
    their profile."""
    about = _revealed_about(subject_id, frozenset())
    return ProfileExtra(
        columns=(
            select(func.count()).where(about).scalar_subquery(),
            select(func.avg(Reference.rating)).where(about).scalar_subquery(),
        ),
        shape=lambda count, average: {"count": count, "average": _rounded(average)},
    )


def written_by(
    db: Session, *, author_id: uuid.UUID, page: PageParams
) -> tuple[list[Reference], int]:
    """One page of the references ``author_id`` wrote, newest first: those still blind
    included, those a moderator hid not."""
    mine = (Reference.author_id == author_id) & Reference.hidden_at.is_(None)
    total = db.scalar(select(func.count()).where(mine)) or 0
    found = db.scalars(
        select(Reference)
        .where(mine)
        .order_by(Reference.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return list(found), total


def readable() -> ColumnElement[bool]:
    """A condition true for the references anyone may read: revealed, not hidden by a
    moderator, by an active author."""
    return and_(
        Reference.revealed_at.is_not(None),
        Reference.hidden_at.is_(None),
        is_active_user(Reference.author_id),
    )


def _revealed_about(
    subject_id: uuid.UUID | ColumnElement[uuid.UUID], hidden: frozenset[uuid.UUID]
) -> ColumnElement[bool]:
    condition = and_(Reference.subject_id == subject_id, readable())
    return and_(condition, Reference.author_id.not_in(hidden)) if hidden else condition


def _rounded(average: object) -> float | None:
    return None if average is None else round(float(str(average)), 2)

"""What a moderator may do to an account: suspend it for some days, ban it, or hold it in
review after reports; and lift that again.

A restricted account is handled as a deactivated one everywhere (inactive: hidden from every
listing and match, its tokens and live streams ended, through the ``users_user_deactivated``
event), except that signing in is refused, with the reason, until the restriction ends or is
lifted. Its owner is mailed the reason (a job, ``users.tell_restriction``)."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from core import defer, hooks, now, send_mail
from modules.users.exceptions import AccountRestrictedError
from modules.users.mails import restriction_mail
from modules.users.models import User


class Restriction(StrEnum):
    """A restriction of an account, as ``User.restriction`` stores it, mildest first."""

    IN_REVIEW = "in_review"
    SUSPENDED = "suspended"
    BANNED = "banned"


# A restriction never gives way to a milder one: a ban outlives a later suspension.
SEVERITY = {restriction: rank for rank, restriction in enumerate(Restriction)}


def restrict_user(
    db: Session,
    *,
    user_id: uuid.UUID,
    restriction: Restriction,
    reason: str,
    until: datetime | None = None,
) -> None:
    """Restrict the account in the caller's transaction (not committed here): suspended
    ``until`` a time, banned, or in review; its tokens end and it is hidden at once. A
    restriction it has already stays when it is harsher (a ban beats a suspension, which
    beats a review; of two suspensions the later end stays). Nothing for an account that is
    gone.

    :param reason: what its owner is told, when mailed and when refused at sign-in.
    """
    user = db.get(User, user_id, with_for_update=True)
    if user is None:
        return
    if _harsher_or_same(user, restriction, until):
        return
    user.restriction = restriction
    user.restricted_until = until if restriction == Restriction.SUSPENDED else None
    user.restriction_reason = reason
    user.token_version += 1
    if user.is_active:
        user.is_active = False
        hooks(db).users_user_deactivated(db=db, user_id=user.id)
    if restriction != Restriction.IN_REVIEW:
        defer(db, "users.tell_restriction", {"user_id": str(user.id)})


def lift_restriction(db: Session, *, user_id: uuid.UUID, only: Restriction | None = None) -> bool:
    """End the account's restriction in the caller's transaction: it is active again (its
    owner signs in anew); whether it had one to end. Nothing for an account that is gone or
    not restricted, nor, given ``only``, restricted otherwise (dismissed reports end a
    review, never a later ban)."""
    user = db.get(User, user_id, with_for_update=True)
    if user is None or user.restriction is None:
        return False
    if only is not None and user.restriction != only:
        return False
    _clear(user)
    user.is_active = True
    hooks(db).users_user_reactivated(db=db, user_id=user.id)
    return True


def _harsher_or_same(user: User, restriction: Restriction, until: datetime | None) -> bool:
    if user.restriction is None:
        return False
    current = Restriction(user.restriction)
    if current == restriction == Restriction.SUSPENDED:
        return (
            user.restricted_until is not None
            and until is not None
            and user.restricted_until >= until
        )
    return SEVERITY[current] >= SEVERITY[restriction]


def refuse_restricted(db: Session, user: User) -> None:
    """At sign-in: refuse an account under a restriction that has not ended; clear one that
    ended (the sign-in then reactivates the account).

    :raises AccountRestrictedError: suspended until later, banned, or in review.
    """
    if user.restriction is None:
        return
    ended = user.restricted_until is None or user.restricted_until <= now(db)
    if user.restriction == Restriction.SUSPENDED and ended:
        _clear(user)
        return
    raise AccountRestrictedError(describe(user))


def describe(user: User) -> str:
    """The sentence that tells the account's owner of its restriction, with the reason."""
    reason = user.restriction_reason or "no reason was given"
    if user.restriction == Restriction.BANNED:
        return f"this account is banned: {reason}"
    if user.restriction == Restriction.IN_REVIEW:
        return "this account is hidden while moderators review reports about it"
    until = user.restricted_until.strftime("%Y-%m-%d %H:%M UTC") if user.restricted_until else "?"
    return f"this account is suspended until {until}: {reason}"


def tell_restriction(db: Session, *, user_id: uuid.UUID) -> None:
    """Mail the account's owner its restriction and the reason (the deferred job); nothing if
    the account is gone or no longer restricted, nor to an address it never verified (whose
    reader may not be its owner)."""
    user = db.get(User, user_id)
    if user is None or user.restriction is None or not user.email_verified:
        return
    send_mail(db, restriction_mail(to=user.email, name=user.display_name, notice=describe(user)))


def _clear(user: User) -> None:
    user.restriction = user.restricted_until = user.restriction_reason = None

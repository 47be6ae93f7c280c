"""The meetups module's rules: plain functions that take a session, never HTTP.

Every change to a meetup's answers runs serialized on the meetup (``serialize_on``), so that
concurrent answers never put more people going than its capacity, and the waitlist moves up
in its order whenever a place frees. "Now" is the platform's clock, which tests move.
"""

import hmac
import math
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, select
from sqlalchemy.orm import Session, aliased

from core import PageParams, defer, now, serialize_on
from modules.matches import are_connected
from modules.meetups.exceptions import (
    AlreadyHostingError,
    CapacityBelowGoingError,
    CheckInClosedError,
    MeetupClosedError,
    MeetupNotFoundError,
    MeetupRuleError,
    NotAnsweredError,
    NotEndedError,
    NotTheHostError,
    WrongCheckInCodeError,
)
from modules.meetups.models import CHECK_IN_CODE_LENGTH, Meetup, Rsvp, RsvpStatus, Visibility
from modules.meetups.schemas import MeetupCreate, MeetupOut, MeetupUpdate, MyRsvp, checked_times
from modules.notifications import notify
from modules.places import km_from
from modules.skills import Skill, SkillOut, UserSkill
from modules.users import (
    ProfileExtra,
    User,
    UserPublic,
    hidden_from,
    is_active_user,
    users_by_id,
)

CHECK_IN_OPENS = timedelta(minutes=30)
# Each reminder's notification kind, and how long before the start it is sent.
REMINDERS = {
    "meetups.starts_tomorrow": timedelta(days=1),
    "meetups.starts_soon": timedelta(hours=1),
}
# The soonest meetups a listing considers; narrower filters (skill, dates) reach further.
CANDIDATES = 2_000
# The reliability score reads a person's last records; with fewer than this, they are new.
RELIABILITY_RECORDS = 10
MIN_RECORDS = 3


def create_meetup(db: Session, *, host_id: uuid.UUID, data: MeetupCreate) -> Meetup:
    """Create a meetup hosted by ``host_id`` and queue its reminders.

    :raises MeetupRuleError: the skill is unknown, or the start is not in the future.
    """
    if db.get(Skill, data.skill_id) is None:
        raise MeetupRuleError("no skill has this id", loc=("body", "skill_id"))
    if data.starts_at <= now(db):
        raise MeetupRuleError("starts_at must be in the future", loc=("body", "starts_at"))
    meetup = Meetup(
        host_id=host_id,
        check_in_code=f"{secrets.randbelow(10**CHECK_IN_CODE_LENGTH):0{CHECK_IN_CODE_LENGTH}d}",
        **data.model_dump(),
    )
    db.add(meetup)
    db.flush()
    _defer_reminders(db, meetup)
    db.commit()
    return meetup


def visible_meetup(db: Session, *, meetup_id: int, viewer_id: uuid.UUID) -> Meetup:
    """The meetup, if ``viewer_id`` may see it: moderators did not hide it, its host is active
    and not hidden from them and, for a meetup of the host's connections, they are connected
    (or answered it, or host it).

    :raises MeetupNotFoundError: no such meetup, or the viewer may not see it.
    """
    meetup = db.scalar(
        select(Meetup).where(
            Meetup.id == meetup_id, Meetup.hidden_at.is_(None), is_active_user(Meetup.host_id)
        )
    )
    hidden = hidden_from(db, viewer_id)
    if meetup is None or meetup.host_id in hidden or not _visible_among(db, [meetup], viewer_id):
        raise MeetupNotFoundError("meetup not found")
    return meetup


def hosted_meetup(db: Session, *, meetup_id: int, host_id: uuid.UUID) -> Meetup:
    """The meetup, which ``host_id`` must host.

    :raises MeetupNotFoundError: the caller may not see it.
    :raises NotTheHostError: they may, but do not host it.
    """
    meetup = visible_meetup(db, meetup_id=meetup_id, viewer_id=host_id)
    if meetup.host_id != host_id:
        raise NotTheHostError("only the meetup's host may do this")
    return meetup


def list_meetups(
    db: Session,
    *,
    viewer_id: uuid.UUID,
    page: PageParams,
    skill_id: int | None = None,
    within_km: int | None = None,
    starting_from: datetime | None = None,
    starting_until: datetime | None = None,
    for_my_skills: bool = False,
) -> tuple[list[Meetup], int]:
    """One page of the meetups ``viewer_id`` may see that have not ended nor been cancelled,
    soonest first, and how many there are (among the :data:`CANDIDATES` soonest).

    :raises MeetupRuleError: ``within_km`` without a place of the viewer's own.
    """
    conditions = [
        Meetup.cancelled_at.is_(None),
        Meetup.hidden_at.is_(None),
        Meetup.ends_at > now(db),
        is_active_user(Meetup.host_id),
    ]
    hidden = hidden_from(db, viewer_id)
    if hidden:
        conditions.append(Meetup.host_id.not_in(hidden))
    if skill_id is not None:
        conditions.append(Meetup.skill_id == skill_id)
    if for_my_skills:
        mine = select(UserSkill.skill_id).where(UserSkill.user_id == viewer_id)
        conditions.append(Meetup.skill_id.in_(mine))
    if starting_from is not None:
        conditions.append(Meetup.starts_at >= starting_from)
    if starting_until is not None:
        conditions.append(Meetup.starts_at <= starting_until)
    candidates = db.scalars(
        select(Meetup).where(*conditions).order_by(Meetup.starts_at, Meetup.id).limit(CANDIDATES)
    ).all()
    found = _visible_among(db, candidates, viewer_id)
    if within_km is not None:
        found = _within(db, found, viewer_id, within_km)
    return found[page.offset : page.offset + page.limit], len(found)


def _visible_among(db: Session, meetups: Sequence[Meetup], viewer_id: uuid.UUID) -> list[Meetup]:
    # Those of ``meetups`` the viewer may see: public ones, their own, and those of the host's
    # connections when connected (each host asked once) or already answered (one query).
    restricted = {
        m.id for m in meetups if m.visibility != Visibility.PUBLIC and m.host_id != viewer_id
    }
    answered: set[int] = set()
    if restricted:
        answered = set(
            db.scalars(
                select(Rsvp.meetup_id).where(
                    Rsvp.user_id == viewer_id, Rsvp.meetup_id.in_(restricted)
                )
            )
        )
    connected: dict[uuid.UUID, bool] = {}

    def may_see(meetup: Meetup) -> bool:
        if meetup.id not in restricted or meetup.id in answered:
            return True
        if meetup.host_id not in connected:
            connected[meetup.host_id] = are_connected(db, viewer_id, meetup.host_id)
        return connected[meetup.host_id]

    return [meetup for meetup in meetups if may_see(meetup)]


def _within(db: Session, meetups: Sequence[Meetup], viewer_id: uuid.UUID, km: int) -> list[Meetup]:
    distances = _distances(db, meetups, viewer_id)
    if distances is None:
        raise MeetupRuleError(
            "within_km needs a place of your own: PUT /users/me/place",
            loc=("query", "within_km"),
        )
    return [meetup for meetup in meetups if distances[meetup.id] <= km]


def _distances(
    db: Session, meetups: Sequence[Meetup], viewer_id: uuid.UUID
) -> dict[int, int] | None:
    # How far each meetup is from the viewer, as shown; None when the viewer has no place
    # (asked once, not once per meetup).
    distances: dict[int, int] = {}
    for meetup in meetups:
        distance = km_from(
            db, user_id=viewer_id, latitude=meetup.latitude, longitude=meetup.longitude
        )
        if distance is None:
            return None
        distances[meetup.id] = distance
    return distances


def meetups_of(db: Session, *, user_id: uuid.UUID, page: PageParams) -> tuple[list[Meetup], int]:
    """One page of the meetups ``user_id`` hosts or answered that have not ended, soonest
    first (cancelled ones included, so that they see what was called off), and how many."""
    answered = select(Rsvp.meetup_id).where(Rsvp.user_id == user_id)
    statement = (
        select(Meetup)
        .where(
            (Meetup.host_id == user_id) | Meetup.id.in_(answered),
            Meetup.ends_at > now(db),
            Meetup.hidden_at.is_(None),
            is_active_user(Meetup.host_id),
        )
        .order_by(Meetup.starts_at, Meetup.id)
    )
    total = db.scalar(select(func.count()).select_from(statement.subquery())) or 0
    found = db.scalars(statement.offset(page.offset).limit(page.limit)).all()
    return list(found), total


def rsvp_of(db: Session, meetup: Meetup, user_id: uuid.UUID) -> Rsvp | None:
    """``user_id``'s answer to ``meetup``, if any."""
    return db.scalar(select(Rsvp).where(Rsvp.meetup_id == meetup.id, Rsvp.user_id == user_id))


def answer(db: Session, *, meetup_id: int, user_id: uuid.UUID) -> Rsvp:
    """Answer the meetup: going while places are left, waitlisted after; the same answer
    again changes nothing. The host is told.

    :raises MeetupNotFoundError: the caller may not see it.
    :raises AlreadyHostingError: the caller hosts it.
    :raises MeetupClosedError: it was cancelled or has started.
    """
    serialize_on(db, f"meetups.meetup:{meetup_id}")
    meetup = visible_meetup(db, meetup_id=meetup_id, viewer_id=user_id)
    if meetup.host_id == user_id:
        raise AlreadyHostingError("you host this meetup: you are there without answering")
    _refuse_closed(db, meetup)
    existing = rsvp_of(db, meetup, user_id)
    if existing is not None:
        return existing
    status = RsvpStatus.GOING if _going(db, meetup) < meetup.capacity else RsvpStatus.WAITLISTED
    rsvp = Rsvp(meetup_id=meetup.id, user_id=user_id, status=status)
    db.add(rsvp)
    db.flush()
    notify(
        db, user_id=meetup.host_id, kind="meetups.answered", actor_id=user_id, subject_id=meetup.id
    )
    db.commit()
    return rsvp


def leave(db: Session, *, meetup_id: int, user_id: uuid.UUID) -> None:
    """Take back the caller's answer; the first waitlisted takes a freed place.

    :raises MeetupNotFoundError: the caller may not see it.
    :raises NotAnsweredError: they had not answered it.
    :raises MeetupClosedError: it was cancelled or has started.
    """
    serialize_on(db, f"meetups.meetup:{meetup_id}")
    meetup = visible_meetup(db, meetup_id=meetup_id, viewer_id=user_id)
    _refuse_closed(db, meetup)
    _remove(db, meetup, user_id)
    db.commit()


def remove_attendee(db: Session, *, meetup_id: int, host_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The host takes someone off the meetup (going or waitlisted); the waitlist moves up.

    :raises NotTheHostError: the caller does not host it.
    :raises NotAnsweredError: that person had not answered it.
    :raises MeetupClosedError: it was cancelled or has started.
    """
    serialize_on(db, f"meetups.meetup:{meetup_id}")
    meetup = hosted_meetup(db, meetup_id=meetup_id, host_id=host_id)
    _refuse_closed(db, meetup)
    _remove(db, meetup, user_id)
    db.commit()


def _remove(db: Session, meetup: Meetup, user_id: uuid.UUID) -> None:
    rsvp = rsvp_of(db, meetup, user_id)
    if rsvp is None:
        raise NotAnsweredError("this person has not answered this meetup")
    db.delete(rsvp)
    db.flush()
    _promote(db, meetup)


def _promote(db: Session, meetup: Meetup) -> None:
    # Fill the free places from the waitlist, first come first; each promoted person is told
    # at once.
    free = meetup.capacity - _going(db, meetup)
    if free <= 0:
        return
    promoted = db.scalars(
        select(Rsvp)
        .where(Rsvp.meetup_id == meetup.id, Rsvp.status == RsvpStatus.WAITLISTED)
        .order_by(Rsvp.id)
        .limit(free)
    ).all()
    for rsvp in promoted:
        rsvp.status = RsvpStatus.GOING
    _tell(db, meetup, (rsvp.user_id for rsvp in promoted), kind="meetups.promoted")
    db.flush()


def update_meetup(
    db: Session, *, meetup_id: int, host_id: uuid.UUID, changes: MeetupUpdate
) -> Meetup:
    """Apply the host's changes. A new time or place is told to everyone who answered (at
    once), a new time queues new reminders, and a larger capacity promotes from the waitlist.

    :raises NotTheHostError: the caller does not host it.
    :raises MeetupClosedError: it was cancelled or has started.
    :raises MeetupRuleError: the new times break a rule.
    :raises CapacityBelowGoingError: the new capacity is below the number going.
    """
    serialize_on(db, f"meetups.meetup:{meetup_id}")
    meetup = hosted_meetup(db, meetup_id=meetup_id, host_id=host_id)
    _refuse_closed(db, meetup)
    fields = changes.model_dump(exclude_unset=True)
    _check_new_times(db, meetup, changes)
    if fields.get("capacity", meetup.capacity) < _going(db, meetup):
        raise CapacityBelowGoingError("more people are going than this capacity")
    moved = {
        name
        for name, value in fields.items()
        if getattr(meetup, name) != value
        and name
        in {"starts_at", "ends_at", "time_zone", "city", "latitude", "longitude", "address"}
    }
    for name, value in fields.items():
        setattr(meetup, name, value)
    db.flush()
    _promote(db, meetup)
    if moved & {"starts_at", "ends_at", "time_zone"}:
        _defer_reminders(db, meetup)
    if moved:
        _tell_everyone(db, meetup, kind="meetups.changed")
    db.commit()
    return meetup


def _check_new_times(db: Session, meetup: Meetup, changes: MeetupUpdate) -> None:
    starts_at = changes.starts_at or meetup.starts_at
    try:
        checked_times(starts_at, changes.ends_at or meetup.ends_at)
    except ValueError as error:
        raise MeetupRuleError(str(error), loc=("body", "ends_at")) from None
    if changes.starts_at is not None and starts_at <= now(db):
        raise MeetupRuleError("starts_at must be in the future", loc=("body", "starts_at"))


def cancel_meetup(db: Session, *, meetup_id: int, host_id: uuid.UUID) -> None:
    """Call the meetup off: it leaves every listing, and everyone who answered is told at once.

    :raises NotTheHostError: the caller does not host it.
    :raises MeetupClosedError: it was cancelled already, or has started.
    """
    serialize_on(db, f"meetups.meetup:{meetup_id}")
    meetup = hosted_meetup(db, meetup_id=meetup_id, host_id=host_id)
    _refuse_closed(db, meetup)
    meetup.cancelled_at = now(db)
    _tell_everyone(db, meetup, kind="meetups.cancelled")
    db.commit()


def _tell_everyone(db: Session, meetup: Meetup, *, kind: str) -> None:
    everyone = db.scalars(select(Rsvp.user_id).where(Rsvp.meetup_id == meetup.id))
    _tell(db, meetup, everyone, kind=kind)


def _tell(db: Session, meetup: Meetup, user_ids: Iterable[uuid.UUID], *, kind: str) -> None:
    # At once, by notification and mail: what cannot wait for a digest.
    for user_id in user_ids:
        notify(
            db,
            user_id=user_id,
            kind=kind,
            actor_id=meetup.host_id,
            subject_id=meetup.id,
            mail_now=True,
        )


def _refuse_closed(db: Session, meetup: Meetup) -> None:
    if meetup.cancelled_at is not None:
        raise MeetupClosedError("this meetup was cancelled")
    if meetup.starts_at <= now(db):
        raise MeetupClosedError("this meetup has started: its answers no longer change")


def _going(db: Session, meetup: Meetup) -> int:
    going = select(func.count()).where(Rsvp.meetup_id == meetup.id, Rsvp.status == RsvpStatus.GOING)
    return db.scalar(going) or 0


def attendees(
    db: Session, *, meetup_id: int, viewer_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[Rsvp, int | None]], int]:
    """One page of the meetup's people, each with their place in the waitlist (``None`` when
    going): the going first, then the waitlist in its order; without the people hidden from
    the viewer. Only the host and the people going see it (who goes where is not for
    strangers).

    :raises MeetupNotFoundError: the viewer may not see the meetup.
    :raises NotTheHostError: the viewer neither hosts it nor is going.
    """
    meetup = visible_meetup(db, meetup_id=meetup_id, viewer_id=viewer_id)
    mine = rsvp_of(db, meetup, viewer_id)
    if meetup.host_id != viewer_id and (mine is None or mine.status != RsvpStatus.GOING):
        raise NotTheHostError("only the host and the people going see who comes")
    everyone = db.scalars(
        select(Rsvp)
        .where(Rsvp.meetup_id == meetup.id, is_active_user(Rsvp.user_id))
        .order_by(Rsvp.status != RsvpStatus.GOING, Rsvp.id)
    ).all()
    positioned = list(_with_positions(everyone))
    hidden = hidden_from(db, viewer_id)
    shown = [(rsvp, position) for rsvp, position in positioned if rsvp.user_id not in hidden]
    return shown[page.offset : page.offset + page.limit], len(shown)


def _with_positions(rsvps: Iterable[Rsvp]) -> Iterable[tuple[Rsvp, int | None]]:
    position = 0
    for rsvp in rsvps:
        if rsvp.status == RsvpStatus.WAITLISTED:
            position += 1
            yield rsvp, position
        else:
            yield rsvp, None


def waitlist_position(db: Session, rsvp: Rsvp) -> int | None:
    """Where ``rsvp`` stands in its waitlist (1 is promoted next), or ``None`` when going."""
    return _waitlist_positions(db, [rsvp]).get(rsvp.id)


def _waitlist_positions(db: Session, rsvps: Sequence[Rsvp]) -> dict[int, int]:
    # The place in line of each waitlisted answer among ``rsvps``, by answer id, in one query.
    waiting = [rsvp.id for rsvp in rsvps if rsvp.status == RsvpStatus.WAITLISTED]
    if not waiting:
        return {}
    ahead = aliased(Rsvp)
    earlier = (
        select(func.count())
        .where(
            ahead.meetup_id == Rsvp.meetup_id,
            ahead.status == RsvpStatus.WAITLISTED,
            ahead.id < Rsvp.id,
        )
        .scalar_subquery()
    )
    rows = db.execute(select(Rsvp.id, earlier).where(Rsvp.id.in_(waiting)))
    return {rsvp_id: count + 1 for rsvp_id, count in rows}


def mark_attendance(
    db: Session, *, meetup_id: int, host_id: uuid.UUID, user_id: uuid.UUID, attended: bool
) -> None:
    """The host records, after the end, whether someone going came.

    :raises NotTheHostError: the caller does not host it.
    :raises NotEndedError: it has not ended.
    :raises NotAnsweredError: that person was not going.
    """
    meetup = hosted_meetup(db, meetup_id=meetup_id, host_id=host_id)
    if meetup.ends_at > now(db) or meetup.cancelled_at is not None:
        raise NotEndedError("attendance is recorded once the meetup has ended")
    _going_rsvp(db, meetup, user_id).attended = attended
    db.commit()


def check_in(db: Session, *, meetup_id: int, user_id: uuid.UUID, code: str) -> None:
    """Someone going checks in with the code the host shows, from 30 minutes before the start
    to the end: they count as having come.

    :raises NotAnsweredError: the caller is not going.
    :raises CheckInClosedError: it is not the time.
    :raises WrongCheckInCodeError: the code is not the meetup's.
    """
    meetup = visible_meetup(db, meetup_id=meetup_id, viewer_id=user_id)
    rsvp = _going_rsvp(db, meetup, user_id)
    current = now(db)
    if meetup.cancelled_at is not None or not (
        meetup.starts_at - CHECK_IN_OPENS <= current <= meetup.ends_at
    ):
        raise CheckInClosedError("checking in opens 30 minutes before the start, until the end")
    if not hmac.compare_digest(code, meetup.check_in_code):
        raise WrongCheckInCodeError("this is not the meetup's check-in code")
    rsvp.attended = True
    db.commit()


def _going_rsvp(db: Session, meetup: Meetup, user_id: uuid.UUID) -> Rsvp:
    rsvp = rsvp_of(db, meetup, user_id)
    if rsvp is None or rsvp.status != RsvpStatus.GOING:
        raise NotAnsweredError("this person was not going to this meetup")
    return rsvp


def reliability(user_id: ColumnElement[uuid.UUID]) -> ProfileExtra:
    """The reliability of the user in ``user_id``: ``score`` 1 to 10 from their last
    :data:`RELIABILITY_RECORDS` recorded meetups (1 + 9 times the share they came to, halves
    rounded up), ``None`` with fewer than :data:`MIN_RECORDS` (new); and how many records it
    reads."""
    recent = (
        select(Rsvp.attended.label("attended"))
        .join(Meetup, Meetup.id == Rsvp.meetup_id)
        .where(Rsvp.user_id == user_id, Rsvp.attended.is_not(None), Meetup.cancelled_at.is_(None))
        .order_by(Meetup.ends_at.desc(), Meetup.id.desc())
        .limit(RELIABILITY_RECORDS)
        .correlate_except(Rsvp, Meetup)  # to the profile's query, through ``user_id``
        .subquery()
    )
    came = func.sum(case((recent.c.attended, 1), else_=0))
    return ProfileExtra(
        columns=(
            select(func.count()).select_from(recent).scalar_subquery(),
            select(came).select_from(recent).scalar_subquery(),
        ),
        shape=_reliability,
    )


def _reliability(records: int, came: int | None) -> dict[str, int | None]:
    if records < MIN_RECORDS:
        return {"score": None, "records": records}
    return {"score": 1 + math.floor(9 * (came or 0) / records + 0.5), "records": records}


def remind(db: Session, *, meetup_id: int, starts_at: str, kind: str) -> None:
    """Remind everyone going that the meetup starts soon (at once: notification and mail);
    nothing if it was cancelled or moved since the reminder was queued."""
    meetup = db.get(Meetup, meetup_id)
    if meetup is None or meetup.cancelled_at is not None or meetup.hidden_at is not None:
        return
    if meetup.starts_at != datetime.fromisoformat(starts_at):
        return
    going = select(Rsvp.user_id).where(Rsvp.meetup_id == meetup.id, Rsvp.status == RsvpStatus.GOING)
    _tell(db, meetup, db.scalars(going), kind=kind)


def _defer_reminders(db: Session, meetup: Meetup) -> None:
    # One job per reminder at its time; a moved meetup's older reminders find the start
    # changed and do nothing.
    current = now(db)
    for kind, before in REMINDERS.items():
        run_at = meetup.starts_at - before
        if run_at > current:
            payload = {
                "meetup_id": meetup.id,
                "starts_at": meetup.starts_at.isoformat(),
                "kind": kind,
            }
            defer(db, "meetups.remind", payload, run_at=run_at, lock=f"meetup:{meetup.id}")


def separate(db: Session, *, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """Two people are hidden from each other now: each leaves the meetups the other hosts
    that have not started, and those meetups' waitlists move up (in the caller's
    transaction)."""
    pairs = ((user_id, other_user_id), (other_user_id, user_id))
    for attendee, host in pairs:
        upcoming = db.scalars(
            select(Meetup).where(Meetup.host_id == host, Meetup.starts_at > now(db))
        ).all()
        for meetup in upcoming:
            serialize_on(db, f"meetups.meetup:{meetup.id}")
            rsvp = rsvp_of(db, meetup, attendee)
            if rsvp is not None:
                db.delete(rsvp)
                db.flush()
                _promote(db, meetup)


def step_away(db: Session, *, user_id: uuid.UUID) -> None:
    """An account went inactive (deactivated, or restricted by a moderator): the meetups it
    hosts that have not started are cancelled (everyone who answered is told), it leaves
    those it answered, and their waitlists move up (in the caller's transaction)."""
    hosting = db.scalars(
        select(Meetup).where(
            Meetup.host_id == user_id, Meetup.starts_at > now(db), Meetup.cancelled_at.is_(None)
        )
    ).all()
    for meetup in hosting:
        serialize_on(db, f"meetups.meetup:{meetup.id}")
        meetup.cancelled_at = now(db)
        _tell_everyone(db, meetup, kind="meetups.cancelled")
    upcoming = select(Meetup.id).where(Meetup.starts_at > now(db))
    db.execute(delete(Rsvp).where(Rsvp.user_id == user_id, Rsvp.meetup_id.in_(upcoming)))
    refill(db)


def tell_taken_down(db: Session, meetup: Meetup) -> None:
    """Tell everyone who answered ``meetup`` that moderators took it down (at once, by
    notification and mail), unless it ended or was cancelled already."""
    if meetup.cancelled_at is None and meetup.ends_at > now(db):
        _tell_everyone(db, meetup, kind="meetups.taken_down")


def refill(db: Session) -> None:
    """Promote from the waitlists of the upcoming meetups that have free places (after an
    account's answers went with it), in the caller's transaction."""
    going = (
        select(func.count())
        .where(Rsvp.meetup_id == Meetup.id, Rsvp.status == RsvpStatus.GOING)
        .scalar_subquery()
    )
    waiting = select(Rsvp.meetup_id).where(Rsvp.status == RsvpStatus.WAITLISTED)
    short: ColumnElement[bool] = and_(
        Meetup.starts_at > now(db), Meetup.cancelled_at.is_(None), Meetup.id.in_(waiting)
    )
    for meetup in db.scalars(select(Meetup).where(short, going < Meetup.capacity)).all():
        serialize_on(db, f"meetups.meetup:{meetup.id}")
        _promote(db, meetup)


def describe(db: Session, meetups: Sequence[Meetup], *, viewer_id: uuid.UUID) -> list[MeetupOut]:
    """The meetups as ``viewer_id`` may see them, in a few queries for the whole page: the
    address for the host and the people going, the check-in code for the host, the place
    otherwise as a city and a distance."""
    ids = [meetup.id for meetup in meetups]
    hosts = users_by_id(db, (meetup.host_id for meetup in meetups))
    skills = {
        skill.id: skill
        for skill in db.scalars(select(Skill).where(Skill.id.in_({m.skill_id for m in meetups})))
    }
    counts = {
        (meetup_id, status): count
        for meetup_id, status, count in db.execute(
            select(Rsvp.meetup_id, Rsvp.status, func.count())
            .where(Rsvp.meetup_id.in_(ids))
            .group_by(Rsvp.meetup_id, Rsvp.status)
        )
    }
    mine = {
        rsvp.meetup_id: rsvp
        for rsvp in db.scalars(
            select(Rsvp).where(Rsvp.meetup_id.in_(ids), Rsvp.user_id == viewer_id)
        )
    }
    positions = _waitlist_positions(db, list(mine.values()))
    distances = _distances(db, meetups, viewer_id) or {}
    return [
        _described(
            meetup,
            viewer_id,
            hosts=hosts,
            skills=skills,
            counts=counts,
            mine=mine.get(meetup.id),
            positions=positions,
            distance_km=distances.get(meetup.id),
        )
        for meetup in meetups
    ]


def knows_address(meetup: Meetup, viewer_id: uuid.UUID, rsvp: Rsvp | None) -> bool:
    """Whether ``viewer_id`` (whose answer is ``rsvp``) may know the meetup's address: the
    host, and the people going."""
    going = rsvp is not None and rsvp.status == RsvpStatus.GOING
    return meetup.host_id == viewer_id or going


def _described(
    meetup: Meetup,
    viewer_id: uuid.UUID,
    *,
    hosts: Mapping[uuid.UUID, User],
    skills: Mapping[int, Skill],
    counts: Mapping[tuple[int, str], int],
    mine: Rsvp | None,
    positions: Mapping[int, int],
    distance_km: int | None,
) -> MeetupOut:
    return MeetupOut(
        id=meetup.id,
        host=UserPublic.model_validate(hosts[meetup.host_id]),
        skill=SkillOut.model_validate(skills[meetup.skill_id]),
        title=meetup.title,
        description=meetup.description,
        starts_at=meetup.starts_at,
        ends_at=meetup.ends_at,
        time_zone=meetup.time_zone,
        capacity=meetup.capacity,
        going=counts.get((meetup.id, RsvpStatus.GOING), 0),
        waitlisted=counts.get((meetup.id, RsvpStatus.WAITLISTED), 0),
        city=meetup.city,
        distance_km=distance_km,
        visibility=Visibility(meetup.visibility),
        cancelled=meetup.cancelled_at is not None,
        my_rsvp=None
        if mine is None
        else MyRsvp(status=RsvpStatus(mine.status), waitlist_position=positions.get(mine.id)),
        address=meetup.address if knows_address(meetup, viewer_id, mine) else None,
        check_in_code=meetup.check_in_code if meetup.host_id == viewer_id else None,
    )


def met_at_a_meetup(db: Session, first: uuid.UUID, second: uuid.UUID) -> bool:
    """Whether the two were at one meetup together: both recorded as having come, or one
    hosted a meetup the other came to (cancelled ones count for nothing)."""
    came = select(Rsvp.meetup_id, Rsvp.user_id).where(Rsvp.attended.is_(True)).subquery()
    other = came.alias("other")
    both_came = (
        select(came.c.meetup_id)
        .join(other, other.c.meetup_id == came.c.meetup_id)
        .where(came.c.user_id == first, other.c.user_id == second)
    )
    hosted = (
        select(Meetup.id)
        .join(came, came.c.meetup_id == Meetup.id)
        .where(
            ((Meetup.host_id == first) & (came.c.user_id == second))
            | ((Meetup.host_id == second) & (came.c.user_id == first))
        )
    )
    together = both_came.union(hosted).subquery()
    live = select(Meetup.id).where(Meetup.id.in_(select(together)), Meetup.cancelled_at.is_(None))
    return bool(db.scalar(select(live.exists())))


def shared_meetups(
    db: Session, *, user_id: uuid.UUID, others: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[int]]:
    """The upcoming meetups (not cancelled) that ``user_id`` and each of ``others`` both go to
    or host, soonest first, by other person; none for those who share none."""
    if not others:
        return {}
    going = select(Rsvp.meetup_id, Rsvp.user_id).where(Rsvp.status == RsvpStatus.GOING)
    there = going.union(select(Meetup.id, Meetup.host_id)).subquery()
    theirs = there.alias("theirs")
    rows = db.execute(
        select(theirs.c.user_id, Meetup.id)
        .join(there, there.c.meetup_id == Meetup.id)
        .join(theirs, theirs.c.meetup_id == Meetup.id)
        .where(
            there.c.user_id == user_id,
            theirs.c.user_id.in_(others),
            Meetup.starts_at > now(db),
            Meetup.cancelled_at.is_(None),
            Meetup.hidden_at.is_(None),
        )
        .order_by(Meetup.starts_at, Meetup.id)
    ).all()
    shared: dict[uuid.UUID, list[int]] = {}
    for other, meetup_id in rows:
        shared.setdefault(other, []).append(meetup_id)
    return shared

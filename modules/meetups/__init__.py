"""Meetups: hobby events people go to, with a capacity, a waitlist, reminders, check-in, and a
reliability score from who came.

Requires users, skills, places, notifications and matches, and uses only what their front
doors export. A meetup has a skill, a time in an IANA time zone, a capacity of 2 to 500, a
city and a point that others see only as a distance (the places module's rule), and an
address shown only to the host and the people going; it is public to signed-in people or
only to the host's connections. Answers are going while places last, then waitlisted; a
freed place goes to the first waitlisted (serialized per meetup: never more going than the
capacity). A block hides meetups and their people both ways, and takes each off the meetups
the other hosts. Reminders go the day and the hour before; an answer, a promotion, a change
of time or place and a cancellation are notifications (``meetups.*`` kinds), the urgent ones
mailed at once. After the end the host records who came (or people check in with the code
the host shows); a person's reliability score is on their public profile
(``meetups_reliability``), and ranked matches name the meetups both go to (``same_meetups``,
through the matches module's ``matches_annotate``). Calendars: one meetup's ``.ics``, and a
personal feed with a revocable token.

Other modules may use what this front door exports:

- ``met_at_a_meetup(db, first, second)``: whether the two were at a meetup together (both
  came, or one hosted a meetup the other came to), as the host's records and check-ins say.
- ``reported_meetup(db, meetup_id=, reporter_id=)``: for a moderating module, the host of a
  meetup the reporter may see and its evidence (what it says), or ``MeetupNotFoundError``
  (404); ``set_meetup_hidden(db, meetup_id=, hidden=)`` hides it from everyone, its host
  included (or shows it again).
"""

import uuid
from collections.abc import Iterator, Mapping, Sequence

from fastapi import APIRouter
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from core import Base, JobDeclaration, ModuleInfo, hookimpl
from modules.matches import Match
from modules.meetups import service
from modules.meetups.demo import seed_demo_meetups
from modules.meetups.exceptions import MeetupNotFoundError
from modules.meetups.models import CalendarFeed, Meetup, Rsvp
from modules.meetups.reporting import reported_meetup, set_meetup_hidden
from modules.meetups.service import met_at_a_meetup
from modules.users import ProfileExtra

MODULE_INFO = ModuleInfo(
    name="meetups",
    version="0.1.0",
    requires=("users", "skills", "places", "notifications", "matches"),
)

__all__ = [
    "MODULE_INFO",
    "MeetupNotFoundError",
    "met_at_a_meetup",
    "reported_meetup",
    "set_meetup_hidden",
]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Meetups, their answers, and calendar feeds."""
    return [Meetup, Rsvp, CalendarFeed]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/meetups``."""
    from modules.meetups.router import router

    return [router]


@hookimpl
def hobbymatch_jobs() -> Sequence[JobDeclaration]:
    """The reminders (``meetups.remind``)."""
    from modules.meetups.jobs import remind

    return [remind]


@hookimpl
def notifications_kinds() -> Mapping[str, str]:
    """What the meetups module tells people, and how a mail says it."""
    return {
        "meetups.answered": "{actor} answered your meetup",
        "meetups.promoted": "a place freed up for you at {actor}'s meetup",
        "meetups.changed": "{actor} changed the time or place of a meetup you answered",
        "meetups.cancelled": "{actor} cancelled a meetup you answered",
        "meetups.taken_down": "moderators took down {actor}'s meetup you answered",
        "meetups.starts_tomorrow": "{actor}'s meetup is tomorrow",
        "meetups.starts_soon": "{actor}'s meetup starts within the hour",
    }


@hookimpl
def users_profile_extras(user_id: ColumnElement[uuid.UUID]) -> Mapping[str, ProfileExtra]:
    """``meetups_reliability``: ``{score, records}`` (``score`` null for someone new)."""
    return {"meetups_reliability": service.reliability(user_id)}


@hookimpl
def matches_annotate(
    db: Session, user_id: uuid.UUID, matches: Sequence[Match]
) -> Mapping[uuid.UUID, Mapping[str, object]]:
    """``same_meetups``: the ids of the upcoming meetups the caller and each match both go to
    (or host), when they share any."""
    others = [match.user.id for match in matches]
    shared = service.shared_meetups(db, user_id=user_id, others=others)
    return {other: {"same_meetups": ids} for other, ids in shared.items()}


@hookimpl
def users_hidden_pair(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """Each leaves the upcoming meetups that the other hosts."""
    service.separate(db, user_id=user_id, other_user_id=other_user_id)


@hookimpl
def users_user_deactivated(db: Session, user_id: uuid.UUID) -> None:
    """The meetups they host are cancelled (everyone told), they leave those they answered,
    and the waitlists move up."""
    service.step_away(db, user_id=user_id)


@hookimpl
def users_user_deleted(db: Session, user_id: uuid.UUID) -> None:
    """Their answers went with the account: fill the places they freed from the waitlists."""
    service.refill(db)


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Demo meetups: past ones with attendance recorded, upcoming ones with waitlists."""
    return seed_demo_meetups(db, count=count, seed=seed)

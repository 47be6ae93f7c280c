"""References: what people say of each other after they met, double-blind.

Requires users, skills, matches, messages and meetups, and uses only what their front doors
export. Either of two people who met (connected, now or before, with messages both ways, or
at a meetup together) may write one reference about the other: a rating of 1 to 5, whether
they would meet again (private: it counts only in an aggregate), up to 1,000 characters and
the skill it was about. It stays hidden until both wrote one or 14 days passed (the job
``references.reveal``), and cannot change once revealed, so that nobody writes in answer to
what they read. A block hides the references between the two; deleting an account deletes
the references it wrote and those about it. Profiles show the count and the average
(``references``). Other modules may use what this front door exports:

- ``reported_reference(db, reference_id=, reporter_id=)``: for a moderating module, the
  author of a revealed reference the reporter may read and its evidence, or
  ``ReferenceNotFoundError`` (404); ``set_reference_hidden(db, reference_id=, hidden=)``
  hides it from everyone, and from the counts (or shows it again).
"""

import uuid
from collections.abc import Iterator, Mapping, Sequence

from fastapi import APIRouter
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from core import Base, JobDeclaration, ModuleInfo, hookimpl
from modules.references import service
from modules.references.demo import seed_demo_references
from modules.references.exceptions import ReferenceNotFoundError
from modules.references.models import Reference
from modules.references.reporting import reported_reference, set_reference_hidden
from modules.users import ProfileExtra

MODULE_INFO = ModuleInfo(
    name="references",
    version="0.1.0",
    requires=("users", "skills", "matches", "messages", "meetups"),
)

__all__ = [
    "MODULE_INFO",
    "ReferenceNotFoundError",
    "reported_reference",
    "set_reference_hidden",
]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """References."""
    return [Reference]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/users/{user_id}/references`` and ``/references``."""
    from modules.references.router import router

    return [router]


@hookimpl
def hobbymatch_jobs() -> Sequence[JobDeclaration]:
    """The reveal after 14 days (``references.reveal``)."""
    from modules.references.jobs import reveal

    return [reveal]


@hookimpl
def users_profile_extras(user_id: ColumnElement[uuid.UUID]) -> Mapping[str, ProfileExtra]:
    """``references``: ``{count, average}`` of the revealed references about the person."""
    return {"references": service.summary(user_id)}


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Revealed references between people who met at the demo's past meetups."""
    return seed_demo_references(db, count=count, seed=seed)

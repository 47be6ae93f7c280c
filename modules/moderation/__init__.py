"""Moderation: reports of people, messages, meetups and references, a queue for moderators,
their actions, and an append-only audit log.

Requires users, messages, meetups, references and notifications, and uses only what their
front doors export. Anyone signed in (verified, when the users module asks for it) reports
what they can see (``POST /reports``), with a reason from a list, 20 a day; the reported
person never learns who reported, and the evidence is kept as it was (a message with the 20
of its conversation up to it, and its last 20). People holding the permission
``moderation.review`` (the role ``moderator``: ``hobbymatch users grant EMAIL moderator``)
read the queue and resolve reports: dismiss, hide content (gone everywhere), suspend for
some days or ban (the content hidden, the owner's account hidden and signed out, its live
streams ended, the reason told by notification and mail); a decision never undoes a harsher
one, and a moderator decides neither about themselves nor what they reported. Every action
lands in the audit log, which the database refuses to change. Several established people
reporting one subject within a window hide it until a moderator decides
(``HOBBYMATCH_MODERATION_AUTO_HIDE_*``). It exports nothing for other modules.
"""

from collections.abc import Collection, Iterator, Mapping, Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session

from core import Base, ModuleInfo, hookimpl
from modules.moderation.demo import seed_demo_reports
from modules.moderation.models import MODERATOR_ROLE, REVIEW_PERMISSION, AuditEntry, Report
from modules.moderation.settings import ModerationSettings

MODULE_INFO = ModuleInfo(
    name="moderation",
    version="0.1.0",
    requires=("users", "messages", "meetups", "references", "notifications"),
    settings=ModerationSettings,
)

__all__ = ["MODULE_INFO"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Reports and the audit log."""
    return [Report, AuditEntry]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/reports`` and ``/moderation``."""
    from modules.moderation.router import router

    return [router]


@hookimpl
def users_permissions() -> Mapping[str, Collection[str]]:
    """``moderation.review``: read the reports and act on them, held by ``moderator``."""
    return {REVIEW_PERMISSION: [MODERATOR_ROLE]}


@hookimpl
def notifications_kinds() -> Mapping[str, str]:
    """What the moderation module tells a person whose account it restricts."""
    return {
        "moderation.suspended": "your account was suspended after a report (see your mail)",
        "moderation.banned": "your account was banned after a report (see your mail)",
    }


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """A few open reports between demo people, for a moderator's queue."""
    return seed_demo_reports(db, count=count, seed=seed)

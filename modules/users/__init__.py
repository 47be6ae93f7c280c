"""Users: accounts, Argon2 passwords, bearer-token login and public profiles.

Its settings are ``HOBBYMATCH_USERS_*`` (:class:`UsersSettings`); its hooks, for other modules
to implement, are in :mod:`modules.users.hookspecs`: the events ``users_user_deleted``,
``users_user_deactivated``, ``users_user_reactivated`` and ``users_hidden_pair``, and the
extension points ``users_hidden_from`` (who is hidden from whom), ``users_gone_for`` (who
must look deleted to whom), ``users_profile_extras`` (what a public profile shows) and
``users_permissions`` (the permissions a module checks, and the roles that hold them; roles
are given with ``hobbymatch users grant EMAIL ROLE``). Other
modules may use what this front door exports, and nothing else of the module:

- ``User``: the model, to point foreign keys at ``users.id`` (use ``ondelete="CASCADE"``, so that
  deleting an account deletes what your module keeps for it).
- ``current_user`` / ``CurrentUser``: the dependency giving the signed-in caller (401 otherwise);
  ``UNAUTHENTICATED``, that 401 for a route's ``responses``.
- ``verified_user`` / ``VerifiedUser``: the signed-in caller, who must also have verified
  their address when ``HOBBYMATCH_USERS_REQUIRE_VERIFIED_EMAIL`` is on (403 otherwise), for
  what reaches other people (a connection request, a message); ``UNVERIFIED``, its 401 and
  403 for a route's ``responses``.
- ``permitted(permission)``: a dependency giving the signed-in caller, who must hold a role
  with ``permission``, read from the database on each request (403 otherwise);
  ``NOT_PERMITTED``, its 401 and 403 for a route's ``responses``; ``holds_permission(db,
  user_id=, permission=)``, the same check as a ``bool``.
- ``current_user_or_none`` / ``MaybeCurrentUser``: the same, or ``None`` without a token, for
  routes anyone may read (an invalid token is still 401).
- ``UserPublic``: the public-profile schema (never an email or a password hash).
- ``get_user``: load an active user by id, or raise ``UserNotFoundError`` (404); given a
  ``viewer_id``, a user hidden from the viewer is missing too; given ``as_seen_by``, only a
  user gone for them (``gone_for``) is.
- ``users_by_id(db, ids)``: the users with these ids, by id, in one query (for a page's
  people: never one query per item).
- ``hidden_from(db, user_id)``: the people hidden from ``user_id`` (the ``users_hidden_from``
  extension point): leave them out of every listing you show ``user_id``.
  ``not_hidden_from(db, user_id, column)``: the same as a SQL condition on a user-id column,
  folded into your query (no read of its own).
- ``ProfileExtra``: what a ``users_profile_extras`` implementation answers for each field.
- ``gone_for(db, user_id)``: the people who must look to ``user_id`` exactly like deleted
  accounts (the ``users_gone_for`` extension point: who blocked them). Whatever your module
  shows ``user_id`` of a deleted account, show of these.
- ``hide_from_each_other(db, user_id=, other_user_id=)``: fire ``users_hidden_pair``, so that
  every module ends what links the two (a blocking module calls it).
- ``is_active_user(column)``: a SQL condition, true when the user id in ``column`` is not a
  deactivated account's; cheap over many rows (a NOT EXISTS against a small index).
- ``has_verified_address(column)``: a SQL condition, true when the user id in ``column`` is an
  active account with a verified address: one that may be sent mail it did not ask for.
- ``restrict_user(db, user_id=, restriction=, reason=, until=)``: suspend (``until``), ban
  or hold in review (``Restriction``) an account, in the caller's transaction: hidden and
  signed out at once, sign-in refused with the reason, which is mailed to its owner; never
  milder than one it has. ``lift_restriction(db, user_id=, only=None)`` ends it (``only``
  that kind). For a moderating module.
- ``inactive_user_ids()``: a select of the deactivated accounts' ids, for
  ``column.not_in(inactive_user_ids())`` where a query ranks or counts very many rows.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path

import click
import pluggy
from fastapi import APIRouter, FastAPI
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from core import Base, JobDeclaration, ModuleInfo, Platform, hookimpl
from modules.users import hookspecs
from modules.users.demo import seed_demo_users
from modules.users.dependencies import (
    NOT_PERMITTED,
    UNAUTHENTICATED,
    UNVERIFIED,
    CurrentUser,
    MaybeCurrentUser,
    VerifiedUser,
    current_user,
    current_user_or_none,
    permitted,
    verified_user,
)
from modules.users.exceptions import UserNotFoundError
from modules.users.hookspecs import ProfileExtra
from modules.users.metrics import ThrottleMetrics
from modules.users.models import (
    LoginAttempt,
    User,
    UserRole,
    has_verified_address,
    inactive_user_ids,
    is_active_user,
)
from modules.users.restrictions import Restriction, lift_restriction, restrict_user
from modules.users.roles import holds_permission
from modules.users.schemas import UserPublic
from modules.users.service import (
    get_user,
    gone_for,
    hidden_from,
    hide_from_each_other,
    not_hidden_from,
    users_by_id,
)
from modules.users.settings import UsersSettings

MODULE_INFO = ModuleInfo(name="users", version="0.1.0", settings=UsersSettings)

__all__ = [
    "MODULE_INFO",
    "NOT_PERMITTED",
    "UNAUTHENTICATED",
    "UNVERIFIED",
    "CurrentUser",
    "MaybeCurrentUser",
    "ProfileExtra",
    "Restriction",
    "User",
    "UserNotFoundError",
    "UserPublic",
    "UsersSettings",
    "VerifiedUser",
    "current_user",
    "current_user_or_none",
    "get_user",
    "gone_for",
    "has_verified_address",
    "hidden_from",
    "hide_from_each_other",
    "holds_permission",
    "inactive_user_ids",
    "is_active_user",
    "lift_restriction",
    "not_hidden_from",
    "permitted",
    "restrict_user",
    "users_by_id",
    "verified_user",
]


@hookimpl
def hobbymatch_addhooks(plugin_manager: pluggy.PluginManager) -> None:
    """Declare the users module's events (:mod:`modules.users.hookspecs`)."""
    plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def hobbymatch_jobs() -> Sequence[JobDeclaration]:
    """The users module's mails: a password-reset link (``users.send_password_reset``), a link
    that verifies an address (``users.send_address_check``), and the notice of a change to the
    old address (``users.tell_old_address``)."""
    from modules.users import jobs

    return [
        jobs.send_password_reset,
        jobs.send_address_check,
        jobs.tell_old_address,
        jobs.tell_restriction,
    ]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """The users module's tables: accounts, failed login attempts and roles."""
    return [User, LoginAttempt, UserRole]


@hookimpl
def hobbymatch_metrics(app: FastAPI) -> Sequence[Collector]:
    """Attempts refused by the module's limits, by limit (:mod:`modules.users.metrics`)."""
    metrics = ThrottleMetrics()
    Platform.of(app).keep(metrics)
    return metrics.collectors


@hookimpl
def hobbymatch_cli_commands() -> Sequence[click.Command]:
    """``hobbymatch users grant|revoke|roles|lift``: the roles and restrictions of accounts."""
    from modules.users.commands import users_command

    return [users_command]


@hookimpl
def hobbymatch_startup(app: FastAPI) -> None:
    """Read the signing key, or make it beside the SQLite file, before the first request: so
    that a new key is announced at startup, and every worker reads the one key."""
    _ = Platform.of(app).settings_of(UsersSettings).signing_key  # the first read makes it


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Demo users with plausible names, all with the password ``HOBBYMATCH_USERS_DEMO_PASSWORD``
    (by default ``hobbymatch-demo``)."""
    return seed_demo_users(db, count=count, seed=seed)


@hookimpl
def hobbymatch_module_templates() -> Path:
    """For ``hobbymatch new-module --requires users``: items that belong to the signed-in
    person, private to them and deleted with their account."""
    return Path(__file__).parent / "templates"


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/users`` and ``/auth/token``."""
    from modules.users.router import router

    return [router]

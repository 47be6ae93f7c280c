"""The users module's hooks, for other modules to implement (``@hookimpl`` in their front
door): events about accounts, and who is hidden from whom.

Each event is called inside the transaction that made the change, with its session: what an
implementation writes commits or rolls back with it. An implementation that raises rolls the
change back, and the request fails.
"""

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from core import hookspec


@hookspec
def users_user_deleted(db: Session, user_id: uuid.UUID) -> None:
    """An account was deleted; the database has already removed, by cascade, every row that
    points at it with ``ondelete="CASCADE"``.

    :param db: the session of the deleting transaction.
    :param user_id: the deleted account's id.
    """


@hookspec
def users_user_deactivated(db: Session, user_id: uuid.UUID) -> None:
    """An account was deactivated by its owner: it is hidden from every listing and match, and
    its tokens stopped working. Its rows stay.

    :param db: the session of the deactivating transaction.
    :param user_id: the account's id.
    """


@hookspec
def users_user_reactivated(db: Session, user_id: uuid.UUID) -> None:
    """A deactivated account signed in again, which reactivates it.

    :param db: the session of the login's transaction.
    :param user_id: the account's id.
    """


# --- Who may see whom ---


@hookspec
def users_hidden_from(user_id: ColumnElement[uuid.UUID]) -> Select[uuid.UUID] | None:
    """The people hidden from the person whose id is ``user_id`` (an extension point), as a
    select of one column, their ids: every module that lists people leaves them out of what it
    shows that person, and addressing one of them (a connection request, say) answers 404, as
    if they did not exist. Hide both ways: a module that hides B from A also hides A from B.

    ``user_id`` is a bound parameter, not a value: the users module asks once, folds your
    select into its own queries (``NOT IN``) and runs them with each request's id. Build the
    select from it and your tables; read nothing here. Read the answer through
    :func:`modules.users.hidden_from` or :func:`modules.users.not_hidden_from`.

    :param user_id: the id of the person looking, a bound parameter.
    :return: the select, or ``None``.
    """


@hookspec
def users_gone_for(user_id: ColumnElement[uuid.UUID]) -> Select[uuid.UUID] | None:
    """The people who must look to the person whose id is ``user_id`` exactly like deleted
    accounts (an extension point), as a select of one column, their ids: those who blocked
    them, say. Unlike :func:`users_hidden_from`, one way only: what the two shared stays
    visible to the other side (a conversation kept for a report), but that person must not be
    able to tell them from an account that is gone — in any status code, body, total, page, or
    the work a request does.

    ``user_id`` is a bound parameter, as for :func:`users_hidden_from`. Read the answer
    through :func:`modules.users.gone_for`; every person it names is also among
    :func:`users_hidden_from`'s.

    :param user_id: the id of the person looking, a bound parameter.
    :return: the select, or ``None``.
    """


@hookspec
def users_hidden_pair(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """An event: from now on, ``user_id`` and ``other_user_id`` are hidden from each other (one
    blocked the other). End whatever links the two in your module, in this transaction.

    :param db: the session of the hiding transaction.
    :param user_id: who asked for it.
    :param other_user_id: the person now hidden from them.
    """


# --- What a public profile shows ---


@dataclass(frozen=True)
class ProfileExtra:
    """One field of a public profile, read in the profile's own query: ``columns`` are scalar
    SQL expressions over the profiled user's id column (a correlated ``scalar_subquery()``,
    say), and ``shape`` turns their values, in that order, into the field's JSON value."""

    columns: tuple[ColumnElement[Any], ...]
    shape: Callable[..., object]


@hookspec
def users_profile_extras(user_id: ColumnElement[uuid.UUID]) -> Mapping[str, ProfileExtra] | None:
    """More of a public profile (an extension point): the fields your module adds to
    ``GET /users/{user_id}``'s ``extras``, named after your module
    (``{"meetups_reliability": ...}``), JSON values only. Each is a :class:`ProfileExtra` whose
    columns the users module adds to the one query that reads the profile, so a field costs no
    round trip of its own; it asks once and reuses that query for every request, so build
    the columns from ``user_id`` and your tables, and read nothing here. Anyone who may read
    the profile sees them: add nothing private.

    :param user_id: the profiled user's id, a column of that query: correlate to it.
    :return: the fields, or ``None``.
    """


# --- Who may do what ---


@hookspec
def users_permissions() -> Mapping[str, Collection[str]] | None:
    """The permissions your module checks (an extension point), named after it, each with the
    roles that hold it: ``{"moderation.review": ["moderator"]}``. A role exists once some
    permission names it; ``hobbymatch users grant EMAIL ROLE`` gives it to an account. Guard
    a route with :func:`modules.users.permitted`.

    :return: each permission and the roles that hold it, or ``None``.
    """

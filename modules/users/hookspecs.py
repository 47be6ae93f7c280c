"""The users module's hooks, for other modules to implement (``@hookimpl`` in their front
door): events about accounts, and who is hidden from whom.

Each event is called inside the transaction that made the change, with its session: what an
implementation writes commits or rolls back with it. An implementation that raises rolls the
change back, and the request fails.
"""

import uuid
from collections.abc import Collection, Mapping

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
def users_hidden_from(db: Session, user_id: uuid.UUID) -> Collection[uuid.UUID] | None:
    """The people hidden from ``user_id`` (an extension point): every module that lists people
    leaves them out of what it shows ``user_id``, and addressing one of them (a connection
    request, say) answers 404, as if they did not exist. Hide both ways: a module that hides B
    from A also hides A from B.

    Read it through :func:`modules.users.hidden_from`, which asks every implementation.

    :param db: the request's session.
    :param user_id: the person looking.
    :return: the ids to hide, or ``None``.
    """


@hookspec
def users_gone_for(db: Session, user_id: uuid.UUID) -> Collection[uuid.UUID] | None:
    """The people who must look to ``user_id`` exactly like deleted accounts (an extension
    point): those who blocked ``user_id``, say. Unlike :func:`users_hidden_from`, one way only:
    what the two shared stays visible to the other side (a conversation kept for a report), but
    ``user_id`` must not be able to tell them from an account that is gone — in any status
    code, body, total, page, or the work a request does.

    Read it through :func:`modules.users.gone_for`, which asks every implementation; every
    person it names is also among :func:`users_hidden_from`'s.

    :param db: the request's session.
    :param user_id: the person looking.
    :return: the ids that look gone to ``user_id``, or ``None``.
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


@hookspec
def users_profile_extras(db: Session, user_id: uuid.UUID) -> Mapping[str, object] | None:
    """More of ``user_id``'s public profile (an extension point): the fields your module adds
    to ``GET /users/{user_id}``'s ``extras``, named after your module
    (``{"meetups_reliability": ...}``), JSON values only. Anyone who may read the profile sees
    them: add nothing private.

    :param db: the request's session.
    :param user_id: whose profile is read.
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

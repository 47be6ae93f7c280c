"""The users module's events, for other modules to implement (``@hookimpl`` in their front
door). Each is called inside the transaction that made the change, with its session: what an
implementation writes commits or rolls back with it. An implementation that raises rolls the
change back, and the request fails.
"""

import uuid

from sqlalchemy.orm import Session

from core.modules import hookspec


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

"""The skills module's events, for other modules to implement (``@hookimpl`` in their front
door). Each is called inside the transaction that made the change, with its session: what an
implementation writes commits or rolls back with it.
"""

import uuid

from sqlalchemy.orm import Session

from core import hookspec


@hookspec
def skills_list_changed(db: Session, user_id: uuid.UUID) -> None:
    """A user's skill list changed (replaced, an entry added or removed); the new list and its
    ``SkillProfile`` are written, and readable through ``db``.

    :param db: the session of the changing transaction.
    :param user_id: whose list changed.
    """

"""The matches module's events, for other modules to implement (``@hookimpl`` in their front
door). Each is called inside the transaction that made the change, with its session, after the
change is written and before it commits: what an implementation writes commits or rolls back
with it, and an implementation that raises makes the request fail with nothing changed.

A request is a ``ConnectionRequest`` (exported by the front door): ``id``, ``sender_id``,
``recipient_id``, ``message``, ``status``, ``created_at``, ``responded_at``.
"""

import uuid

from sqlalchemy.orm import Session

from core.modules import hookspec
from modules.matches.models import ConnectionRequest


@hookspec
def matches_request_sent(db: Session, request: ConnectionRequest) -> None:
    """Someone asked someone else to connect.

    :param db: the session of the sending transaction.
    :param request: the new, pending request.
    """


@hookspec
def matches_request_accepted(db: Session, request: ConnectionRequest) -> None:
    """A request was accepted: its sender and recipient are now connected.

    :param db: the session of the accepting transaction.
    :param request: the request, its status now ``accepted``.
    """


@hookspec
def matches_request_declined(db: Session, request: ConnectionRequest) -> None:
    """A request was declined by its recipient.

    :param db: the session of the declining transaction.
    :param request: the request, its status now ``declined``.
    """


@hookspec
def matches_request_withdrawn(db: Session, request: ConnectionRequest) -> None:
    """A pending request was withdrawn by its sender; it is deleted when the transaction
    commits.

    :param db: the session of the withdrawing transaction.
    :param request: the request as it was, still ``pending``.
    """


@hookspec
def matches_connection_removed(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """A connection ended: ``user_id`` removed their connection with ``other_user_id``.

    :param db: the session of the removing transaction.
    :param user_id: who ended it.
    :param other_user_id: the person they were connected with.
    """

"""The messages module's events, for other modules to implement (``@hookimpl`` in their front
door). Each is called inside the transaction that made the change, with its session: what an
implementation writes commits or rolls back with it, and one that raises fails the request.

A message is a ``Message`` (exported by the front door): ``id``, ``sender_id``,
``recipient_id``, ``text``, ``sent_at``, ``read_at``.
"""

import uuid

from sqlalchemy.orm import Session

from core import hookspec
from modules.messages.models import Message


@hookspec
def messages_message_sent(db: Session, message: Message) -> None:
    """Someone wrote to someone they are connected with (``POST /messages``).

    :param db: the session of the sending transaction.
    :param message: the new message, its id assigned.
    """


@hookspec
def messages_conversation_read(db: Session, user_id: uuid.UUID, other_user_id: uuid.UUID) -> None:
    """``user_id`` read every message ``other_user_id`` had sent them
    (``POST /messages/with/{other_user_id}/read``).

    :param db: the session of the marking transaction.
    :param user_id: the reader.
    :param other_user_id: the person whose messages were read.
    """

"""Messages: connected people write to each other inside the app.

Requires users and matches, and uses only what their front doors export: a message needs a
connection (``are_connected``), so after a connection ends, or a block ends it, new messages
get 403 while the history stays readable. Deleting either account deletes their messages.

Its events, for other modules to implement, are in :mod:`modules.messages.hookspecs`
(``messages_message_sent``, ``messages_conversation_read``); its settings are
``HOBBYMATCH_MESSAGES_*`` (:class:`MessagesSettings`). Other modules may use what this front
door exports:

- ``Message``: the model the events carry (``id``, ``sender_id``, ``recipient_id``, ``text``,
  ``sent_at``, ``read_at``, ``hidden_at``), for read-only queries.
- ``reported_message(db, message_id=, reporter_id=)``: for a moderating module, the sender
  of a message the reporter sent or received and its evidence (the message, the 20 of the
  conversation up to it and its last 20), or ``MessageNotFoundError`` (404);
  ``set_message_hidden(db, message_id=, hidden=)`` hides it from everyone (or shows it
  again).
"""

from collections.abc import Iterator, Sequence

import pluggy
from fastapi import APIRouter
from sqlalchemy.orm import Session

from core import Base, ModuleInfo, hookimpl
from modules.messages import hookspecs
from modules.messages.demo import seed_demo_messages
from modules.messages.exceptions import MessageNotFoundError
from modules.messages.models import Message
from modules.messages.reporting import reported_message, set_message_hidden
from modules.messages.settings import MessagesSettings

MODULE_INFO = ModuleInfo(
    name="messages", version="0.1.0", requires=("users", "matches"), settings=MessagesSettings
)

__all__ = [
    "MODULE_INFO",
    "Message",
    "MessageNotFoundError",
    "reported_message",
    "set_message_hidden",
]


@hookimpl
def hobbymatch_addhooks(plugin_manager: pluggy.PluginManager) -> None:
    """Declare the messages module's events (:mod:`modules.messages.hookspecs`)."""
    plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """The messages."""
    return [Message]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/messages``."""
    from modules.messages.router import router

    return [router]


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """A few messages in most demo connections, the latest ones unread."""
    return seed_demo_messages(db, count=count, seed=seed)

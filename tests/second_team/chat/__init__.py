"""Chat: only connected people may write to each other (a test module of the second team).

Requires users and matches. Writing needs a connection (``are_connected``); a conversation
stays readable after the connection ends. When a connection request is accepted, the chat
greets the two in the same transaction (``matches_request_accepted``).
"""

from collections.abc import Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session

from core import Base
from core.modules import ModuleInfo, hookimpl
from modules.matches import ConnectionRequest

from .models import GREETING, ChatMessage

MODULE_INFO = ModuleInfo(name="chat", version="0.1.0", requires=("users", "matches"))

__all__ = ["MODULE_INFO"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """The messages."""
    return [ChatMessage]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/chat/messages`` and ``/chat/with/{user_id}``."""
    from .router import router

    return [router]


@hookimpl
def matches_request_accepted(db: Session, request: ConnectionRequest) -> None:
    """Greet the two, from the recipient to the sender, in the accepting transaction."""
    db.add(
        ChatMessage(sender_id=request.recipient_id, recipient_id=request.sender_id, text=GREETING)
    )

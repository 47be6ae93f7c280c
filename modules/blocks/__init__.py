"""Blocks: a person stops someone from seeing or reaching them, without telling them.

Requires the users module, and uses only what its front door exports. A block, in either
direction, hides each from the other everywhere people are listed or addressed: this module
answers the users module's ``users_hidden_from`` extension point, and on a new block calls
``hide_from_each_other``, whose ``users_hidden_pair`` event makes the other modules end what
links the two (matches withdraws their pending requests and ends their connection; the
messages module then refuses new messages, since they are no longer connected). To the blocked
person, the blocker is exactly like a deleted account (``users_gone_for``): every status code,
body, total and page, and the work each request does; the blocker keeps their side (the
conversation, for a report). Its settings are ``HOBBYMATCH_BLOCKS_*``
(:class:`BlocksSettings`). It exports nothing for other modules.
"""

import uuid
from collections.abc import Iterator, Sequence

from fastapi import APIRouter
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from core import Base, ModuleInfo, hookimpl
from modules.blocks.demo import seed_demo_blocks
from modules.blocks.models import Block
from modules.blocks.service import blockers_of, hidden_for
from modules.blocks.settings import BlocksSettings

MODULE_INFO = ModuleInfo(
    name="blocks", version="0.1.0", requires=("users",), settings=BlocksSettings
)

__all__ = ["MODULE_INFO"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Who blocked whom."""
    return [Block]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/blocks``."""
    from modules.blocks.router import router

    return [router]


@hookimpl
def users_hidden_from(user_id: ColumnElement[uuid.UUID]) -> Select[uuid.UUID]:
    """The people they blocked, and those who blocked them."""
    return hidden_for(user_id)


@hookimpl
def users_gone_for(user_id: ColumnElement[uuid.UUID]) -> Select[uuid.UUID]:
    """The people who blocked them: to them, exactly like deleted accounts."""
    return blockers_of(user_id)


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """A few blocks between demo users (about one person in a hundred blocks someone)."""
    return seed_demo_blocks(db, count=count, seed=seed)

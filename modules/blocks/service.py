"""The blocks module's rules: plain functions that take a session, never HTTP."""

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, func, select, union
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import PageParams, Platform
from modules.blocks.exceptions import (
    AlreadyBlockedError,
    BlockingYourselfError,
    NotBlockedError,
    TooManyBlocksError,
)
from modules.blocks.models import Block
from modules.blocks.settings import BlocksSettings
from modules.users import User, get_user, hide_from_each_other, is_active_user


def block(db: Session, *, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> tuple[User, Block]:
    """Block ``blocked_id``: hidden from each other from now on, and every module ends what
    linked the two (``users_hidden_pair``), in this transaction. Returns the blocked person and
    the block.

    :raises BlockingYourselfError: the two are one person.
    :raises UserNotFoundError: no active user is ``blocked_id``.
    :raises TooManyBlocksError: the caller already blocks as many people as allowed.
    :raises AlreadyBlockedError: the caller already blocks this person.
    """
    if blocker_id == blocked_id:
        raise BlockingYourselfError()
    # Someone who blocked the caller is gone for them, as a deleted account would be; someone
    # the caller blocked already is not, so blocking them again is the 409 below.
    blocked = get_user(db, user_id=blocked_id, as_seen_by=blocker_id)
    limit = Platform.of(db).settings_of(BlocksSettings).max_blocks_per_user
    blocking = db.scalar(select(func.count()).where(Block.blocker_id == blocker_id)) or 0
    if blocking >= limit:
        raise TooManyBlocksError(limit)
    entry = Block(blocker_id=blocker_id, blocked_id=blocked_id)
    db.add(entry)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise AlreadyBlockedError("you already block this person") from None
    hide_from_each_other(db, user_id=blocker_id, other_user_id=blocked_id)
    db.commit()
    return blocked, entry


def unblock(db: Session, *, blocker_id: uuid.UUID, blocked_id: uuid.UUID) -> None:
    """Stop blocking ``blocked_id``; what the block ended stays ended.

    :raises NotBlockedError: the caller does not block this person.
    """
    removed = db.execute(
        delete(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
    )
    if not removed.rowcount:  # type: ignore[attr-defined]
        raise NotBlockedError("you do not block this person")
    db.commit()


def list_blocks(
    db: Session, *, blocker_id: uuid.UUID, page: PageParams
) -> tuple[list[tuple[User, datetime]], int]:
    """One page of the active people the caller blocks, newest block first, and how many."""
    conditions = [Block.blocker_id == blocker_id, is_active_user(Block.blocked_id)]
    total = db.scalar(select(func.count()).select_from(Block).where(*conditions)) or 0
    rows = db.execute(
        select(User, Block.created_at)
        .join(Block, Block.blocked_id == User.id)
        .where(*conditions)
        .order_by(Block.created_at.desc(), Block.blocked_id)
        .limit(page.limit)
        .offset(page.offset)
    ).all()
    return [(user, at) for user, at in rows], total


def blockers_of(user_id: ColumnElement[uuid.UUID]) -> Select[uuid.UUID]:
    """A select of the people who block the user whose id is ``user_id``."""
    return select(Block.blocker_id).where(Block.blocked_id == user_id)


def hidden_for(user_id: ColumnElement[uuid.UUID]) -> Select[uuid.UUID]:
    """A select of the people the user whose id is ``user_id`` blocks, and of those who block
    them."""
    either_way = union(
        select(Block.blocked_id).where(Block.blocker_id == user_id),
        select(Block.blocker_id).where(Block.blocked_id == user_id),
    )
    return select(either_way.subquery().c[0])

"""Business rules: plain functions that take a session, never HTTP."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import PageParams, fetch_page

from .exceptions import ItemNotFoundError
from .models import Item


def create_item(db: Session, *, owner_id: uuid.UUID, text: str) -> Item:
    """Store a new item for ``owner_id``."""
    item = Item(owner_id=owner_id, text=text)
    db.add(item)
    db.commit()
    return item


def list_items(db: Session, *, owner_id: uuid.UUID, page: PageParams) -> tuple[list[Item], int]:
    """One page of the owner's items, newest first, and how many they have in all."""
    statement = (
        select(Item)
        .where(Item.owner_id == owner_id)
        .order_by(Item.created_at.desc(), Item.id.desc())
    )
    return fetch_page(db, statement, page)


def delete_item(db: Session, *, owner_id: uuid.UUID, item_id: int) -> None:
    """Delete one of the owner's items.

    :raises ItemNotFoundError: the owner has no item with that id.
    """
    item = db.get(Item, item_id)
    if item is None or item.owner_id != owner_id:
        raise ItemNotFoundError("item not found")
    db.delete(item)
    db.commit()

"""Meetups: a HobbyMatch module. Say here what it is for.

Other modules may use what this front door exports, and nothing else of the module.
"""

from collections.abc import Iterator, Sequence

from fastapi import APIRouter
from sqlalchemy.orm import Session

from core import Base, ModuleInfo, hookimpl

from .demo import seed_demo_items
from .models import Item

MODULE_INFO = ModuleInfo(
    name="meetups",
    version="0.1.0",
    requires=("users", "skills", "places", "notifications", "matches", "blocks"),
)

__all__ = ["MODULE_INFO"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """The module's tables."""
    return [Item]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/meetups``."""
    from .router import router

    return [router]


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Demo items for ``hobbymatch seed``."""
    return seed_demo_items(db, count=count, seed=seed)

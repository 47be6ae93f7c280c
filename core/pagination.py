"""Pagination shared by every module: ``limit``/``offset`` query parameters and the page body."""

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

Item = TypeVar("Item")
Entity = TypeVar("Entity")


class PageParams(BaseModel):
    """Which slice of a list the client asked for."""

    limit: int
    offset: int


async def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")
    ] = DEFAULT_PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip")] = 0,
) -> PageParams:
    """FastAPI dependency: read and bound ``limit`` (1..100) and ``offset`` (>= 0). Async,
    though it awaits nothing: a sync dependency would cost the request a thread-pool hop."""
    return PageParams(limit=limit, offset=offset)


Pagination = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[Item]):
    """One page of a list: ``{items, total, limit, offset}``."""

    items: list[Item]
    total: int
    limit: int
    offset: int


def fetch_page(
    db: Session,
    statement: Select[Entity],
    page: PageParams,
    *,
    counted: Select[Any] | None = None,
) -> tuple[list[Entity], int]:
    """One page of what ``statement`` selects, and how many rows it matches in all.

    :param statement: a select of one entity, ordered stably (the ordering ends with a unique
        column), without limit or offset.
    :param counted: a cheaper select matching exactly as many rows (for example without a join
        that only adds columns), counted instead of ``statement``.
    """
    source = (counted if counted is not None else statement).order_by(None).subquery()
    total = db.scalar(select(func.count()).select_from(source)) or 0
    items = db.scalars(statement.limit(page.limit).offset(page.offset)).all()
    return list(items), total

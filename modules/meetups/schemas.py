"""Request and response bodies."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict

from core import Page, StrictBody, TrimmedTo


class ItemCreate(StrictBody):
    """``POST /meetups``: a new item."""

    text: Annotated[str, TrimmedTo(500)]


class ItemOut(BaseModel):
    """An item."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    created_at: datetime


class ItemPage(Page[ItemOut]):
    """A page of items, newest first."""

"""The blocks module's request and response bodies."""

import uuid
from datetime import datetime

from pydantic import BaseModel

from core import Page, StrictBody
from modules.users import UserPublic


class BlockCreate(StrictBody):
    """``POST /blocks``: whom to block."""

    user_id: uuid.UUID


class BlockOut(BaseModel):
    """A person the caller blocks, and since when."""

    user: UserPublic
    blocked_at: datetime


class BlockPage(Page[BlockOut]):
    """One page of the people the caller blocks, newest block first."""

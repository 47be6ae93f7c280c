"""The matches module's request and response bodies."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from core import Page, StrictBody
from modules.matches.rule import MatchType, ReasonKind, Teacher
from modules.users import UserPublic


class MatchReason(BaseModel):
    """One thing that adds to a match's score."""

    kind: ReasonKind
    text: str = Field(description="The reason in words")
    skill: str | None = None
    category: str
    teacher: Teacher | None = None
    your_rank: int
    their_rank: int
    points: float


class Match(BaseModel):
    """Someone to meet, how well they match, and why; other modules may add fields
    (``matches_annotate``), such as a distance."""

    model_config = ConfigDict(extra="allow")

    user: UserPublic
    score: float
    type: MatchType
    reasons: list[MatchReason]


class MatchPage(Page[Match]):
    """A page of matches, best first."""


class ConnectionRequestCreate(StrictBody):
    """``POST /matches/requests``: ask someone to connect."""

    user_id: uuid.UUID
    message: Annotated[str, Field(max_length=500)] | None = None


class ConnectionRequestOut(BaseModel):
    """A connection request, as its sender or recipient sees it."""

    id: uuid.UUID
    sender: UserPublic
    recipient: UserPublic
    message: str | None
    status: str
    created_at: datetime
    responded_at: datetime | None


class ConnectionRequestPage(Page[ConnectionRequestOut]):
    """A page of connection requests, newest first."""


class ConnectedUser(UserPublic):
    """Someone the caller is connected with, email included so that they can meet."""

    email: str


class Connection(BaseModel):
    """A connection: the other person, and since when."""

    user: ConnectedUser
    connected_at: datetime


class ConnectionPage(Page[Connection]):
    """A page of connections, newest first."""

"""Matches: ranked, explained matches between users, and connection requests.

Requires users and skills, and uses only what their front doors export. Matching runs in the
database: ``shared`` ranks people who list the same skills, ``trade`` people who teach what the
caller wants to learn (see :mod:`modules.matches.scoring`). Connection requests, once accepted,
are the one place where two users see each other's email.

This module exports nothing for other modules yet.
"""

from collections.abc import Sequence

from fastapi import APIRouter

from core.database import Base
from core.modules import ModuleInfo, hookimpl
from modules.matches.models import ConnectionRequest

MODULE_INFO = ModuleInfo(name="matches", version="0.1.0", requires=("users", "skills"))

__all__ = ["MODULE_INFO"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Connection requests."""
    return [ConnectionRequest]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/matches``, ``/matches/requests`` and ``/matches/connections``."""
    from modules.matches.router import router

    return [router]

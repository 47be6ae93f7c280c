"""Matches: ranked, explained matches between users, and connection requests.

Requires users and skills, and uses only what their front doors export. Matching runs in the
database: ``shared`` ranks people who list the same skills, ``trade`` people who teach what the
caller wants to learn (see :mod:`modules.matches.scoring`). Connection requests, once accepted,
are the one place where two users see each other's email.

Its events, for other modules to implement, are in :mod:`modules.matches.hookspecs`
(``matches_request_sent``, ``_accepted``, ``_declined``, ``_withdrawn``,
``matches_connection_removed``). Other modules may use what this front door exports:

- ``are_connected(db, a, b)``: whether two users are connected.
- ``ConnectionRequest`` and ``RequestStatus``: the model the events carry, and its statuses.
"""

from collections.abc import Sequence

import pluggy
from fastapi import APIRouter

from core.database import Base
from core.modules import ModuleInfo, hookimpl
from modules.matches import hookspecs
from modules.matches.models import ConnectionRequest, RequestStatus
from modules.matches.service import are_connected

MODULE_INFO = ModuleInfo(name="matches", version="0.1.0", requires=("users", "skills"))

__all__ = ["MODULE_INFO", "ConnectionRequest", "RequestStatus", "are_connected"]


@hookimpl
def hobbymatch_addhooks(plugin_manager: pluggy.PluginManager) -> None:
    """Declare the matches module's events (:mod:`modules.matches.hookspecs`)."""
    plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Connection requests."""
    return [ConnectionRequest]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/matches``, ``/matches/requests`` and ``/matches/connections``."""
    from modules.matches.router import router

    return [router]

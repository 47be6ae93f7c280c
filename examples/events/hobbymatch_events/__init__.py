"""Events: hobby meet-ups that users organize around a skill, and RSVP to.

A HobbyMatch module shipped as its own distribution; the core finds it through the entry point
``events`` in the group ``hobbymatch.modules``. It exports nothing for other modules.
"""

from collections.abc import Sequence

from fastapi import APIRouter

from core import Base, ModuleInfo, hookimpl
from hobbymatch_events.models import Event, Rsvp

MODULE_INFO = ModuleInfo(name="events", version="0.1.0", requires=("users", "skills"))

__all__ = ["MODULE_INFO"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Events and RSVPs."""
    return [Event, Rsvp]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/events``."""
    from hobbymatch_events.router import router

    return [router]

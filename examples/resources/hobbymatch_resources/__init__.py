"""Resources: the books, videos and courses that people recommend for learning a skill.

A HobbyMatch module shipped as its own distribution; the core finds it through the entry point
``resources`` in the group ``hobbymatch.modules``. It exports nothing for other modules.
"""

from collections.abc import Sequence

from fastapi import APIRouter

from core import Base, ModuleInfo, hookimpl
from hobbymatch_resources.models import Recommendation, Resource

MODULE_INFO = ModuleInfo(name="resources", version="0.1.0", requires=("users", "skills"))

__all__ = ["MODULE_INFO"]


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """Resources and who recommends them."""
    return [Resource, Recommendation]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/resources``."""
    from hobbymatch_resources.router import router

    return [router]

"""Skills: the catalog of hobbies and skills, and each user's ranked list of what they share,
teach or want to learn.

Requires the users module. Its event ``skills_list_changed`` (:mod:`modules.skills.hookspecs`)
tells other modules, in the same transaction, that a user's list changed. Other modules may use
what this front door exports, and nothing else of the module (query the models and compare with
the enums; never write column names in SQL strings):

- ``Skill`` and ``UserSkill``: the models, for foreign keys and read-only queries (a user's
  entries have ``user_id``, ``skill_id``, ``intent`` and ``rank``; rank 1 matters most).
- ``Category`` and ``Intent``: the fixed categories and the intents ``share``, ``teach``, ``learn``.
- ``SkillOut``: the schema of a skill, ``{id, name, category}``.
- ``MAX_SKILLS_PER_USER``: how many skills a list holds at most (10).
- ``SkillProfile`` and ``category_bit``: one row per user with a list, kept in step with it;
  ``category_mask`` holds the ``category_bit(category)`` of every category the list touches,
  so that a query can test "has this user anything in category X" without reading the list.
"""

from collections.abc import Iterator, Sequence

import pluggy
from fastapi import APIRouter, FastAPI
from sqlalchemy.orm import Session

from core import Base, ModuleInfo, Settings, hookimpl
from modules.skills import hookspecs
from modules.skills.demo import seed_demo_lists
from modules.skills.models import (
    MAX_SKILLS_PER_USER,
    Category,
    Intent,
    Skill,
    SkillProfile,
    UserSkill,
    category_bit,
)
from modules.skills.schemas import SkillOut
from modules.skills.service import load_starting_catalog

MODULE_INFO = ModuleInfo(name="skills", version="0.1.0", requires=("users",))

__all__ = [
    "MAX_SKILLS_PER_USER",
    "MODULE_INFO",
    "Category",
    "Intent",
    "Skill",
    "SkillOut",
    "SkillProfile",
    "UserSkill",
    "category_bit",
]


@hookimpl
def hobbymatch_addhooks(plugin_manager: pluggy.PluginManager) -> None:
    """Declare the skills module's event (:mod:`modules.skills.hookspecs`)."""
    plugin_manager.add_hookspecs(hookspecs)


@hookimpl
def hobbymatch_models() -> Sequence[type[Base]]:
    """The catalog, the users' ranked lists and their profiles."""
    return [Skill, UserSkill, SkillProfile]


@hookimpl
def hobbymatch_routers() -> Sequence[APIRouter]:
    """``/skills``, ``/users/me/skills`` and ``/users/{user_id}/skills``."""
    from modules.skills.router import router

    return [router]


@hookimpl
def hobbymatch_seed(db: Session, count: int, seed: int) -> Iterator[int]:
    """Ten ranked skills for every demo user, popular hobbies often, the long tail rarely."""
    return seed_demo_lists(db, count=count, seed=seed)


@hookimpl
def hobbymatch_startup(app: FastAPI, settings: Settings, db: Session) -> None:
    """Load the starting catalog's missing skills (idempotent, safe for concurrent workers)."""
    load_starting_catalog(db)

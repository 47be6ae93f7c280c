"""The skills module's business rules: plain functions that take a session, never HTTP."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    case,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import PageParams, fetch_page, hooks, insert_ignoring_duplicates
from modules.skills.catalog import STARTING_CATALOG
from modules.skills.exceptions import (
    SkillAlreadyListedError,
    SkillExistsError,
    SkillListFullError,
    SkillNotFoundError,
    SkillNotListedError,
)
from modules.skills.models import (
    MAX_SKILLS_PER_USER,
    Category,
    Intent,
    Skill,
    SkillProfile,
    UserSkill,
    category_bit,
)
from modules.skills.schemas import (
    CategoryCount,
    SkillChoice,
    SkillOut,
    SkillPage,
    normalize_skill_name,
)
from modules.users import User, get_user, hidden_from, is_active_user


def load_starting_catalog(db: Session) -> None:
    """Add the starting catalog's skills that are missing; safe to run again, or concurrently."""
    rows = [
        {"name": name, "key": normalize_skill_name(name), "category": category}
        for name, category in STARTING_CATALOG
    ]
    insert_ignoring_duplicates(db, Skill, rows, unique=["key"])


# The tables' plain columns, for the hot read path: selecting the models' attributes instead
# costs more Python per row set than the query's round trip (result columns are matched).
_SKILLS = Skill.__table__.c


def search_catalog(
    connection: Connection, *, query: str | None, category: Category | None, page: PageParams
) -> SkillPage:
    """One page of the catalog, and how many skills match in all, in one statement on a Core
    connection (the hot read path of ``GET /skills``): the total is counted beside the page (a
    second statement counts only past the last page).

    :param query: keep names containing it, ignoring case; names starting with it come first.
    :param category: keep only this category.
    """
    conditions, ordering = _search_terms(query, category)
    statement = (
        select(_SKILLS.id, _SKILLS.name, _SKILLS.category, func.count().over().label("total"))
        .where(*conditions)
        .order_by(*ordering)
        .limit(page.limit)
        .offset(page.offset)
    )
    rows = connection.execute(statement).all()
    if rows:
        total = rows[0].total
    else:  # past the last page: no row carries the total
        total = connection.execute(select(func.count()).where(*conditions)).scalar_one()
    items = [SkillOut(id=row.id, name=row.name, category=Category(row.category)) for row in rows]
    return SkillPage(items=items, total=total, limit=page.limit, offset=page.offset)


def _search_terms(
    query: str | None, category: Category | None
) -> tuple[list[ColumnElement[bool]], list[ColumnElement[Any]]]:
    # The conditions, and the ordering: names starting with the query first, then by name.
    conditions: list[ColumnElement[bool]] = []
    ordering: list[ColumnElement[Any]] = []
    if query:
        key = normalize_skill_name(query)
        conditions.append(Skill.key.contains(key, autoescape=True))
        ordering.append(case((Skill.key.startswith(key, autoescape=True), 0), else_=1))
    if category is not None:
        conditions.append(Skill.category == category)
    return conditions, [*ordering, Skill.key.expression, Skill.id.expression]


def count_by_category(db: Session) -> list[CategoryCount]:
    """Every category, in the fixed order, with its number of skills (zero included)."""
    counts = dict(db.execute(select(Skill.category, func.count()).group_by(Skill.category)).all())
    return [
        CategoryCount(category=category, skill_count=counts.get(category, 0))
        for category in Category
    ]


def get_skill(db: Session, *, skill_id: int) -> Skill:
    """The skill with ``skill_id``.

    :raises SkillNotFoundError: the catalog has no such skill.
    """
    skill = db.get(Skill, skill_id)
    if skill is None:
        raise SkillNotFoundError("skill not found")
    return skill


def create_skill(db: Session, *, name: str, category: Category, created_by: uuid.UUID) -> Skill:
    """Add a skill to the catalog.

    :raises SkillExistsError: a skill's name already normalizes the same (its id is given).
    """
    key = normalize_skill_name(name)
    skill = Skill(name=" ".join(name.split()), key=key, category=category, created_by=created_by)
    db.add(skill)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        existing = db.scalar(select(Skill.id).where(Skill.key == key))
        raise SkillExistsError("a skill with this name already exists", skill_id=existing) from None
    return skill


def list_user_skills(
    db: Session, *, user_id: uuid.UUID, viewer_id: uuid.UUID | None = None
) -> list[UserSkill]:
    """The user's list, by rank.

    :param viewer_id: who is asking, when not the user: someone hidden from them is missing.
    :raises UserNotFoundError: no active user has that id (or it is hidden from the viewer).
    """
    get_user(db, user_id=user_id, viewer_id=viewer_id)
    return _entries_of(db, user_id)


def replace_user_skills(
    db: Session, *, user_id: uuid.UUID, entries: Sequence[SkillChoice]
) -> list[UserSkill]:
    """Replace the user's whole list in one transaction; on any error it stays as it was.

    :raises SkillNotFoundError: an entry names a skill that the catalog lacks.
    """
    _lock_list_of(db, user_id)
    wanted = {entry.skill_id for entry in entries}
    known = set(db.scalars(select(Skill.id).where(Skill.id.in_(wanted))))
    if wanted - known:
        db.rollback()
        missing = ", ".join(str(skill_id) for skill_id in sorted(wanted - known))
        raise SkillNotFoundError(f"no skill has id {missing}")
    _write_list(db, user_id, [(entry.skill_id, entry.intent) for entry in entries])
    # Read before committing: afterwards another request may already have changed the list,
    # and the answer must describe this write.
    written = _entries_of(db, user_id)
    db.commit()
    return written


def add_user_skill(db: Session, *, user_id: uuid.UUID, skill_id: int, intent: Intent) -> UserSkill:
    """Append a skill at the end of the user's list.

    :raises SkillNotFoundError: the catalog has no such skill.
    :raises SkillAlreadyListedError: the skill is already in the list.
    :raises SkillListFullError: the list already holds the most skills allowed.
    """
    _lock_list_of(db, user_id)
    get_skill(db, skill_id=skill_id)
    current = _entries_of(db, user_id)
    if any(entry.skill_id == skill_id for entry in current):
        db.rollback()
        raise SkillAlreadyListedError("this skill is already in your list")
    if len(current) >= MAX_SKILLS_PER_USER:
        db.rollback()
        raise SkillListFullError(
            f"a list holds at most {MAX_SKILLS_PER_USER} skills", error_type="too_long"
        )
    added = UserSkill(user_id=user_id, skill_id=skill_id, intent=intent, rank=len(current) + 1)
    db.add(added)
    db.flush()
    _list_changed(db, user_id)
    # Loaded before committing (sessions keep loaded state past a commit): afterwards another
    # request may already have changed the list, and the answer must describe this write.
    db.refresh(added)
    db.commit()
    return added


def remove_user_skill(db: Session, *, user_id: uuid.UUID, skill_id: int) -> None:
    """Remove a skill from the user's list; the entries behind it move up one rank.

    :raises SkillNotListedError: the skill is not in the list.
    """
    _lock_list_of(db, user_id)
    current = _entries_of(db, user_id)
    remaining = [(entry.skill_id, entry.intent) for entry in current if entry.skill_id != skill_id]
    if len(remaining) == len(current):
        db.rollback()
        raise SkillNotListedError("this skill is not in your list")
    _write_list(db, user_id, remaining)
    db.commit()


def users_listing_skill(
    db: Session,
    *,
    skill_id: int,
    intent: Intent | None,
    page: PageParams,
    viewer_id: uuid.UUID,
) -> tuple[list[User], int]:
    """One page of the active users who list the skill (with ``intent`` when given), by rank,
    without the people hidden from ``viewer_id`` (the users module's ``users_hidden_from``).

    :raises SkillNotFoundError: the catalog has no such skill.
    """
    get_skill(db, skill_id=skill_id)
    conditions = [UserSkill.skill_id == skill_id, is_active_user(UserSkill.user_id)]
    if intent is not None:
        conditions.append(UserSkill.intent == intent)
    hidden = hidden_from(db, viewer_id)
    if hidden:
        conditions.append(UserSkill.user_id.not_in(hidden))
    joined = select(User).join(UserSkill, UserSkill.user_id == User.id).where(*conditions)
    # Counted on the list alone: the join with users only adds the page's columns.
    counted = select(UserSkill.user_id).where(*conditions)
    ordered = joined.order_by(UserSkill.rank, UserSkill.user_id)
    return fetch_page(db, ordered, page, counted=counted)


def _entries_of(db: Session, user_id: uuid.UUID) -> list[UserSkill]:
    return list(
        db.scalars(select(UserSkill).where(UserSkill.user_id == user_id).order_by(UserSkill.rank))
    )


def _lock_list_of(db: Session, user_id: uuid.UUID) -> None:
    # Changes to one user's list queue behind each other on the user's row (PostgreSQL),
    # so that concurrent requests cannot interleave their deletes and inserts.
    db.execute(select(User.id).where(User.id == user_id).with_for_update())


def _write_list(db: Session, user_id: uuid.UUID, entries: Sequence[tuple[int, str]]) -> None:
    # The list is rewritten whole: with at most ten rows this is cheap, and the ranks stay
    # 1..n without a moment where two entries share one (the unique constraint forbids it).
    db.execute(delete(UserSkill).where(UserSkill.user_id == user_id))
    if entries:
        db.execute(
            insert(UserSkill),
            [
                {"user_id": user_id, "skill_id": skill_id, "intent": intent, "rank": rank}
                for rank, (skill_id, intent) in enumerate(entries, start=1)
            ],
        )
    _list_changed(db, user_id)
    db.expire_all()


def _list_changed(db: Session, user_id: uuid.UUID) -> None:
    # Called under the list's lock, after the list changed, in the same transaction: the
    # profile is rewritten, then other modules are told.
    categories = db.scalars(
        select(Skill.category)
        .distinct()
        .join(UserSkill, UserSkill.skill_id == Skill.id)
        .where(UserSkill.user_id == user_id)
    )
    mask = sum(category_bit(category) for category in categories)
    db.execute(delete(SkillProfile).where(SkillProfile.user_id == user_id))
    if mask:
        db.execute(insert(SkillProfile).values(user_id=user_id, category_mask=mask))
    hooks(db).skills_list_changed(db=db, user_id=user_id)

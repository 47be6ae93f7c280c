"""Alembic's environment for HobbyMatch: every enabled module's migrations, on the app's engine.

Run through ``hobbymatch db ...`` (see :mod:`core.migrations`), which passes the app's engine
(``config.attributes["engine"]``) and the tables to compare (``config.attributes["tables"]``),
so that autogenerate looks at one module only.
"""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Engine

from core.engine import Base, UtcDateTime

config = context.config
compared_tables: set[str] | None = config.attributes.get("tables")
engine: Engine = config.attributes["engine"]


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Keep autogenerate to the chosen module's tables: others are neither touched nor dropped."""
    if compared_tables is None:
        return True
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in compared_tables


def render_item(type_: str, obj: Any, _context: AutogenContext) -> str | Literal[False]:
    """Write UtcDateTime as the column type it is, so that revisions import nothing of ours."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_item=render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()

"""Per-module schema migrations with Alembic: one version folder and one branch per module.

Each module may keep revisions in ``migrations/`` beside its models. Its first revision carries
the branch label ``<module name>`` and depends on the heads of the modules it requires, so that
a required module is always migrated first. ``create_all`` stays the zero-setup default:
on tables it has just created it stamps the modules' heads, so that later revisions apply.
With ``HOBBYMATCH_SCHEMA=migrations`` the app instead checks that every module is at its head.
"""

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine

from core.engine import Base
from core.exceptions import StartupError
from core.jobs import CORE_TABLES
from core.modules import LoadedModule, ModuleRegistry

logger = logging.getLogger("hobbymatch")

SCRIPT_LOCATION = Path(__file__).parent / "alembic"
FOLDER = "migrations"
# The core's own revisions (its tables: the jobs' queue), on a branch of their own.
CORE_REVISIONS = SCRIPT_LOCATION / "versions"
CORE_BRANCH = "core"


class MigrationError(StartupError):
    """The schema is not where the enabled modules' migrations say it must be."""


def migrations_folder(module: LoadedModule) -> Path:
    """Where ``module`` keeps its revisions (which may not exist yet)."""
    return module.package / FOLDER


def alembic_config(
    registry: ModuleRegistry,
    engine: Engine | None = None,
    *,
    tables: set[str] | None = None,
    enabled_only: bool = False,
) -> Config:
    """An Alembic configuration over the revisions of every discovered module, on ``engine``
    (none is needed to read revisions).

    :param tables: restrict autogenerate to these tables.
    :param enabled_only: see only the enabled modules' revisions (autogenerate insists that the
        database is at every head it sees, and disabled modules are not migrated).
    """
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    packages = [module.package for module in registry.modules] if enabled_only else None
    folders = [str(folder) for folder in _existing_folders(registry, packages)]
    config.set_main_option("version_locations", os.pathsep.join(folders) or str(SCRIPT_LOCATION))
    config.attributes["tables"] = tables
    config.attributes["engine"] = engine
    return config


def module_heads(registry: ModuleRegistry) -> dict[str, str]:
    """The head revision of every enabled module that has revisions."""
    script = _script_directory(registry)
    heads: dict[str, str] = {}
    for module in registry.modules:
        if _has_revisions(module):
            revision = script.get_revision(f"{module.name}@head")
            if revision is not None:
                heads[module.name] = revision.revision
    return heads


def database_heads(engine: Engine) -> set[str]:
    """The revisions the database is stamped at."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def modules_behind(registry: ModuleRegistry, engine: Engine) -> list[str]:
    """The enabled modules whose head revision the database has not reached."""
    script = _script_directory(registry)
    applied = _applied(script, database_heads(engine))
    return [name for name, head in module_heads(registry).items() if head not in applied]


def require_heads(registry: ModuleRegistry, engine: Engine) -> None:
    """Check that the database is at every enabled module's head, then warn, one line per
    module, of the modules whose models differ from the tables their migrations made.

    :raises MigrationError: one line naming the first module behind, and the command to run.
    """
    unmanaged = [m.name for m in registry.modules if m.tables and not _has_revisions(m)]
    if unmanaged:
        name = unmanaged[0]
        command_line = f"hobbymatch db revision --module {name} -m 'create tables' --autogenerate"
        raise MigrationError(
            f"module {name!r} has tables but no migrations: add them with '{command_line}', "
            "or use HOBBYMATCH_SCHEMA=create_all"
        )
    behind = modules_behind(registry, engine)
    if behind:
        also = f" (also behind: {', '.join(behind[1:])})" if behind[1:] else ""
        raise MigrationError(
            f"module {behind[0]!r} is not migrated to its head revision: "
            f"run 'hobbymatch db upgrade'{also}"
        )
    for line in stale_migrations(registry, engine):
        logger.warning("%s", line)


def require_core_head(registry: ModuleRegistry, engine: Engine) -> None:
    """Check that the database is at the head of the core's own revisions.

    :raises MigrationError: one line saying so, and the command to run.
    """
    if core_behind(registry, engine):
        raise MigrationError(
            "the core's tables (the jobs' queue) are not migrated to their head revision: "
            "run 'hobbymatch db upgrade'"
        )


def core_head(registry: ModuleRegistry) -> str:
    """The head of the core's own revisions."""
    head = _script_directory(registry).get_revision(f"{CORE_BRANCH}@head")
    if head is None:
        raise MigrationError(f"the core's revisions are missing from {CORE_REVISIONS}")
    return head.revision


def core_behind(registry: ModuleRegistry, engine: Engine) -> bool:
    """Whether the database has not reached the head of the core's own revisions."""
    applied = _applied(_script_directory(registry), database_heads(engine))
    return core_head(registry) not in applied


def core_tables_missing(existing: set[str]) -> bool:
    """Whether ``existing`` names none of the core's own tables."""
    return not any(table.name in existing for table in CORE_TABLES)


def stamp_core(registry: ModuleRegistry, engine: Engine) -> None:
    """Stamp the head of the core's own revisions, its tables just created."""
    command.stamp(alembic_config(registry, engine), f"{CORE_BRANCH}@head")


def stale_migrations(registry: ModuleRegistry, engine: Engine) -> list[str]:
    """One line for each enabled module whose models differ from its tables in ``engine``'s
    database (at the module's head), saying the first difference and the command that writes
    the missing revision; a module with tables and no migrations is named too."""
    lines = []
    core_differences = _differences(engine, {table.name for table in CORE_TABLES})
    if core_differences:
        lines.append(
            f"the core's models differ from its migrations' head "
            f"({_describe(core_differences[0])}): the core lacks a revision"
        )
    for module in registry.modules:
        if not module.tables:
            continue
        if not _has_revisions(module):
            lines.append(
                f"module {module.name!r} has tables but no migrations: add them with "
                f"{_revision_command(module.name)}"
            )
            continue
        differences = _differences(engine, {table.name for table in module.tables})
        if differences:
            lines.append(
                f"module {module.name!r}: its models differ from its migrations' head "
                f"({_describe(differences[0])}); write the revision it lacks with "
                f"{_revision_command(module.name)}"
            )
    return lines


def check_against_fresh_database(registry: ModuleRegistry) -> list[str]:
    """Apply every enabled module's migrations to an empty SQLite database of their own, and
    say (:func:`stale_migrations`) where the tables they make differ from the models."""
    with tempfile.TemporaryDirectory(prefix="hobbymatch-check-") as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'check.db'}")
        try:
            upgrade(registry, engine)
            return stale_migrations(registry, engine)
        finally:
            engine.dispose()


def _revision_command(module_name: str) -> str:
    return f"'hobbymatch db revision --module {module_name} -m MESSAGE --autogenerate'"


def _differences(engine: Engine, tables: set[str]) -> list[Any]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in tables and _made_on(obj, engine.dialect.name)

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


def _made_on(obj: Any, dialect: str) -> bool:
    """Whether the models make ``obj`` on ``dialect``: an index declared with
    ``.ddl_if(dialect="postgresql")`` (SQLAlchemy keeps it in ``_ddl_if``) is not made on
    SQLite, and its absence there is no difference."""
    wanted = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
    if wanted is None:
        return True
    return dialect == wanted if isinstance(wanted, str) else dialect in wanted


def _describe(difference: Any) -> str:
    """One of Alembic's differences (a tuple, or a list of column changes) in a few words."""
    if isinstance(difference, list):
        _kind, _schema, table, column, *_rest = difference[0]
        return f"column {table}.{column} is defined otherwise in the models"
    kind, *details = difference
    where = {"add": "in the models only", "remove": "in the migrations only"}
    verb, _, thing = kind.partition("_")
    found = where.get(verb, "different")
    if thing == "table":
        return f"table {details[0].name} is {found}"
    if thing == "column":
        return f"column {details[1]}.{details[2].name} is {found}"
    return f"{thing} {getattr(details[0], 'name', None) or details[0]} is {found}"


def stamp_created_modules(registry: ModuleRegistry, engine: Engine, created: Sequence[str]) -> None:
    """Stamp the head of every module named in ``created`` whose tables were just created."""
    if not created:
        return  # reading the modules' revision scripts costs more than the rest of a start
    heads = module_heads(registry)
    for name in created:
        if name in heads:
            command.stamp(alembic_config(registry, engine), f"{name}@head")


def modules_without_tables(registry: ModuleRegistry, existing: set[str]) -> list[str]:
    """The enabled modules none of whose tables ``existing`` names."""
    return [
        module.name
        for module in registry.modules
        if module.tables and not any(table.name in existing for table in module.tables)
    ]


def upgrade(registry: ModuleRegistry, engine: Engine, module: str | None = None) -> None:
    """Apply the core's revisions, then every enabled module's up to its head (or one
    module's, with its requirements); disabled modules' revisions are known but left alone."""
    names = [module] if module else list(module_heads(registry))
    config = alembic_config(registry, engine)
    for name in [CORE_BRANCH, *names]:
        command.upgrade(config, f"{name}@head")


def history(registry: ModuleRegistry) -> None:
    """Print every enabled module's revisions, newest first."""
    command.history(alembic_config(registry))


def downgrade(registry: ModuleRegistry, engine: Engine, target: str) -> None:
    """Revert to ``target`` (a revision, ``<module>@base`` or ``base``)."""
    command.downgrade(alembic_config(registry, engine), target)


def new_revision(
    registry: ModuleRegistry,
    engine: Engine,
    module: LoadedModule,
    message: str,
    *,
    autogenerate: bool,
) -> None:
    """Write a new revision in ``module``'s folder, on its own branch.

    Its first revision starts the branch and depends on the heads of the modules it requires;
    autogenerate compares only the module's own tables, on a database at every head it sees:
    the core's own revisions are applied first, if the database lacks them.
    """
    if autogenerate and core_behind(registry, engine):
        command.upgrade(alembic_config(registry, engine), f"{CORE_BRANCH}@head")
    folder = migrations_folder(module)
    first = not _has_revisions(module)
    folder.mkdir(exist_ok=True)
    tables = {table.name for table in module.tables}
    config = alembic_config(registry, engine, tables=tables, enabled_only=True)
    enabled = [loaded.package for loaded in registry.modules]
    if first:
        heads = module_heads(registry)
        # Alembic takes a list here, though its signature says one revision.
        depends_on = [heads[name] for name in module.info.requires if name in heads] or None
        config.set_main_option(
            "version_locations",
            os.pathsep.join([*map(str, _existing_folders(registry, enabled)), str(folder)]),
        )
        command.revision(
            config,
            message,
            autogenerate=autogenerate,
            head="base",
            branch_label=module.name,
            version_path=str(folder),
            depends_on=depends_on,  # type: ignore[arg-type]
        )
    else:
        command.revision(config, message, autogenerate=autogenerate, head=f"{module.name}@head")


def _script_directory(registry: ModuleRegistry) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(registry))


def _applied(script: ScriptDirectory, current: set[str]) -> set[str]:
    # A stamped head implies every revision below it, dependencies of other modules included.
    if not current:
        return set()
    return {
        revision.revision
        for revision in script.revision_map.iterate_revisions(tuple(current), "base")
    }


def _existing_folders(
    registry: ModuleRegistry, packages: list[Path] | None = None
) -> Iterator[Path]:
    yield CORE_REVISIONS
    for package in registry.discovered_folders if packages is None else packages:
        folder = package / FOLDER
        if folder.is_dir() and any(folder.glob("*.py")):
            yield folder


def _has_revisions(module: LoadedModule) -> bool:
    folder = migrations_folder(module)
    return folder.is_dir() and any(folder.glob("*.py"))

"""The ``hobbymatch`` command: serve the app, list modules, prepare the database.

Enabled modules add subcommands through the ``hobbymatch_cli_commands`` hook. Every startup
problem ends the command with one line on stderr and exit status 1.
"""

import signal
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click
import uvicorn

from core import migrations
from core.config import load_settings
from core.database import (
    SessionLocal,
    check_database,
    configure_engine,
    describe_database,
    get_engine,
)
from core.exceptions import ModuleLoadError, StartupError
from core.main import create_app, serveable, start_modules
from core.modules import LoadedModule, ModuleRegistry, load_modules
from core.scaffold import ScaffoldError, create_module


class HobbyMatchCLI(click.Group):
    """The core's commands plus those of the enabled modules, loaded only when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List the core's commands and every enabled module's."""
        try:
            module_commands = _module_commands(load_modules(load_settings()))
        except StartupError:
            module_commands = {}  # --help still works; running any command reports the error
        return sorted({*super().list_commands(ctx), *module_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Find ``name`` among the core's commands, then among the modules'."""
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        return _module_commands(_registry_or_exit()).get(name)


@click.group(cls=HobbyMatchCLI)
def main() -> None:
    """HobbyMatch: connect people through the hobbies and skills they share, teach and learn."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(min=1), help="Worker processes."
)
def serve(host: str, port: int, reload: bool, workers: int) -> None:
    """Serve the API with Uvicorn, after checking the settings, the modules and the database."""
    with _startup_errors_reported():
        app = create_app()
        check_database(get_engine())
    # One process serves the app just checked; reload and workers need an import string,
    # so that every process builds its own.
    single_process = not reload and workers == 1
    # Uvicorn finishes the requests in flight on SIGTERM, then raises the signal again once its
    # own handler is gone; ending there with status 0 tells a supervisor the stop was clean.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.run(
        serveable(app) if single_process else "core.main:app",
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        access_log=False,
        proxy_headers=True,
    )


def _exit_cleanly(_signal_number: int, _frame: object) -> None:
    raise SystemExit(0)


@main.command()
def modules() -> None:
    """List the enabled modules: name, version, source, requires, tables, routes."""
    registry = _registry_or_exit()
    rows = [("NAME", "VERSION", "SOURCE", "REQUIRES", "TABLES", "ROUTES")]
    for module in registry.modules:
        rows.append(
            (
                module.name,
                module.info.version,
                module.source,
                ",".join(module.info.requires) or "-",
                ",".join(table.name for table in module.tables) or "-",
                str(module.route_count),
            )
        )
    click.echo(_format_table(rows))


@main.command()
@click.option(
    "--users", "count", type=click.IntRange(min=1), required=True, help="Demo users to add."
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed: same seed, same data."
)
def seed(count: int, seed: int) -> None:
    """Load demo data for COUNT users into the configured database, module by module.

    Every module contributes its own data through the ``hobbymatch_seed`` hook, in bulk. All
    demo users share one password, ``hobbymatch-demo``, hashed once, so that loading stays fast.
    """
    with _startup_errors_reported():
        app = create_app()
        start_modules(app)
    registry: ModuleRegistry = app.state.modules
    with SessionLocal() as session:
        for module, steps in registry.results_in_order(
            "hobbymatch_seed", db=session, count=count, seed=seed
        ):
            with click.progressbar(
                length=count, label=f"{module.name:<10}", file=sys.stderr
            ) as bar:
                for done in steps:
                    bar.update(done)
            session.commit()
    click.echo(f"seeded {count} demo users on {describe_database(get_engine().url)}")


@main.command("new-module")
@click.argument("name")
def new_module(name: str) -> None:
    """Write a new module NAME in modules/ and its tests in tests/, from the core's templates.

    Run it from the project's root. The module requires users and keeps private items per
    user: rename and reshape it from there.
    """
    users_head = migrations.module_heads(_registry_or_exit()).get("users")
    try:
        written = create_module(name, project=Path.cwd(), users_head=users_head)
    except ScaffoldError as error:
        click.echo(f"hobbymatch: error: {error}", err=True)
        raise SystemExit(1) from None
    for path in written:
        click.echo(f"wrote {path.relative_to(Path.cwd())}")
    click.echo(
        f"module {name!r} is ready: restart the server, and run its tests with: pytest tests/{name}"
    )


@main.group()
def db() -> None:
    """Database commands."""


@db.command("init")
def db_init() -> None:
    """Create the enabled modules' missing tables and load their reference data."""
    with _startup_errors_reported():
        app = create_app()
        start_modules(app)
    click.echo(
        f"tables ready for {len(app.state.modules.modules)} modules on "
        f"{describe_database(get_engine().url)}"
    )


@db.command("upgrade")
@click.option("--module", "module_name", help="Only this module (and the modules it requires).")
def db_upgrade(module_name: str | None) -> None:
    """Apply the enabled modules' migrations up to their heads."""
    registry = _registry_or_exit()
    migrations.upgrade(registry, _known(registry, module_name).name if module_name else None)
    click.echo(f"upgraded {module_name or 'every module'} to head")


@db.command("downgrade")
@click.option(
    "--to", "target", required=True, help="A revision, MODULE@base, or base for everything."
)
def db_downgrade(target: str) -> None:
    """Revert migrations down to a target."""
    migrations.downgrade(_registry_or_exit(), target)
    click.echo(f"downgraded to {target}")


@db.command("current")
def db_current() -> None:
    """Show the revisions the database is at, and each module's head."""
    registry = _registry_or_exit()
    behind = migrations.modules_behind(registry)
    for name, head in migrations.module_heads(registry).items():
        click.echo(f"{name:<12} head {head}  {'(behind)' if name in behind else '(current)'}")


@db.command("history")
def db_history() -> None:
    """List every module's revisions."""
    migrations.history(_registry_or_exit())


@db.command("revision")
@click.option("--module", "module_name", required=True, help="The module the revision belongs to.")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@click.option("--autogenerate", is_flag=True, help="Compare the module's models with the database.")
def db_revision(module_name: str, message: str, autogenerate: bool) -> None:
    """Write a new revision in a module's migrations/ folder, on the module's own branch."""
    registry = _registry_or_exit()
    migrations.new_revision(
        registry, _known(registry, module_name), message, autogenerate=autogenerate
    )


def _known(registry: ModuleRegistry, name: str) -> LoadedModule:
    for module in registry.modules:
        if module.name == name:
            return module
    click.echo(
        f"hobbymatch: error: no enabled module is named {name!r} ({', '.join(registry.names)})",
        err=True,
    )
    raise SystemExit(1)


def _registry_or_exit() -> ModuleRegistry:
    with _startup_errors_reported():
        settings = load_settings()
        registry = load_modules(settings)
        configure_engine(settings.effective_database_url)
    return registry


def _module_commands(registry: ModuleRegistry) -> dict[str, click.Command]:
    commands: dict[str, click.Command] = {}
    for _module, provided in registry.results_in_order("hobbymatch_cli_commands"):
        for command in provided:
            if command.name:
                commands[command.name] = command
    return commands


@contextmanager
def _startup_errors_reported() -> Iterator[None]:
    """Turn a ``StartupError`` into one line on stderr and exit status 1.

    The traceback of a module's own import error follows its line, to help fix the module.
    """
    try:
        yield
    except StartupError as error:
        click.echo(f"hobbymatch: error: {error}", err=True)
        if isinstance(error, ModuleLoadError) and error.__cause__ is not None:
            click.echo("".join(traceback.format_exception(error.__cause__)), err=True)
        raise SystemExit(1) from None


def _format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )

"""The ``hobbymatch`` command: serve the app, list modules, prepare the database.

Enabled modules add subcommands through the ``hobbymatch_cli_commands`` hook. Every startup
problem ends the command with one line on stderr and exit status 1.
"""

import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import click
import uvicorn
import uvicorn.config
from fastapi import FastAPI

from core import migrations
from core.commands import startup_errors_reported
from core.config import ModuleSettings, Settings, env_prefix_of, load_settings
from core.engine import apply_session_defaults, check_database, describe_database
from core.exceptions import StartupError
from core.job_queue import JobNotRetryableError, count_jobs, list_jobs, retry_failed
from core.jobs import STATUSES, Job, JobDeclaration
from core.logs import configure_logging
from core.main import (
    create_app,
    serveable,
    start_jobs,
    start_modules,
    stop_modules,
)
from core.metrics import multiprocess_folder, scrape_registry, serve_metrics
from core.modules import LoadedModule, ModuleRegistry, discover_candidates, load_modules
from core.platform import Platform, create_platform
from core.scaffold import ScaffoldError, create_module

logger = logging.getLogger("hobbymatch")


class HobbyMatchCLI(click.Group):
    """The core's commands plus those of the enabled modules, loaded only when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """List the core's commands and every enabled module's."""
        try:
            module_commands = _module_commands(_load_registry())
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
    """Serve the API with Uvicorn, after checking the settings, the modules and the database.

    With ``HOBBYMATCH_METRICS_PORT`` set, this process also answers Prometheus' scrapes on that
    port, for every worker it starts.
    """
    with startup_errors_reported():
        app = create_app()
        check_database(Platform.of(app).engine)
    settings = Platform.of(app).settings
    # One process serves the app just checked; reload and workers need an import string,
    # so that every process builds its own.
    single_process = not reload and workers == 1
    # Uvicorn finishes the requests in flight on SIGTERM, then raises the signal again once its
    # own handler is gone; ending there with status 0 tells a supervisor the stop was clean.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    with _metrics_served(app, single_process):
        uvicorn.run(
            serveable(app) if single_process else "core.main:app",
            host=host,
            port=port,
            reload=reload,
            workers=None if reload else workers,
            access_log=False,
            # In JSON, Uvicorn's lines go through the app's handler (core.logs) as JSON too.
            log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
            # The app believes forwarded headers from HOBBYMATCH_TRUSTED_PROXIES alone (core.main);
            # Uvicorn's own default would believe any local peer.
            proxy_headers=False,
        )


@contextmanager
def _metrics_served(app: FastAPI, single_process: bool) -> Iterator[None]:
    # Workers started by Uvicorn write to the files of a folder of this run, which this
    # process adds up at each scrape; a single process answers from its own registry.
    settings = Platform.of(app).settings
    if settings.metrics_port is None:
        yield
        return
    with ExitStack() as stack:
        folder = None if single_process else stack.enter_context(multiprocess_folder())
        with startup_errors_reported():
            try:
                stack.enter_context(
                    serve_metrics(
                        scrape_registry(app, folder), settings.metrics_host, settings.metrics_port
                    )
                )
            except OSError as error:
                raise StartupError(
                    f"cannot answer metrics on {settings.metrics_host}:{settings.metrics_port} "
                    f"(HOBBYMATCH_METRICS_HOST, HOBBYMATCH_METRICS_PORT): {error.strerror}"
                ) from None
        # A log line, not a print: with HOBBYMATCH_LOG_FORMAT=json it is JSON like the rest.
        logger.info("metrics: http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
        yield


def _exit_cleanly(_signal_number: int, _frame: object) -> None:
    raise SystemExit(0)


@main.command()
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Jobs this process runs at once (threads).",
)
def worker(concurrency: int) -> None:
    """Run the enabled modules' jobs until SIGTERM or Ctrl-C, then finish the jobs running.

    Start as many as you like, on any machine: each job runs on one worker at a time, and each
    period of a periodic job on one worker of all.
    """
    with startup_errors_reported():
        app = create_app()
        start_modules(app)
    stopping = threading.Event()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, lambda _number, _frame: stopping.set())
    start_jobs(app, concurrency)
    # A timeout, so that the main thread gets to run the signal handler.
    while not stopping.wait(1.0):
        pass
    stop_modules(app)


@main.group(invoke_without_command=True)
@click.option(
    "--status",
    "statuses",
    type=click.Choice(STATUSES),
    multiple=True,
    help="Only jobs in this status (repeatable); default: every status.",
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@click.pass_context
def jobs(context: click.Context, statuses: tuple[str, ...], limit: int) -> None:
    """List how many jobs each module has queued, running and failed, then the jobs
    themselves, failed first (a job that succeeded is gone)."""
    if context.invoked_subcommand is not None:
        return
    platform = _platform_or_exit()
    with startup_errors_reported():
        migrations.require_core_head(platform.registry, platform.engine)
    with platform.session_factory() as db:
        counts = count_jobs(db)
        listed = list_jobs(db, statuses=statuses or STATUSES, limit=limit)
    summary = [("MODULE", *(status.upper() for status in STATUSES))]
    for module_name, counted in counts.items():
        summary.append((module_name, *(str(counted[status]) for status in STATUSES)))
    click.echo(_format_table(summary) if counts else "no jobs queued, running or failed")
    if listed:
        click.echo("")
        click.echo(_format_table(_job_rows(listed, platform.clock())))


def _job_rows(listed: Sequence[Job], now: datetime) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        ("ID", "JOB", "STATUS", "ATTEMPTS", "RUN AT", "LOCK", "WORKER / LAST ERROR")
    ]
    for row in listed:
        status = row.status
        if row.locked_until is not None and row.locked_until <= now:
            status += " (lease expired)"
        about = row.worker or _last_line(row.last_error)
        rows.append(
            (
                str(row.id),
                row.job,
                status,
                f"{row.attempts}/{row.max_attempts}",
                row.run_at.isoformat(timespec="seconds"),
                row.lock or "-",
                about or "-",
            )
        )
    return rows


def _last_line(text: str | None) -> str:
    return text.strip().splitlines()[-1] if text and text.strip() else ""


@jobs.command("retry")
@click.argument("job_id", type=int)
def jobs_retry(job_id: int) -> None:
    """Queue failed job JOB_ID again, due now, with all its attempts."""
    platform = _platform_or_exit()
    with platform.session_factory() as db:
        try:
            row = retry_failed(db, job_id)
        except JobNotRetryableError as error:
            click.echo(f"hobbymatch: error: {error}", err=True)
            raise SystemExit(1) from None
    click.echo(f"job {row.id} ({row.job}) is queued again, with {row.max_attempts} attempts")


@main.command()
def modules() -> None:
    """List the enabled modules (name, version, source, requires, tables, routes), then each
    module's hooks: those it implements, those it declares for others, and its settings."""
    platform = _platform_or_exit()
    registry = platform.registry
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
    for module in registry.modules:
        click.echo(f"\n{module.name}")
        click.echo(f"  implements: {', '.join(registry.implemented_hooks(module)) or '-'}")
        click.echo(f"  declares:   {', '.join(registry.declared_hooks[module.name]) or '-'}")
        click.echo(f"  jobs:       {', '.join(map(_describe_job, module.jobs)) or '-'}")
        for line in _describe_settings(module.name, platform.module_settings.get(module.name)):
            click.echo(f"  {line}")


def _describe_job(declared: JobDeclaration) -> str:
    return f"{declared.name} (every {declared.every})" if declared.every else declared.name


def _describe_settings(module_name: str, loaded: ModuleSettings | None) -> list[str]:
    """One line per setting: its variable and its default, never its value."""
    if loaded is None:
        return ["settings:   -"]
    lines = ["settings:"]
    for name, field in type(loaded).model_fields.items():
        if "Secret" in repr(field.annotation):
            described = "secret"
        elif field.is_required():
            described = "required"
        else:
            described = f"default {field.get_default()!r}"
        lines.append(f"  {env_prefix_of(module_name)}{name.upper()} ({described})")
    return lines


@main.command()
@click.option(
    "--users",
    "count",
    type=click.IntRange(min=1),
    required=True,
    help="How many demo people the database holds afterwards: a larger number than the last "
    "run's grows the demo, the same number adds nothing.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed: same seed, same data."
)
def seed(count: int, seed: int) -> None:
    """Load demo data for COUNT people into the configured database, module by module, or grow
    an earlier demo to COUNT people.

    Every module contributes its own data through the ``hobbymatch_seed`` hook, in bulk; the
    modules' own settings say how demo accounts sign in (see ``hobbymatch modules``).
    """
    with startup_errors_reported():
        app = create_app()
        start_modules(app)
    platform = Platform.of(app)
    with platform.session_factory() as session:
        for module, steps in platform.registry.call_each(
            "hobbymatch_seed", db=session, count=count, seed=seed
        ):
            with click.progressbar(
                length=count, label=f"{module.name:<10}", file=sys.stderr
            ) as bar:
                for done in steps:
                    bar.update(done)
            session.commit()
    click.echo(f"seeded {count} demo users on {describe_database(platform.engine.url)}")


@main.command("new-module")
@click.argument("name")
@click.option(
    "--path",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write it into this folder of modules (one that HOBBYMATCH_MODULE_PATHS names), with "
    "its tests in the folder's tests/, instead of into the project's modules/ and tests/.",
)
@click.option(
    "--requires",
    default="",
    help="Comma-separated modules it requires. Each may give it templates of its own: with "
    "users, its items belong to the signed-in person.",
)
def new_module(name: str, folder: Path | None, requires: str) -> None:
    """Write a new module NAME and its tests, from the core's templates and those of the
    modules it requires.

    Without --path, run it from the project's root: the module goes to modules/NAME and its
    tests to tests/NAME. The module keeps items: rename and reshape it from there.
    """
    settings = _settings_or_exit()
    if folder is not None:
        folder = folder.resolve()
        if folder.is_dir():
            # The folder's modules are known too: a new one may require them, not repeat them.
            settings = settings.model_copy(
                update={"module_paths": [*settings.module_paths, folder]}
            )
    with startup_errors_reported():
        registry = load_modules(settings)
        taken = {c.name: c.origin for c in discover_candidates(settings.module_paths)}
    required = _parse_names(requires)
    try:
        _check_new_name(name, taken)
        needed = _with_requirements(registry, required)
        heads = migrations.module_heads(registry)
        written = create_module(
            name,
            project=folder or Path.cwd(),
            module_folder=folder is not None,
            depends_on=[heads[module] for module in required if module in heads],
            requires=required,
            tested_with=needed,
            templates=[
                templates
                for module, templates in registry.call_each("hobbymatch_module_templates")
                if module.name in required and templates is not None
            ],
        )
    except ScaffoldError as error:
        click.echo(f"hobbymatch: error: {error}", err=True)
        raise SystemExit(1) from None
    for path in written:
        click.echo(f"wrote {_shown(path)}")
    click.echo(
        f"once you reshape its models, write a revision (hobbymatch db revision --module {name} "
        "-m MESSAGE --autogenerate); hobbymatch db check says when one is missing"
    )
    if folder is None:
        click.echo(
            f"module {name!r} is ready: restart the server, and run its tests with: "
            f"pytest tests/{name}"
        )
    else:
        click.echo(
            f"module {name!r} is ready in {folder}: serve it with "
            f"HOBBYMATCH_MODULE_PATHS={folder}, and run its tests there with: pytest tests/{name}"
        )


def _parse_names(listed: str) -> list[str]:
    return list(dict.fromkeys(name.strip() for name in listed.split(",") if name.strip()))


def _check_new_name(name: str, taken: dict[str, str]) -> None:
    if name in taken:
        raise ScaffoldError(
            f"a module named {name!r} exists already ({taken[name]}); choose another name"
        )


def _with_requirements(registry: ModuleRegistry, required: Sequence[str]) -> list[str]:
    """``required`` and every module they require in turn, in load order.

    :raises ScaffoldError: one of them is not an enabled module.
    """
    by_name = {module.name: module for module in registry.modules}
    needed: set[str] = set()
    pending = list(required)
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        if name not in by_name:
            enabled = ", ".join(registry.names) or "none"
            raise ScaffoldError(
                f"--requires names module {name!r}, which is not enabled (enabled: {enabled})"
            )
        needed.add(name)
        pending.extend(by_name[name].info.requires)
    return [module.name for module in registry.modules if module.name in needed]


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it, else as it is."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@main.group()
def db() -> None:
    """Database commands."""


@db.command("init")
def db_init() -> None:
    """Create the enabled modules' missing tables and load their reference data."""
    with startup_errors_reported():
        app = create_app()
        start_modules(app)
    platform = Platform.of(app)
    click.echo(
        f"tables ready for {len(platform.registry.modules)} modules on "
        f"{describe_database(platform.engine.url)}"
    )


@db.command("upgrade")
@click.option("--module", "module_name", help="Only this module (and the modules it requires).")
def db_upgrade(module_name: str | None) -> None:
    """Apply the enabled modules' migrations up to their heads, and the database settings
    that the app's sessions need (statement timeout, no JIT)."""
    platform = _platform_or_exit()
    chosen = _known(platform, module_name).name if module_name else None
    migrations.upgrade(platform.registry, platform.engine, chosen)
    apply_session_defaults(platform.engine, platform.settings.database_statement_timeout)
    click.echo(f"upgraded {module_name or 'every module'} to head")


@db.command("downgrade")
@click.option(
    "--to", "target", required=True, help="A revision, MODULE@base, or base for everything."
)
def db_downgrade(target: str) -> None:
    """Revert migrations down to a target."""
    platform = _platform_or_exit()
    migrations.downgrade(platform.registry, platform.engine, target)
    click.echo(f"downgraded to {target}")


@db.command("current")
def db_current() -> None:
    """Show the revisions the database is at, and each module's head."""
    platform = _platform_or_exit()
    behind = migrations.modules_behind(platform.registry, platform.engine)
    core = "(behind)" if migrations.core_behind(platform.registry, platform.engine) else "(current)"
    click.echo(f"{'(core)':<12} head {migrations.core_head(platform.registry)}  {core}")
    for name, head in migrations.module_heads(platform.registry).items():
        click.echo(f"{name:<12} head {head}  {'(behind)' if name in behind else '(current)'}")


@db.command("check")
def db_check() -> None:
    """Apply the enabled modules' migrations to an empty SQLite database of the command's own,
    and name each module whose models differ from the tables its migrations make (a model
    reshaped without a revision); exit status 1 if there is one."""
    registry = _registry_or_exit()
    stale = migrations.check_against_fresh_database(registry)
    for line in stale:
        click.echo(line)
    if stale:
        raise SystemExit(1)
    click.echo(f"every enabled module's migrations make its models: {', '.join(registry.names)}")


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
    platform = _platform_or_exit()
    module = _known(platform, module_name)
    migrations.new_revision(
        platform.registry, platform.engine, module, message, autogenerate=autogenerate
    )


def _known(platform: Platform, name: str) -> LoadedModule:
    for module in platform.registry.modules:
        if module.name == name:
            return module
    names = ", ".join(platform.registry.names)
    click.echo(f"hobbymatch: error: no enabled module is named {name!r} ({names})", err=True)
    raise SystemExit(1)


def _platform_or_exit() -> Platform:
    """The same state an app builds (modules, hooks, settings, engine), without the app."""
    with startup_errors_reported():
        return create_platform(_load_settings())


def _registry_or_exit() -> ModuleRegistry:
    """The enabled modules and their hooks, for commands that need no database."""
    with startup_errors_reported():
        return _load_registry()


def _settings_or_exit() -> Settings:
    with startup_errors_reported():
        return _load_settings()


def _load_settings() -> Settings:
    settings = load_settings()
    configure_logging(
        settings.log_level, settings.log_format
    )  # so that HOBBYMATCH_TRACE_HOOKS shows hook calls too
    return settings


def _load_registry() -> ModuleRegistry:
    return load_modules(_load_settings())


def _module_commands(registry: ModuleRegistry) -> dict[str, click.Command]:
    commands: dict[str, click.Command] = {}
    for provided in registry.hook.hobbymatch_cli_commands():
        for command in provided:
            if command.name:
                commands[command.name] = command
    return commands


def _format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )

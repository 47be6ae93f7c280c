"""What a module's ``hobbymatch`` subcommand (``hobbymatch_cli_commands``) uses: the
configured app, started as for a request, and a session on its database."""

import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session

from core.exceptions import ModuleLoadError, StartupError
from core.main import create_app, prepare_database
from core.platform import Platform


@contextmanager
def startup_errors_reported() -> Iterator[None]:
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


@contextmanager
def command_session() -> Iterator[Session]:
    """A session on the configured database, its schema prepared and the enabled modules'
    hooks and settings at hand (as in a request), for a module's subcommand; no module's
    background work starts. A startup problem ends the command with one line on stderr and
    exit status 1. Commit what the command writes."""
    with startup_errors_reported():
        platform = Platform.of(create_app())
        prepare_database(platform)
    try:
        with platform.session_factory() as session:
            yield session
    finally:
        platform.close()

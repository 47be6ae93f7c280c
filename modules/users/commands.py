"""``hobbymatch users``: give and take the roles that modules' permissions name."""

from collections.abc import Iterator
from contextlib import contextmanager

import click

from core import DomainError, command_session
from modules.users import roles


@click.group("users")
def users_command() -> None:
    """Accounts' roles: ``grant``, ``revoke``, ``roles``."""


@users_command.command("grant")
@click.argument("email")
@click.argument("role")
def grant(email: str, role: str) -> None:
    """Give ROLE (``moderator``, say) to the account at EMAIL; it works from its next
    request."""
    with command_session() as db, _errors_reported():
        roles.grant_role(db, email=email, role=role)
    click.echo(f"{email} is now {role}")


@users_command.command("revoke")
@click.argument("email")
@click.argument("role")
def revoke(email: str, role: str) -> None:
    """Take ROLE from the account at EMAIL; its next request is refused what ROLE allowed."""
    with command_session() as db, _errors_reported():
        had = roles.revoke_role(db, email=email, role=role)
    click.echo(f"{email} is no longer {role}" if had else f"{email} was not {role}")


@users_command.command("roles")
@click.argument("email", required=False)
def list_roles(email: str | None) -> None:
    """The roles the enabled modules declare, with their permissions; with EMAIL, that
    account's roles."""
    with command_session() as db, _errors_reported():
        if email is not None:
            click.echo("\n".join(roles.roles_of(db, email=email)) or f"{email} has no role")
            return
        for role, permissions in sorted(roles.declared_roles(db).items()):
            click.echo(f"{role}: {', '.join(sorted(permissions))}")


@contextmanager
def _errors_reported() -> Iterator[None]:
    # A refused change ends the command with its reason on one line, exit status 1.
    try:
        yield
    except DomainError as error:
        click.echo(f"hobbymatch: error: {error}", err=True)
        raise SystemExit(1) from None

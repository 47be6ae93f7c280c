"""``hobbymatch users``: give and take the roles that modules' permissions name."""

from collections.abc import Iterator
from contextlib import contextmanager

import click

from core import DomainError, command_session
from modules.users import roles
from modules.users.restrictions import lift_restriction


@click.group("users")
def users_command() -> None:
    """Accounts' roles (``grant``, ``revoke``, ``roles``) and restrictions (``lift``)."""


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


@users_command.command("lift")
@click.argument("email")
def lift(email: str) -> None:
    """End the suspension, ban or review of the account at EMAIL: it may sign in again (an
    appeal upheld; the moderation module's audit log records its own actions only)."""
    with command_session() as db, _errors_reported():
        lifted = lift_restriction(db, user_id=roles.account_at(db, email).id)
        db.commit()
    click.echo(f"{email} may sign in again" if lifted else f"{email} was not restricted")


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

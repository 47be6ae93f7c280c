"""Roles, as an operator and a moderator live them: ``hobbymatch users grant|revoke``, a
permission read from the database on every request (a revoked moderator is refused on the
next one, with the token they hold), and everyone else refused everywhere."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

from tests.moderation.reporting import filed, log_in, resolve
from tests.throwaway_modules import run_cli

SignUp = Callable[..., Account]
# What the command reads on PostgreSQL, as a deployment's environment would hold it.
SECRET = {"HOBBYMATCH_USERS_SECRET_KEY": "a-secret-key-of-the-command-line-tests-0123456789"}
MODERATION_READS = [
    "/moderation/reports",
    "/moderation/reports?status=resolved",
    "/moderation/audit",
]


def moderation_answers(client: TestClient, account: Account) -> set[int]:
    """The statuses ``account`` gets from every moderation endpoint."""
    statuses = {client.get(path, headers=account.headers).status_code for path in MODERATION_READS}
    resolving = client.post(
        "/moderation/reports/1/resolve", json={"action": "dismiss"}, headers=account.headers
    )
    return statuses | {resolving.status_code}


def test_everyone_but_a_moderator_is_refused_everywhere(
    client: TestClient, sign_up: SignUp, moderator: Account
) -> None:
    someone = sign_up()
    assert moderation_answers(client, someone) == {403}
    refused = client.get("/moderation/reports", headers=someone.headers)
    assert refused.json() == {"detail": "this needs the permission 'moderation.review'"}
    for path in MODERATION_READS:
        anonymous = client.get(path)
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"
    assert moderation_answers(client, moderator) == {200, 404}  # report 1 does not exist


def test_the_cli_grants_and_revokes_and_a_revoked_moderator_is_stopped_at_once(
    client: TestClient, sign_up: SignUp, database_url: str, tmp_path: Path
) -> None:
    ana = sign_up()
    settings = {"HOBBYMATCH_DATABASE_URL": database_url, **SECRET}
    granted = run_cli("users", "grant", ana.email.upper(), "moderator", cwd=tmp_path, env=settings)
    assert granted.returncode == 0, granted.stderr
    assert granted.stdout.strip() == f"{ana.email.upper()} is now moderator"
    assert client.get("/moderation/reports", headers=ana.headers).status_code == 200
    listed = run_cli("users", "roles", ana.email, cwd=tmp_path, env=settings)
    assert listed.stdout.strip() == "moderator"
    revoked = run_cli("users", "revoke", ana.email, "moderator", cwd=tmp_path, env=settings)
    assert revoked.returncode == 0, revoked.stderr
    assert client.get("/moderation/reports", headers=ana.headers).status_code == 403


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (
            ["grant", "{email}", "admin"],
            "no enabled module declares the role 'admin' (known: moderator)",
        ),
        (
            ["grant", "nobody@example.com", "moderator"],
            "no account has the address nobody@example.com",
        ),
    ],
    ids=["unknown role", "unknown account"],
)
def test_the_cli_refuses_in_one_line(
    sign_up: SignUp, database_url: str, tmp_path: Path, arguments: list[str], error: str
) -> None:
    ana = sign_up()
    argv = [argument.format(email=ana.email) for argument in arguments]
    result = run_cli(
        "users", *argv, cwd=tmp_path, env={"HOBBYMATCH_DATABASE_URL": database_url, **SECRET}
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"hobbymatch: error: {error}"


def test_the_cli_lifts_a_ban(
    client: TestClient, sign_up: SignUp, moderator: Account, database_url: str, tmp_path: Path
) -> None:
    ana, ben = sign_up(), sign_up()
    assert (
        resolve(client, moderator, filed(client, ana, "user", ben.id), action="ban").status_code
        == 200
    )
    settings = {"HOBBYMATCH_DATABASE_URL": database_url, **SECRET}
    lifted = run_cli("users", "lift", ben.email, cwd=tmp_path, env=settings)
    assert (lifted.returncode, lifted.stdout.strip()) == (0, f"{ben.email} may sign in again")
    assert log_in(client, ben).status_code == 200
    again = run_cli("users", "lift", ben.email, cwd=tmp_path, env=settings)
    assert again.stdout.strip() == f"{ben.email} was not restricted"

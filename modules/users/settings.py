"""The users module's settings: ``HOBBYMATCH_USERS_<FIELD>``.

The signing key's rules: a configured key has at least 32 characters. Unset on the embedded
SQLite default, one is generated once into a file beside the database (mode 0600), so that
restarts and several workers agree; unset on PostgreSQL, startup stops. The file is made when
the key is first needed (the module's startup hook asks for it), never by a command that only
reads the settings, such as ``hobbymatch modules``.
"""

import logging
import os
import secrets
from collections.abc import Mapping
from functools import cache, cached_property
from pathlib import Path
from typing import Any, ClassVar, Self

from pydantic import Field, PrivateAttr, SecretStr
from sqlalchemy.engine import make_url

from core import ModuleSettings, Settings, SettingsError
from modules.users.security import HashCost

logger = logging.getLogger("hobbymatch")

MIN_SECRET_KEY_LENGTH = 32


class UsersSettings(ModuleSettings):
    """How accounts sign in and up: the token signing key and lifetime, the throttles, whether
    an address must be verified, and the demo password."""

    secret_key: SecretStr | None = Field(
        default=None,
        description="Key that signs access tokens, at least 32 characters; required on "
        "PostgreSQL (unset on SQLite: generated into <database file>.secret).",
    )
    access_token_minutes: int = Field(
        default=60, ge=1, le=60 * 24 * 30, description="Minutes an access token stays valid."
    )
    demo_password: SecretStr = Field(
        default=SecretStr("hobbymatch-demo"),
        description="The password of every account that 'hobbymatch seed' creates.",
    )
    max_failed_logins_per_address: int = Field(
        default=50,
        ge=1,
        le=100_000,
        description="Failed logins one client address may make in 15 minutes before every "
        "login from it is refused (429); behind a NAT, many people share one address.",
    )
    max_failed_logins_per_account_and_address: int = Field(
        default=5,
        ge=1,
        le=100_000,
        description="Failed logins for one account from one client address in 15 minutes "
        "before logins to it from that address are refused (429); other addresses still "
        "may, so that a stranger's guesses do not lock the owner out.",
    )
    max_failed_logins_per_account: int = Field(
        default=100,
        ge=1,
        le=100_000,
        description="Failed logins for one account from all addresses together in 15 minutes "
        "before every login to it is refused (429): the ceiling for guesses spread over many "
        "addresses.",
    )
    max_signups_per_address_per_hour: int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="Accounts one client address may create in an hour before sign-ups from "
        "it are refused (429): each costs a password hash; behind a NAT, many people share "
        "one address.",
    )
    max_password_resets_per_email: int = Field(
        default=3,
        ge=1,
        le=1_000,
        description="Password resets one address may be sent in an hour before further "
        "requests for it are refused (429), whether or not it has an account.",
    )
    max_password_resets_per_address: int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="Password resets one client address may ask for in an hour, for any "
        "addresses, before its requests are refused (429).",
    )
    max_address_mails_per_account: int = Field(
        default=5,
        ge=1,
        le=1_000,
        description="Mails that check an address (a new link to verify it, a change of it) "
        "one account may ask for in an hour before further requests are refused (429).",
    )
    max_address_mails_per_email: int = Field(
        default=3,
        ge=1,
        le=1_000,
        description="Address changes to one new address that may be asked for in an hour, by "
        "any accounts, before further requests for it are refused (429): nobody can flood "
        "a stranger's mailbox.",
    )
    require_verified_email: bool = Field(
        default=False,
        description="Whether sending connection requests and messages needs a verified "
        "address (403 otherwise); off by default, so that the embedded default works without "
        "mail; turn it on in production.",
    )
    password_hash_cost: HashCost = Field(
        default="standard",
        description="Argon2id's cost for new password hashes; 'fast' is for the test kit only.",
    )

    # Where the key is kept when none is configured (SQLite): read, or made, on first use.
    _key_file: Path | None = PrivateAttr(default=None)

    deprecated_names: ClassVar[Mapping[str, str]] = {
        "secret_key": "HOBBYMATCH_SECRET_KEY",
        "access_token_minutes": "HOBBYMATCH_ACCESS_TOKEN_MINUTES",
    }

    @classmethod
    def test_overrides(cls) -> dict[str, Any]:
        """A signing key of the test process, so that tests need no configuration; cheap
        password hashes, so that signing people up costs microseconds; and no practical limit
        to sign-ups, which every test client makes from one address."""
        return {
            "secret_key": _test_process_key(),
            "password_hash_cost": "fast",
            "max_signups_per_address_per_hour": 1_000_000,
        }

    def completed(self, settings: Settings, *, prefix: str) -> Self:
        """Check the configured key, or choose the file beside the SQLite database that keeps
        one (made by :attr:`signing_key`, not here); refuse the tests' cheap password hashes
        outside the test kit.

        :raises SettingsError: the key is short, or missing outside SQLite; or cheap hashes
            were asked for by configuration.
        """
        if self.password_hash_cost == "fast" and not settings.built_for_tests:  # noqa: S105
            raise SettingsError(
                f"invalid setting {prefix}PASSWORD_HASH_COST: 'fast' is only for the test kit; "
                "remove it (the default is 'standard')"
            )
        name = f"{prefix}SECRET_KEY"
        if self.secret_key is not None:
            if len(self.secret_key.get_secret_value()) < MIN_SECRET_KEY_LENGTH:
                raise SettingsError(
                    f"invalid setting {name}: it must have at least "
                    f"{MIN_SECRET_KEY_LENGTH} characters"
                )
            return self
        url = make_url(settings.effective_database_url)
        if url.get_backend_name() != "sqlite":
            raise SettingsError(
                f"{name} is not set; it is required on PostgreSQL "
                "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        completed = self.model_copy()
        completed._key_file = Path(f"{url.database}.secret")
        return completed

    @cached_property
    def signing_key(self) -> str:
        """The key that signs tokens: the configured one, or the one kept beside the SQLite
        file, made there on first use."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self._key_file is None:
            raise RuntimeError("the users settings were not completed")
        return _key_in_file(self._key_file)


@cache
def _test_process_key() -> str:
    return secrets.token_urlsafe(48)


def _key_in_file(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    # Written aside, then linked into place: a worker starting at the same moment either wins
    # the link or reads the complete key of the one that did, never a half-written file.
    draft = path.with_name(f"{path.name}.{os.getpid()}.draft")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)
        logger.warning(
            "HOBBYMATCH_USERS_SECRET_KEY is unset: generated one into %s (keep it private)", path
        )
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()

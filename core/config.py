"""Settings, read from the environment and from an optional ``.env`` in the working directory.

Every setting is named ``HOBBYMATCH_<FIELD>``; ``.env.example`` lists them all. An invalid value
raises :class:`~core.exceptions.SettingsError` with one line naming the setting, never its value
(a database URL may hold a password).
"""

import logging
import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from starlette.requests import Request

from core.exceptions import SettingsError

logger = logging.getLogger("hobbymatch")

DEFAULT_DATABASE_URL = "sqlite:///./hobbymatch.db"
MIN_SECRET_KEY_LENGTH = 32
_DRIVERS = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2"}
_SUPPORTED_BACKENDS = {"sqlite", "postgresql"}

CommaSeparated = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """HobbyMatch's configuration; build one with :func:`load_settings` to get one-line errors."""

    model_config = SettingsConfigDict(
        env_prefix="HOBBYMATCH_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    database_url: str | None = None
    modules: CommaSeparated | None = None
    disabled_modules: CommaSeparated = []
    module_paths: Annotated[list[Path], NoDecode] = []
    secret_key: SecretStr | None = None
    access_token_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    schema_mode: Literal["create_all", "migrations"] = Field(
        default="create_all", alias="HOBBYMATCH_SCHEMA"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    cors_origins: CommaSeparated = []
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    @field_validator("modules", "disabled_modules", "cors_origins", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("module_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [item for item in value.split(os.pathsep) if item.strip()]
        return value

    @field_validator("module_paths")
    @classmethod
    def _folders_exist(cls, value: list[Path]) -> list[Path]:
        for folder in value:
            if not folder.is_dir():
                raise ValueError(f"{folder} is not a folder")
        return [folder.resolve() for folder in value]

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _normalize_database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return normalize_database_url(value.strip())

    @property
    def is_default_database(self) -> bool:
        """Whether no URL was configured, so that the embedded SQLite file is used."""
        return self.database_url is None

    @property
    def effective_database_url(self) -> str:
        """The URL the engine connects to: the configured one, or the embedded default."""
        return self.database_url or DEFAULT_DATABASE_URL


def normalize_database_url(raw: str) -> str:
    """Return ``raw`` with PostgreSQL URLs pointed at psycopg2; reject unsupported backends.

    :raises ValueError: the URL cannot be parsed or names a backend other than SQLite or
        PostgreSQL. The message never repeats the URL.
    """
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ValueError(
            "not a database URL (expected sqlite:///path or postgresql://...)"
        ) from None
    if url.drivername in _DRIVERS:
        url = url.set(drivername=_DRIVERS[url.drivername])
    if url.get_backend_name() not in _SUPPORTED_BACKENDS:
        raise ValueError(
            f"unsupported database {url.get_backend_name()!r}; use sqlite or postgresql"
        )
    return url.render_as_string(hide_password=False)


def load_settings(**overrides: object) -> Settings:
    """Read the settings from the environment and ``.env``, with ``overrides`` taking precedence.

    :raises SettingsError: one line naming the first invalid setting.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


def get_settings(request: Request) -> Settings:
    """FastAPI dependency: the settings the running app was built with."""
    settings: Settings = request.app.state.settings
    return settings


def describe_validation_error(error: ValidationError) -> str:
    """Turn pydantic's error into one line naming the environment variable, not the value."""
    first = error.errors()[0]
    field = str(first["loc"][0]).upper() if first["loc"] else "SETTINGS"
    message = first["msg"].removeprefix("Value error, ")
    return f"invalid setting HOBBYMATCH_{field.removeprefix('HOBBYMATCH_')}: {message}"


def resolve_secret_key(settings: Settings) -> Settings:
    """Return ``settings`` with a usable signing key, or stop with one line.

    A configured key must have at least 32 characters. With no key on the embedded SQLite
    default, one is generated once into a file beside the database (mode 0600), so that
    restarts and several workers agree; on PostgreSQL a missing key is an error.

    :raises SettingsError: the key is short, or missing outside the embedded default.
    """
    if settings.secret_key is not None:
        if len(settings.secret_key.get_secret_value()) < MIN_SECRET_KEY_LENGTH:
            raise SettingsError(
                f"invalid setting HOBBYMATCH_SECRET_KEY: it must have at least "
                f"{MIN_SECRET_KEY_LENGTH} characters"
            )
        return settings
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite":
        raise SettingsError(
            "HOBBYMATCH_SECRET_KEY is not set; it is required on PostgreSQL "
            "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    key = _key_beside_sqlite_file(url)
    return settings.model_copy(update={"secret_key": SecretStr(key)})


def _key_beside_sqlite_file(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        logger.warning(
            "HOBBYMATCH_SECRET_KEY is unset: using a key that lives until this process ends"
        )
        return secrets.token_urlsafe(48)
    path = Path(f"{url.database}.secret")
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
            "HOBBYMATCH_SECRET_KEY is unset: generated one into %s (keep it private)", path
        )
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()

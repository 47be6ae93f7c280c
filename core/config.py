"""Settings, read from the environment and from an optional ``.env`` in the working directory.

The core's settings are named ``HOBBYMATCH_<FIELD>``; a module's own settings (a subclass of
:class:`ModuleSettings` named by its ``MODULE_INFO``) are named ``HOBBYMATCH_<MODULE>_<FIELD>``.
``.env.example`` lists them all. An invalid value raises :class:`~core.exceptions.SettingsError`
with one line naming the setting, never its value (a database URL may hold a password).
"""

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from dotenv import dotenv_values
from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.exceptions import SettingsError

logger = logging.getLogger("hobbymatch")

DEFAULT_DATABASE_URL = "sqlite:///./hobbymatch.db"
ENV_PREFIX = "HOBBYMATCH_"
_DRIVERS = {"postgres": "postgresql+psycopg2", "postgresql": "postgresql+psycopg2"}
_SUPPORTED_BACKENDS = {"sqlite", "postgresql"}

CommaSeparated = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """HobbyMatch's configuration; build one with :func:`load_settings` to get one-line errors."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    database_url: str | None = None
    modules: CommaSeparated | None = None
    disabled_modules: CommaSeparated = []
    module_paths: Annotated[list[Path], NoDecode] = []
    schema_mode: Literal["create_all", "migrations"] = Field(
        default="create_all", alias="HOBBYMATCH_SCHEMA"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    # text: one readable line each (development); json: one JSON object each (production).
    log_format: Literal["text", "json"] = "text"
    # Where `hobbymatch serve` answers Prometheus' scrapes; unset: no metrics endpoint at all.
    # Never the API's own port: what the metrics tell is for the operator alone.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    cors_origins: CommaSeparated = []
    trusted_proxies: CommaSeparated = []
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    body_read_timeout: float = Field(default=10.0, gt=0)
    request_timeout: float = Field(default=10.0, gt=0)
    database_connect_timeout: int = Field(default=5, ge=1)
    database_statement_timeout: float = Field(default=10.0, gt=0)
    database_pool_size: int = Field(default=20, ge=1)
    database_max_overflow: int = Field(default=0, ge=0)
    worker_threads: int = Field(default=4, ge=1)
    max_requests_in_flight: int | None = Field(default=None, ge=1)
    replica_urls: CommaSeparated = []
    replica_max_lag: float = Field(default=5.0, gt=0)
    trace_hooks: bool = False
    # OpenTelemetry traces (the tracing extra): off, to the OTLP endpoint of the standard
    # OTEL_EXPORTER_OTLP_* variables, or printed to stdout.
    tracing: Literal["off", "otlp", "console"] = "off"
    # Where links in mails point: the address people reach this API at.
    public_url: str = "http://127.0.0.1:8000"
    mail_backend: Literal["console", "file", "smtp"] = "console"
    mail_from: str = "HobbyMatch <hobbymatch@localhost>"
    mail_folder: Path | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_timeout: float = Field(default=10.0, gt=0)
    # None: in-process on SQLite (the embedded default runs its jobs with one command), in
    # separate `hobbymatch worker` processes on PostgreSQL.
    jobs_in_process: bool | None = None
    jobs_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    jobs_listen_url: str | None = None

    # Set by load_settings, never from the environment: where the modules' settings are read.
    _env_file: Path | None = PrivateAttr(default=None)
    _module_overrides: Mapping[str, Mapping[str, Any]] = PrivateAttr(default_factory=dict)
    _for_tests: bool = PrivateAttr(default=False)

    @field_validator(
        "modules",
        "disabled_modules",
        "cors_origins",
        "trusted_proxies",
        "replica_urls",
        mode="before",
    )
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

    @field_validator("log_format", "tracing", mode="before")
    @classmethod
    def _lower_case_format(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

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

    @field_validator("jobs_listen_url")
    @classmethod
    def _postgresql_listen_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = normalize_database_url(value.strip())
        if not url.startswith("postgresql"):
            raise ValueError("workers listen on PostgreSQL: postgresql://... (a direct connection)")
        return url

    @field_validator("replica_urls")
    @classmethod
    def _postgresql_replicas(cls, value: list[str]) -> list[str]:
        urls = [normalize_database_url(url) for url in value]
        if any(not url.startswith("postgresql") for url in urls):
            raise ValueError("replicas are PostgreSQL streaming replicas: postgresql://...")
        return urls

    @model_validator(mode="after")
    def _no_request_waits_for_a_thread(self) -> Self:
        # A request holding a database transaction must never wait for anything but its own
        # queries. Were more requests in flight than worker threads, one holding a transaction
        # could wait for a thread while every thread waits for a connection: behind a pooler
        # whose server pool is smaller than the app pools, every process would freeze.
        if self.max_requests_in_flight is None:
            return self
        if self.max_requests_in_flight > self.worker_threads:
            raise ValueError(
                "HOBBYMATCH_MAX_REQUESTS_IN_FLIGHT may not exceed HOBBYMATCH_WORKER_THREADS: "
                "a request holding a transaction would wait for a thread"
            )
        if self.max_requests_in_flight > self.database_pool_size + self.database_max_overflow:
            raise ValueError(
                "HOBBYMATCH_MAX_REQUESTS_IN_FLIGHT may not exceed HOBBYMATCH_DATABASE_POOL_SIZE "
                "+ HOBBYMATCH_DATABASE_MAX_OVERFLOW: a request would wait for a connection"
            )
        return self

    @model_validator(mode="after")
    def _mail_backend_has_what_it_needs(self) -> Self:
        if self.mail_backend == "file" and self.mail_folder is None:
            raise ValueError("HOBBYMATCH_MAIL_BACKEND=file needs HOBBYMATCH_MAIL_FOLDER")
        if self.mail_backend == "smtp" and not self.smtp_host:
            raise ValueError("HOBBYMATCH_MAIL_BACKEND=smtp needs HOBBYMATCH_SMTP_HOST")
        return self

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("a public URL starts with http:// or https://")
        return value.rstrip("/")

    @property
    def requests_in_flight(self) -> int:
        """How many requests a process serves at once: ``HOBBYMATCH_MAX_REQUESTS_IN_FLIGHT``, or
        as many as it has worker threads and database connections for."""
        if self.max_requests_in_flight is not None:
            return self.max_requests_in_flight
        return min(self.worker_threads, self.database_pool_size + self.database_max_overflow)

    @property
    def runs_jobs_in_process(self) -> bool:
        """Whether ``hobbymatch serve`` runs a worker in each of its processes:
        ``HOBBYMATCH_JOBS_IN_PROCESS``, by default on SQLite only."""
        if self.jobs_in_process is not None:
            return self.jobs_in_process
        return self.effective_database_url.startswith("sqlite")

    @property
    def is_default_database(self) -> bool:
        """Whether no URL was configured, so that the embedded SQLite file is used."""
        return self.database_url is None

    @property
    def built_for_tests(self) -> bool:
        """Whether the test kit built these settings (``load_settings(for_tests=True)``): no
        environment variable or ``.env`` line can make it true."""
        return self._for_tests

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
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        raise ValueError("an in-memory SQLite database vanishes with each connection; give a file")
    return url.render_as_string(hide_password=False)


def load_settings(
    _env_file: Path | str | None = ".env",
    *,
    module_settings: Mapping[str, Mapping[str, Any]] | None = None,
    for_tests: bool = False,
    **overrides: object,
) -> Settings:
    """Read the settings from the environment and ``_env_file``, ``overrides`` taking precedence.

    :param _env_file: the dotenv file to read (``None``: the environment alone); the modules'
        settings are read from the same places.
    :param module_settings: overrides of modules' settings, by module name, then field name.
    :param for_tests: apply each module's :meth:`ModuleSettings.test_overrides` (the test kit
        sets it; no environment variable can).
    :raises SettingsError: one line naming the first invalid setting.
    """
    env_file = Path(_env_file) if _env_file is not None else None
    try:
        settings = Settings(_env_file=env_file, **overrides)  # type: ignore[arg-type,call-arg]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error, ENV_PREFIX)) from None
    settings._env_file = env_file
    settings._module_overrides = dict(module_settings or {})
    settings._for_tests = for_tests
    return settings


def describe_validation_error(error: ValidationError, prefix: str) -> str:
    """Turn pydantic's error into one line naming the environment variable, not the value."""
    first = error.errors()[0]
    field = str(first["loc"][0]).upper() if first["loc"] else "SETTINGS"
    message = first["msg"].removeprefix("Value error, ")
    if not first["loc"] and message.startswith(prefix):
        # A rule between settings (a model validator) names its settings itself.
        return f"invalid settings: {message}"
    return f"invalid setting {prefix}{field.removeprefix(prefix)}: {message}"


class ModuleSettings(BaseSettings):
    """The base of a module's own settings, declared as ``MODULE_INFO.settings``.

    Each field is read from ``HOBBYMATCH_<MODULE>_<FIELD>`` (the environment, then ``.env``)
    when the app is built; an invalid value stops startup with one line naming the variable.
    Read them with ``Platform.of(request_or_db).settings_of(YourSettings)``.
    """

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    # Earlier environment variable names still honoured, by field: {"field": "HOBBYMATCH_OLD"}.
    # Each use logs a deprecation line naming the new variable.
    deprecated_names: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def test_overrides(cls) -> dict[str, Any]:
        """Values that the test kit sets for every test app (for example a signing key or a
        cheap password hash); never applied outside tests."""
        return {}

    def completed(self, settings: Settings, *, prefix: str) -> Self:
        """Fill in what depends on the core's settings, or refuse the combination.

        :param prefix: the module's environment prefix, for naming a setting in an error.
        :raises SettingsError: one line naming the setting at fault.
        """
        return self


ModuleSettingsT = TypeVar("ModuleSettingsT", bound=ModuleSettings)


def env_prefix_of(module_name: str) -> str:
    """The environment prefix of a module's settings: ``HOBBYMATCH_<MODULE>_``."""
    return f"{ENV_PREFIX}{module_name.upper()}_"


def load_module_settings(
    settings_class: type[ModuleSettingsT], module_name: str, settings: Settings
) -> ModuleSettingsT:
    """Read a module's settings from the same places as ``settings``.

    :raises SettingsError: one line naming the first invalid setting, never its value.
    """
    prefix = env_prefix_of(module_name)
    values = {
        **_deprecated_values(settings_class, prefix, settings._env_file),
        **(settings_class.test_overrides() if settings._for_tests else {}),
        **settings._module_overrides.get(module_name, {}),
    }
    try:
        loaded = settings_class(
            _env_prefix=prefix,  # type: ignore[call-arg]
            _env_file=settings._env_file,
            **values,
        )
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error, prefix)) from None
    return loaded.completed(settings, prefix=prefix)


def _deprecated_values(
    settings_class: type[ModuleSettings], prefix: str, env_file: Path | None
) -> dict[str, str]:
    if not settings_class.deprecated_names:
        return {}
    from_file = dotenv_values(env_file) if env_file is not None and env_file.is_file() else {}
    sources = {**from_file, **os.environ}
    values: dict[str, str] = {}
    for field, old_name in settings_class.deprecated_names.items():
        new_name = f"{prefix}{field.upper()}"
        old_value = sources.get(old_name)
        if old_value is None or new_name in sources:
            continue
        logger.warning("%s is deprecated and will be removed: set %s instead", old_name, new_name)
        values[field] = old_value
    return values

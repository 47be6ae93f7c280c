"""HobbyMatch's core, and the one surface that modules import from.

A module imports what it needs from ``core`` itself::

    from core import Base, NotFoundError, defer, get_db, hookimpl, job

The submodules (``core.engine``, ``core.platform``, ``core.main``...) are the platform's own
internals, as ``_pytest`` is pytest's; an import-linter contract keeps modules off them. The
core never imports a feature module. Modules plug in through the hooks in :mod:`core.hookspecs`.
"""

__version__ = "0.1.0"

from core.commands import command_session
from core.config import ModuleSettings, Settings
from core.database import get_db
from core.engine import (
    MAX_INTEGER_ID,
    Base,
    UtcDateTime,
    insert_ignoring_duplicates,
    serialize_on,
    upsert,
    utc_now,
)
from core.exceptions import (
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    SettingsError,
    TooManyRequestsError,
)
from core.hot_reads import hot_read
from core.job_queue import UnknownJobError, defer
from core.jobs import JobDeclaration, job
from core.mail import Mail, send_mail
from core.modules import ModuleInfo, hookimpl, hookspec
from core.pages import html_page
from core.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    PageParams,
    Pagination,
    fetch_page,
)
from core.platform import Platform, hooks, now
from core.replicas import ReadsFromReplica
from core.schemas import BLANK_CHARACTERS, NO_NUL_PATTERN, StrictBody, TrimmedTo

__all__ = [
    "BLANK_CHARACTERS",
    "DEFAULT_PAGE_SIZE",
    "MAX_INTEGER_ID",
    "MAX_PAGE_SIZE",
    "NO_NUL_PATTERN",
    "Base",
    "ConflictError",
    "DomainError",
    "JobDeclaration",
    "Mail",
    "ModuleInfo",
    "ModuleSettings",
    "NotFoundError",
    "Page",
    "PageParams",
    "Pagination",
    "PermissionDeniedError",
    "Platform",
    "ReadsFromReplica",
    "RuleViolationError",
    "Settings",
    "SettingsError",
    "StrictBody",
    "TooManyRequestsError",
    "TrimmedTo",
    "UnknownJobError",
    "UtcDateTime",
    "__version__",
    "command_session",
    "defer",
    "fetch_page",
    "get_db",
    "hookimpl",
    "hooks",
    "hookspec",
    "hot_read",
    "html_page",
    "insert_ignoring_duplicates",
    "job",
    "now",
    "send_mail",
    "serialize_on",
    "upsert",
    "utc_now",
]

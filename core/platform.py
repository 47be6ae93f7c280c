"""The state an app owns: its settings, its modules and their hooks, its database.

:func:`create_platform` builds a :class:`Platform` from the settings; ``create_app`` keeps it on
the FastAPI app (``app.state.platform``) and the CLI builds the same object. Nothing of it is a
module-level global, so two apps in one process, on different databases with different modules,
never see each other. Modules reach it from what they hold: ``Platform.of(request)`` in a
dependency, ``Platform.of(db)`` in a service or a hook.

A platform makes its own :class:`Engines` and closes them with the app, unless it is given
engines made by :func:`create_engines` (``create_app(settings, engines=...)``): then whoever made
them closes them, and may hand them to the next app on the same database. The test kit does,
so that each test's app does not open new connections and compile every statement again.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import pluggy
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from core.config import ModuleSettings, Settings, load_module_settings
from core.engine import create_database_engine, describe_database, utc_now
from core.jobs import Wakeup
from core.modules import ModuleRegistry, load_modules
from core.replicas import Replica, ReplicaSet, create_replica_set

ModuleSettingsT = TypeVar("ModuleSettingsT", bound=ModuleSettings)
StateT = TypeVar("StateT")

# Where a session keeps the platform that made it: ``Platform.of(db)`` finds it there.
_PLATFORM_KEY = "hobbymatch.platform"


@dataclass(frozen=True)
class Engines:
    """The two engines on one database that an app reads and writes through."""

    # Transactions: a session's writes, and the reads that belong to them.
    engine: Engine
    # The same database in autocommit, for reads (core.database.get_db, core.hot_reads): a
    # read is its statements alone, with no BEGIN before them and no ROLLBACK after.
    read_engine: Engine

    def dispose(self) -> None:
        """Close the pooled connections of both engines."""
        self.engine.dispose()
        self.read_engine.dispose()


@dataclass
class Platform:
    """One app's state: settings, loaded modules with their hooks, engine and sessions."""

    settings: Settings
    registry: ModuleRegistry
    module_settings: dict[str, ModuleSettings]
    engine: Engine
    # The same database in autocommit, for reads (see Engines).
    read_engine: Engine
    # Whether close() disposes of the engines: not when they were given (create_platform).
    owns_engines: bool = True
    session_factory: sessionmaker[Session] = field(init=False)
    # What modules keep for the app's lifetime (a cache, an index), by its class: never a
    # module-level global, so that two apps in one process keep their own (see keep()).
    _kept: dict[type, object] = field(default_factory=dict, init=False, repr=False)
    # The read replicas (HOBBYMATCH_REPLICA_URLS), if any.
    replicas: ReplicaSet | None = field(init=False, default=None)
    # Whether core.main.start_modules has run (and stop_modules not since).
    started: bool = field(init=False, default=False)
    # "Now" for the jobs (when one is due, a lease's end, a period): never the database's own
    # clock, so that a test moves this one instead of sleeping.
    clock: Callable[[], datetime] = field(default=utc_now)
    # Wakes this process's workers when a deferral commits here or a NOTIFY is heard.
    job_wakeup: Wakeup = field(default_factory=Wakeup, init=False, repr=False)

    def __post_init__(self) -> None:
        self.session_factory = self._session_factory(self.engine)
        if self.settings.replica_urls:
            self.replicas = create_replica_set(
                self.engine,
                self.session_factory,
                [self._replica(url) for url in self.settings.replica_urls],
                max_lag=self.settings.replica_max_lag,
            )

    def _replica(self, url: str) -> Replica:
        # Replicas only serve reads: autocommit.
        engine = _create_engine(self.settings, url, autocommit=True)
        return Replica(engine=engine, session_factory=self._session_factory(engine))

    def _session_factory(self, engine: Engine) -> sessionmaker[Session]:
        # Sessions bound to engine that know their platform.
        return sessionmaker(
            bind=engine, autoflush=False, expire_on_commit=False, info={_PLATFORM_KEY: self}
        )

    @staticmethod
    def of(holder: HTTPConnection | FastAPI | Session) -> "Platform":
        """The platform of a request's app, of an app, or of the app that opened a session."""
        if isinstance(holder, Session):
            platform: Platform = holder.info[_PLATFORM_KEY]
            return platform
        app = holder if isinstance(holder, FastAPI) else holder.app
        platform = app.state.platform
        return platform

    @property
    def hook(self) -> pluggy.HookRelay:
        """Every hook of the loaded modules: ``platform.hook.<name>(**kwargs)``."""
        return self.registry.hook

    def settings_of(self, settings_class: type[ModuleSettingsT]) -> ModuleSettingsT:
        """The loaded settings of the module that declares ``settings_class``.

        :raises LookupError: no loaded module declares it.
        """
        for loaded in self.module_settings.values():
            if isinstance(loaded, settings_class):
                return loaded
        raise LookupError(f"no loaded module declares {settings_class.__name__}")

    def keep(self, state: object) -> None:
        """Keep ``state`` (a module's cache, index or hub) for this app's lifetime, found again by
        its class with :meth:`state_of`; one object per class, a later one replacing it."""
        self._kept[type(state)] = state

    def state_of(self, state_class: type[StateT]) -> StateT:
        """The object of ``state_class`` that a module keeps for this app.

        :raises LookupError: none is kept (its module is not loaded, or not started).
        """
        state = self.find_state(state_class)
        if state is None:
            raise LookupError(f"this app keeps no {state_class.__name__}")
        return state

    def find_state(self, state_class: type[StateT]) -> StateT | None:
        """The object of ``state_class`` kept for this app, or ``None``."""
        state = self._kept.get(state_class)
        return state if isinstance(state, state_class) else None

    def forget(self, state_class: type[StateT]) -> StateT | None:
        """Stop keeping the object of ``state_class``; it, or ``None`` if none was kept."""
        state = self.find_state(state_class)
        self._kept.pop(state_class, None)
        return state

    def close(self) -> None:
        """Close the database connections this platform holds, its replicas' too."""
        if self.replicas is not None:
            self.replicas.stop()
        if self.owns_engines:
            Engines(self.engine, self.read_engine).dispose()


def create_platform(settings: Settings, engines: Engines | None = None) -> Platform:
    """Load the modules that ``settings`` enable, read their settings, make the engines.

    :param engines: engines on the settings' database (:func:`create_engines`) to use instead
        of new ones; the platform then leaves them open when it closes.
    :raises StartupError: an invalid setting or a module that cannot load (one line).
    :raises ValueError: ``engines`` are on another database than the settings name.
    """
    registry = load_modules(settings)
    module_settings: dict[str, ModuleSettings] = {
        module.name: load_module_settings(module.info.settings, module.name, settings)
        for module in registry.modules
        if module.info.settings is not None
    }
    given = engines is not None
    if engines is None:
        engines = create_engines(settings)
    else:
        _check_same_database(engines, settings)
    return Platform(
        settings=settings,
        registry=registry,
        module_settings=module_settings,
        engine=engines.engine,
        read_engine=engines.read_engine,
        owns_engines=not given,
    )


def create_engines(settings: Settings) -> Engines:
    """New engines on the settings' database, with their pool settings."""
    url = settings.effective_database_url
    return Engines(
        engine=_create_engine(settings, url),
        read_engine=_create_engine(settings, url, autocommit=True),
    )


def _check_same_database(engines: Engines, settings: Settings) -> None:
    wanted = make_url(settings.effective_database_url)
    if engines.engine.url != wanted or engines.read_engine.url != wanted:
        raise ValueError(
            f"the engines given are on {describe_database(engines.engine.url)}, but the "
            f"settings name {describe_database(wanted)}: make them with "
            "create_engines(settings) for these settings"
        )


def _create_engine(settings: Settings, url: str, *, autocommit: bool = False) -> Engine:
    return create_database_engine(
        make_url(url),
        connect_timeout=settings.database_connect_timeout,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        autocommit=autocommit,
    )


def now(db: Session) -> datetime:
    """The current time of the app that opened ``db``: its clock, which deferrals and workers
    read too, and which the test kit's ``clock`` fixture moves (``clock.move(days=14)``)."""
    return Platform.of(db).clock()


def hooks(db: Session) -> Any:
    """The hooks of the app that opened ``db``: ``hooks(db).<module>_<event>(db=db, ...)``.

    The way a service announces an event inside its own transaction: implementations receive
    the same session, so what they write commits or rolls back with the write that caused it.
    """
    return Platform.of(db).hook

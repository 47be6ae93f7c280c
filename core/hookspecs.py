"""The module contract: every hook of the core that a HobbyMatch module may implement.

A module implements a hook by defining a function of the same name, marked with
``@hookimpl`` (``from core.modules import hookimpl``), in its package's ``__init__.py``.
A marked function whose name matches no hook stops startup with a clear line. The core's
hooks are called through the plugin manager (``registry.hook.<name>(...)``) once per process,
never per request, in the modules' load order (a module after the modules it requires).

Modules declare hooks of their own for each other (extension points and events) in a
``hookspecs.py`` of their own, registered from :func:`hobbymatch_addhooks`.
"""

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click
    from fastapi import APIRouter, FastAPI
    from prometheus_client.registry import Collector
    from sqlalchemy.orm import Session

    from core.config import Settings
    from core.engine import Base
    from core.jobs import JobDeclaration

PROJECT = "hobbymatch"
hookspec = pluggy.HookspecMarker(PROJECT)


# --- Hooks of hooks: called first, when each module is registered. ---


@hookspec(historic=True)
def hobbymatch_addhooks(plugin_manager: "pluggy.PluginManager") -> None:
    """Declare the module's own hooks, for other modules to implement.

    Call ``plugin_manager.add_hookspecs(your_hookspecs_module)``, whose functions are marked
    with ``@hookspec`` (``from core.modules import hookspec``) and named after your module
    (``<module>_<what>``). Like pytest's ``pytest_addhooks``, it is historic: every module is
    asked as it is registered, before any other hook runs.

    :param plugin_manager: the app's pluggy plugin manager.
    """


# --- What a module is made of: called during discovery, before the app exists. ---


@hookspec
def hobbymatch_models() -> "Sequence[type[Base]]":
    """Return the module's declarative model classes (subclasses of ``core.database.Base``).

    Their tables are the module's tables: ``init_db`` creates them, ``hobbymatch modules``
    lists them, and a table that another module already defines stops startup.

    :return: the model classes, in any order.
    """
    raise NotImplementedError


@hookspec
def hobbymatch_routers() -> "Sequence[APIRouter]":
    """Return the module's FastAPI routers.

    Each is mounted at its own prefix with the module's name as its OpenAPI tag.

    :return: the routers, mounted in the order given.
    """
    raise NotImplementedError


@hookspec
def hobbymatch_jobs() -> "Sequence[JobDeclaration]":
    """Return the module's jobs: functions marked ``@job("name")`` (``from core import job``).

    Each is known as ``"<module>.<name>"``: the module defers it with ``defer(db,
    "<module>.<name>", payload)`` inside its own transaction, and any worker runs it as
    ``function(db, **payload)``, committing ``db`` once it returns. A job declared with
    ``every=`` runs once per period, on one worker of all. Two jobs of one module may not share
    a name.

    :return: the declarations, in any order.
    """
    raise NotImplementedError


@hookspec
def hobbymatch_metrics(app: "FastAPI") -> "Sequence[Collector]":
    """Return the module's Prometheus metrics, each named ``hobbymatch_<module>_<what>``.

    Called once as the app is built, before ``hobbymatch_startup``. Make prometheus-client
    metrics with ``registry=None`` (``Counter``, ``Gauge`` with a ``multiprocess_mode`` such
    as ``"livesum"``, ``Histogram``), keep them where your code finds them
    (``Platform.of(app).keep(...)``) and update them as things happen: with several worker
    processes, the scrape adds up every worker's values. A collector of your own (an object
    with ``describe()`` and ``collect()``) is instead run at each scrape by the process that
    answers, once for all workers: it must read what they share (the database), never one
    process's memory. A name without the module's prefix stops startup.

    :param app: the application being built.
    :return: the metrics and collectors, in any order.
    """
    raise NotImplementedError


# --- Lifecycle: called in the app's lifespan, once per process. ---


@hookspec
def hobbymatch_startup(app: "FastAPI", settings: "Settings", db: "Session") -> None:
    """Prepare the module after every enabled module's tables exist, before the first request.

    Use it for idempotent work such as loading reference data: several workers run it at
    the same time, so it must tolerate rows that another worker has just inserted.

    :param app: the application being started.
    :param settings: the settings it was built with.
    :param db: a session; the core commits it after every module's startup hook has run.
    """


@hookspec
def hobbymatch_shutdown(app: "FastAPI") -> None:
    """Release what ``hobbymatch_startup`` acquired, when the process stops.

    :param app: the application being stopped.
    """


# --- Demo data: called by ``hobbymatch seed``. ---


@hookspec
def hobbymatch_seed(db: "Session", count: int, seed: int) -> "Iterable[int]":
    """Add the module's demo data for a demo of ``count`` people, in bulk, deterministically
    for ``seed``.

    Called in load order, so a module finds the demo data of the modules it requires (the
    module that keeps accounts creates the people first; the others give them their data).
    A run may find the data of an earlier one, for the same ``count`` or a smaller one: add
    only what is missing (the rows of people who have none yet), never again what is there,
    and draw ids that an earlier run cannot have drawn (from ``seed`` and the row's own
    people, say), so that a demo grows run by run. Write with bulk statements, never one ORM
    object at a time.

    :param db: a session; the core commits it after the module's generator is exhausted.
    :param count: how many people the demo holds once the run is over.
    :param seed: the random seed: the same seed gives the same data.
    :return: a generator yielding progress, as the number of people handled since its last
        yield.
    """
    raise NotImplementedError


# --- New modules: called by ``hobbymatch new-module``. ---


@hookspec
def hobbymatch_module_templates() -> Path | None:
    """Return a folder of templates for the new modules that require yours, or ``None``.

    ``hobbymatch new-module --requires <your module> NAME`` writes the core's templates, a module
    that requires nothing, and replaces each by the file of the same name in your folder.
    Lay it out like the core's: ``module/`` (the package), ``migrations/`` (its first revision)
    and ``tests/``, each of ``<file>.tmpl`` files (a file the core lacks is added). Their
    placeholders are :class:`string.Template`'s: ``${name}`` (the new module's), ``${Model}``
    (its model class), ``${Title}``, ``${requires}`` and ``${enabled_modules}`` (Python
    literals: what it requires; the modules its tests' app holds), and in a revision
    ``${revision}`` and ``${depends_on}``.

    :return: the folder, or ``None``.
    """
    raise NotImplementedError


# --- Command line: called when the ``hobbymatch`` command starts. ---


@hookspec
def hobbymatch_cli_commands() -> "Sequence[click.Command]":
    """Return extra ``hobbymatch`` subcommands (click commands or groups).

    :return: the commands; their names must not clash with the core's or another module's.
    """
    raise NotImplementedError

"""Module discovery and loading, in explicit phases.

1. *Discover* candidates: every package under ``modules/`` and under the folders of
   ``HOBBYMATCH_MODULE_PATHS`` (in-tree), and every entry point in the group
   ``hobbymatch.modules`` (installed distributions).
2. *Select* the enabled ones (``HOBBYMATCH_MODULES``, ``HOBBYMATCH_DISABLED_MODULES``).
3. *Import* them and read their ``MODULE_INFO``.
4. *Order* them so that each module loads after the modules it requires.
5. *Register* the hooks that modules declare for each other and their implementations, check
   every implementation against a specification, and collect the models and routers.

Every problem stops startup with a :class:`~core.exceptions.ModuleLoadError` whose message is one
line naming the module. Discovery leaves ``sys.path`` and the ``modules`` package's search path
as it found them. Module authors import :data:`hookimpl`, :data:`hookspec` and
:class:`ModuleInfo` from here.
"""

import difflib
import importlib
import importlib.metadata
import importlib.util
import logging
import os
import pkgutil
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pluggy
from fastapi import APIRouter
from sqlalchemy import Table
from sqlalchemy.exc import InvalidRequestError

from core import hookspecs
from core.config import ModuleSettings, Settings
from core.engine import Base
from core.exceptions import ModuleLoadError
from core.hookspecs import PROJECT, hookspec
from core.jobs import JobDeclaration

hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["ModuleInfo", "ModuleRegistry", "hookimpl", "hookspec", "load_modules"]

ENTRY_POINT_GROUP = "hobbymatch.modules"
IN_TREE_PACKAGE = "modules"
CORE_HOOK_PREFIX = "hobbymatch_"
_TABLE_DEFINED_TWICE = re.compile(r"Table '([^']+)' is already defined")

hook_logger = logging.getLogger("hobbymatch.hooks")


@dataclass(frozen=True)
class ModuleInfo:
    """What a module declares about itself, as ``MODULE_INFO`` in its ``__init__.py``.

    :param name: the module's name; it must equal its folder (in-tree) or entry point name.
    :param version: the module's version, shown by ``GET /`` and ``hobbymatch modules``.
    :param requires: names of the modules it needs; they load before it.
    :param settings: the module's settings class, read from ``HOBBYMATCH_<NAME>_<FIELD>``.
    """

    name: str
    version: str
    requires: tuple[str, ...] = ()
    settings: type[ModuleSettings] | None = None


@dataclass(frozen=True)
class Candidate:
    """A module found by discovery, not imported yet."""

    name: str
    source: Literal["in-tree", "folder", "installed"]
    origin: str
    load: Callable[[], Any]
    folder: Path | None = None


@dataclass
class LoadedModule:
    """An enabled module after loading: its declaration, code, tables and routers."""

    info: ModuleInfo
    plugin: ModuleType
    source: str
    origin: str
    tables: list[Table] = field(default_factory=list)
    routers: list[APIRouter] = field(default_factory=list)
    jobs: list[JobDeclaration] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The module's declared name."""
        return self.info.name

    @property
    def package(self) -> Path:
        """The folder of the module's package."""
        return Path(str(self.plugin.__file__)).parent

    @property
    def route_count(self) -> int:
        """How many routes the module's routers hold."""
        return sum(len(router.routes) for router in self.routers)


@dataclass
class ModuleRegistry:
    """The enabled modules in load order, and the plugin manager holding their hooks."""

    modules: list[LoadedModule]
    plugin_manager: pluggy.PluginManager
    # Every discovered module's package folder, enabled or not: a database may carry the
    # migration history of a module that this process does not load.
    discovered_folders: list[Path] = field(default_factory=list)
    # The hooks each module declares for other modules to implement, by module name.
    declared_hooks: dict[str, list[str]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The enabled modules' names, in load order."""
        return [module.name for module in self.modules]

    @property
    def tables(self) -> list[Table]:
        """Every enabled module's tables."""
        return [table for module in self.modules for table in module.tables]

    @cached_property
    def jobs(self) -> dict[str, tuple[LoadedModule, JobDeclaration]]:
        """Every enabled module's jobs, by full name (``"<module>.<name>"``); read once the
        modules are loaded."""
        return {
            f"{module.name}.{declared.name}": (module, declared)
            for module in self.modules
            for declared in module.jobs
        }

    @property
    def hook(self) -> pluggy.HookRelay:
        """Every hook, called as ``registry.hook.<name>(**kwargs)``: the implementations run in
        the modules' load order, and their results come back as a list in that order."""
        return self.plugin_manager.hook

    def call_each(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[LoadedModule, Any]]:
        """Call hook ``hook_name`` module by module, in load order, yielding ``(module, result)``
        for every module implementing it: for hooks whose results must be told apart."""
        for module in self.modules:
            if hook_name in self.implemented_hooks(module):
                yield module, self.call_one(module, hook_name, **kwargs)

    def call_one(self, module: LoadedModule, hook_name: str, **kwargs: Any) -> Any:
        """Call ``module``'s implementation of hook ``hook_name`` through the plugin manager
        (so that it is traced); ``None`` when the module does not implement it."""
        others = [other.plugin for other in self.modules if other is not module]
        results = self.plugin_manager.subset_hook_caller(hook_name, others)(**kwargs)
        return results[0] if results else None

    def implemented_hooks(self, module: LoadedModule) -> list[str]:
        """The names of the hooks ``module`` implements, sorted."""
        callers = self.plugin_manager.get_hookcallers(module.plugin) or []
        return sorted(caller.name for caller in callers)


def load_modules(settings: Settings) -> ModuleRegistry:
    """Discover, select, import, order and register the enabled modules.

    :raises ModuleLoadError: one line naming the module at fault.
    """
    candidates = discover_candidates(settings.module_paths)
    enabled = select_enabled(candidates, settings)
    imported = [_import_module(candidate) for candidate in enabled]
    _check_requirements(imported, candidates, settings)
    registry = ModuleRegistry(
        modules=resolve_load_order(imported),
        plugin_manager=pluggy.PluginManager(PROJECT),
        discovered_folders=[c.folder for c in candidates if c.folder is not None],
    )
    if settings.trace_hooks:
        tracer = HookTracer()
        registry.plugin_manager.add_hookcall_monitoring(tracer.before, tracer.after)
    _register_hooks(registry, known_modules=[candidate.name for candidate in candidates])
    for module in registry.modules:
        module.tables = _collect_tables(registry, module)
        module.routers = _collect_routers(registry, module)
        module.jobs = _collect_jobs(registry, module)
    return registry


def discover_candidates(extra_folders: Sequence[Path] = ()) -> list[Candidate]:
    """Find every module, in-tree and installed, without importing any.

    :param extra_folders: folders whose packages are modules too, besides ``modules/``.
    :raises ModuleLoadError: two modules have one name.
    """
    found: dict[str, Candidate] = {}
    for candidate in [*_in_tree_candidates(extra_folders), *_installed_candidates()]:
        if candidate.name in found:
            raise ModuleLoadError(
                f"two modules are named {candidate.name!r}: {found[candidate.name].origin} and "
                f"{candidate.origin}; rename or uninstall one of them"
            )
        found[candidate.name] = candidate
    return sorted(found.values(), key=lambda candidate: candidate.name)


def select_enabled(candidates: Sequence[Candidate], settings: Settings) -> list[Candidate]:
    """Apply the allow-list and the deny-list to ``candidates``.

    :raises ModuleLoadError: a list names a module that does not exist.
    """
    names = [candidate.name for candidate in candidates]
    for setting, listed in (
        ("HOBBYMATCH_MODULES", settings.modules or []),
        ("HOBBYMATCH_DISABLED_MODULES", settings.disabled_modules),
    ):
        for name in listed:
            if name not in names:
                folders = ", ".join(str(folder) for folder in settings.module_paths) or "none"
                raise ModuleLoadError(
                    f"{setting} names module {name!r}, which is not installed"
                    f"{_did_you_mean(name, names)} (found: {', '.join(names) or 'none'}; "
                    f"folders of HOBBYMATCH_MODULE_PATHS searched: {folders})"
                )
    return [
        candidate
        for candidate in candidates
        if (settings.modules is None or candidate.name in settings.modules)
        and candidate.name not in settings.disabled_modules
    ]


def resolve_load_order(modules: Sequence[LoadedModule]) -> list[LoadedModule]:
    """Sort ``modules`` so that each comes after those it requires (ties by name).

    :raises ModuleLoadError: the requirements form a cycle.
    """
    by_name = {module.name: module for module in modules}
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for module in sorted(modules, key=lambda module: module.name):
        sorter.add(module.name, *sorted(module.info.requires))
    try:
        sorter.prepare()
    except CycleError as error:
        cycle = " -> ".join(error.args[1])
        raise ModuleLoadError(f"modules require each other in a cycle: {cycle}") from None
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return [by_name[name] for name in order]


def _in_tree_candidates(extra_folders: Sequence[Path]) -> Iterator[Candidate]:
    package = importlib.import_module(IN_TREE_PACKAGE)
    extra = [str(folder) for folder in extra_folders]
    for search_path in [*package.__path__, *extra]:
        for entry in pkgutil.iter_modules([search_path]):
            if entry.ispkg and not entry.name.startswith("_"):
                folder = Path(search_path) / entry.name
                yield Candidate(
                    name=entry.name,
                    source="folder" if search_path in extra else "in-tree",
                    origin=_describe_folder(folder),
                    load=_importer(f"{IN_TREE_PACKAGE}.{entry.name}", folder),
                    folder=folder,
                )


def _describe_folder(folder: Path) -> str:
    in_repository = folder.parent.name == IN_TREE_PACKAGE
    return f"{IN_TREE_PACKAGE}/{folder.name}" if in_repository else str(folder)


def _installed_candidates() -> Iterator[Candidate]:
    for entry_point in _module_entry_points():
        distribution = entry_point.dist.name if entry_point.dist else "an unknown distribution"
        yield Candidate(
            name=entry_point.name,
            source="installed",
            origin=f"entry point {entry_point.name!r} of {distribution}",
            load=entry_point.load,
            folder=_package_folder(entry_point.module),
        )


# The modules' entry points, as last read, and the search path's folders and their modification
# times then. Reading them parses every installed distribution's metadata (13 ms here, most of
# what making an app costs); a process that makes apps again (the tests, each with its own) reads
# them again only once a distribution was installed or removed, which changes its folder.
_entry_points_read: tuple[tuple[tuple[str, int], ...], list[importlib.metadata.EntryPoint]] = (
    (),
    [],
)
_entry_points_lock = threading.Lock()


def _module_entry_points() -> list[importlib.metadata.EntryPoint]:
    global _entry_points_read  # one snapshot for the process, replaced whole
    folders = tuple((folder, _modified_ns(folder)) for folder in sys.path)
    with _entry_points_lock:
        if _entry_points_read[0] != folders or not folders:
            found = list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
            _entry_points_read = (folders, found)
        return _entry_points_read[1]


def _modified_ns(folder: str) -> int:
    try:
        return os.stat(folder or ".").st_mtime_ns
    except OSError:
        return -1


def _package_folder(dotted_name: str) -> Path | None:
    # Only a top-level package can be located without running any of its code.
    if "." in dotted_name:
        return None
    spec = importlib.util.find_spec(dotted_name)
    locations = spec.submodule_search_locations if spec is not None else None
    return Path(next(iter(locations))) if locations else None


def _importer(dotted_name: str, folder: Path) -> Callable[[], ModuleType]:
    """Import the package in ``folder`` as ``dotted_name``, so that a module in an extra folder
    imports as ``modules.<name>`` exactly like one in the repository, without adding the folder
    to any search path: its submodules are found through the package's own ``__path__``."""

    def load() -> ModuleType:
        loaded = sys.modules.get(dotted_name)
        if loaded is not None and Path(str(loaded.__file__)).parent == folder:
            return loaded
        if loaded is not None:
            raise ImportError(f"{dotted_name} is already imported from {loaded.__file__}")
        spec = importlib.util.spec_from_file_location(
            dotted_name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"{folder} holds no Python package")
        module = importlib.util.module_from_spec(spec)
        sys.modules[dotted_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[dotted_name]
            raise
        return module

    return load


def _import_module(candidate: Candidate) -> LoadedModule:
    try:
        plugin = candidate.load()
    except InvalidRequestError as error:
        _raise_if_table_conflict(error, candidate.name)
        raise ModuleLoadError(f"module {candidate.name!r} failed to import: {error}") from error
    except Exception as error:
        raise ModuleLoadError(
            f"module {candidate.name!r} ({candidate.origin}) failed to import: "
            f"{type(error).__name__}: {error}"
        ) from error
    info = getattr(plugin, "MODULE_INFO", None)
    if not isinstance(info, ModuleInfo):
        raise ModuleLoadError(
            f"module {candidate.name!r} ({candidate.origin}) has no MODULE_INFO; add "
            f"MODULE_INFO = ModuleInfo(name={candidate.name!r}, version=...) to its __init__.py"
        )
    if info.name != candidate.name:
        raise ModuleLoadError(
            f"module {candidate.name!r} ({candidate.origin}) declares the name {info.name!r}; "
            "the declared name must equal the folder or entry point name"
        )
    return LoadedModule(info=info, plugin=plugin, source=candidate.source, origin=candidate.origin)


def _check_requirements(
    modules: Sequence[LoadedModule], candidates: Sequence[Candidate], settings: Settings
) -> None:
    enabled = {module.name for module in modules}
    known = {candidate.name for candidate in candidates}
    for module in modules:
        for required in module.info.requires:
            if required in enabled:
                continue
            if required not in known:
                why = "which is not installed" + _did_you_mean(
                    required, sorted(known - {module.name})
                )
            elif required in settings.disabled_modules:
                why = "which HOBBYMATCH_DISABLED_MODULES disables"
            else:
                why = "which HOBBYMATCH_MODULES does not list"
            raise ModuleLoadError(f"module {module.name!r} requires module {required!r}, {why}")


def _register_hooks(registry: ModuleRegistry, known_modules: Sequence[str]) -> None:
    """Register the core's hookspecs, then every module: its own hookspecs (through
    ``hobbymatch_addhooks``) and its implementations; then check every implementation.

    pluggy calls the implementation registered last first, so the modules are registered in
    reverse load order: hooks then run in load order.
    """
    manager = registry.plugin_manager
    manager.add_hookspecs(hookspecs)
    manager.hook.hobbymatch_addhooks.call_historic(kwargs={"plugin_manager": manager})
    for module in reversed(registry.modules):
        before = _specified_hooks(manager)
        try:
            manager.register(module.plugin, name=module.name)
        except pluggy.PluginValidationError as error:
            culprit = manager.get_name(error.plugin) or module.name
            raise ModuleLoadError(f"module {culprit!r} has an invalid hook: {error}") from None
        declared = sorted(_specified_hooks(manager) - before)
        _check_declared_names(module, declared)
        registry.declared_hooks[module.name] = declared
    for module in registry.modules:
        _check_implementations(registry, module, known_modules)
    manager.check_pending()


def _specified_hooks(manager: pluggy.PluginManager) -> set[str]:
    return {name for name, caller in vars(manager.hook).items() if caller.spec is not None}


def _check_declared_names(module: LoadedModule, declared: Sequence[str]) -> None:
    prefix = f"{module.name}_"
    for name in declared:
        if not name.startswith(prefix):
            raise ModuleLoadError(
                f"module {module.name!r} declares hook {name!r}: a module's hooks are named "
                f"after it, like '{prefix}{name.removeprefix(CORE_HOOK_PREFIX)}'"
            )


def _check_implementations(
    registry: ModuleRegistry, module: LoadedModule, known_modules: Sequence[str]
) -> None:
    specified = _specified_hooks(registry.plugin_manager)
    for attribute, value in vars(module.plugin).items():
        if attribute in specified and callable(value) and not _is_hookimpl(value):
            raise ModuleLoadError(
                f"module {module.name!r}: {attribute!r} is not marked with @hookimpl, "
                "so it would never be called"
            )
    for caller in registry.plugin_manager.get_hookcallers(module.plugin) or []:
        optional = all(impl.optionalhook for impl in caller.get_hookimpls())
        if caller.spec is None and not optional:
            raise ModuleLoadError(
                f"module {module.name!r}: {_unknown_hook(caller.name, registry, known_modules)}"
            )


def _unknown_hook(name: str, registry: ModuleRegistry, known_modules: Sequence[str]) -> str:
    longest_first = sorted(known_modules, key=len, reverse=True)
    owner = next((module for module in longest_first if name.startswith(f"{module}_")), None)
    if owner is not None and owner not in registry.names:
        return (
            f"hook implementation {name!r} is a hook of module {owner!r}, which is not loaded: "
            f"add {owner!r} to MODULE_INFO.requires and enable it, or mark the implementation "
            "@hookimpl(optionalhook=True)"
        )
    choices = sorted(_specified_hooks(registry.plugin_manager))
    return f"hook implementation {name!r} matches no hookspec{_did_you_mean(name, choices)}"


class HookTracer:
    """Logs one line per hook call (``HOBBYMATCH_TRACE_HOOKS=1``): the hook, the modules whose
    implementations ran, in order, and how long the call took."""

    def __init__(self) -> None:
        self._started = threading.local()

    def before(
        self, hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        """Note when the call started (calls nest within a thread, so a stack suffices)."""
        stack: list[float] = self._started.__dict__.setdefault("stack", [])
        stack.append(time.perf_counter())

    def after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        """Log the call's line."""
        started = self._started.__dict__["stack"].pop()
        # pluggy runs the implementations from the last registered to the first.
        called = " -> ".join(impl.plugin_name for impl in reversed(hook_impls))
        failed = f", raised {type(outcome.exception).__name__}" if outcome.exception else ""
        hook_logger.info(
            "hook %s: %s (%.2f ms%s)",
            hook_name,
            called or "no implementation",
            (time.perf_counter() - started) * 1000,
            failed,
        )


def _collect_tables(registry: ModuleRegistry, module: LoadedModule) -> list[Table]:
    try:
        models = registry.call_one(module, "hobbymatch_models") or []
    except InvalidRequestError as error:
        _raise_if_table_conflict(error, module.name)
        raise
    tables = [model.__table__ for model in models]
    for other in registry.modules:
        clash = {table.name for table in tables} & {table.name for table in other.tables}
        if other is not module and clash:
            first, second = sorted((other.name, module.name))
            raise ModuleLoadError(
                f"modules {first!r} and {second!r} both define table {min(clash)!r}; "
                "rename the table in one of them"
            )
    return tables


def _collect_routers(registry: ModuleRegistry, module: LoadedModule) -> list[APIRouter]:
    return list(registry.call_one(module, "hobbymatch_routers") or [])


def _collect_jobs(registry: ModuleRegistry, module: LoadedModule) -> list[JobDeclaration]:
    declared = list(registry.call_one(module, "hobbymatch_jobs") or [])
    names: set[str] = set()
    for declaration in declared:
        if not isinstance(declaration, JobDeclaration):
            raise ModuleLoadError(
                f"module {module.name!r}: hobbymatch_jobs returned {declaration!r}; return "
                'functions marked with @job("name") (from core import job)'
            )
        if declaration.name in names:
            raise ModuleLoadError(
                f"module {module.name!r} declares job {declaration.name!r} twice; "
                "rename one of them"
            )
        names.add(declaration.name)
    return declared


def _raise_if_table_conflict(error: InvalidRequestError, module_name: str) -> None:
    match = _TABLE_DEFINED_TWICE.search(str(error))
    if match is None:
        return
    table_name = match.group(1)
    module_name = _in_tree_module_raising(error) or module_name
    # Import order is alphabetical, not by age: the module importing second may well be the
    # long-standing one, so the message blames neither.
    first, second = sorted((module_name, _owner_of_table(table_name)))
    raise ModuleLoadError(
        f"modules {first!r} and {second!r} both define table {table_name!r}; "
        "rename the table in one of them"
    ) from None


def _in_tree_module_raising(error: BaseException) -> str | None:
    """The in-tree module whose code raised ``error``: importing one module may import another
    (a front door), and the one at fault is the innermost."""
    innermost = None
    traceback = error.__traceback__
    while traceback is not None:
        dotted = str(traceback.tb_frame.f_globals.get("__name__", ""))
        if dotted.startswith(f"{IN_TREE_PACKAGE}."):
            innermost = dotted.split(".")[1]
        traceback = traceback.tb_next
    return innermost


def _owner_of_table(table_name: str) -> str:
    table = Base.metadata.tables.get(table_name)
    pending = list(Base.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if table is not None and model.__dict__.get("__table__") is table:
            module_path = model.__module__.split(".")
            is_in_tree = module_path[0] == IN_TREE_PACKAGE and len(module_path) > 1
            return module_path[1] if is_in_tree else module_path[0]
    return "another module"


def _is_hookimpl(value: object) -> bool:
    return callable(value) and hasattr(value, f"{PROJECT}_impl")


def _did_you_mean(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

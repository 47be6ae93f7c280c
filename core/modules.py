"""Module discovery and loading, in explicit phases.

1. *Discover* candidates: every package under ``modules/`` and under the folders of
   ``HOBBYMATCH_MODULE_PATHS`` (in-tree), and every entry point in the group
   ``hobbymatch.modules`` (installed distributions).
2. *Select* the enabled ones (``HOBBYMATCH_MODULES``, ``HOBBYMATCH_DISABLED_MODULES``).
3. *Import* them and read their ``MODULE_INFO``.
4. *Order* them so that each module loads after the modules it requires.
5. *Register* their hook implementations and collect their models and routers.

Every problem stops startup with a :class:`~core.exceptions.ModuleLoadError` whose message is one
line naming the module. Module authors import :data:`hookimpl` and :class:`ModuleInfo` from here.
"""

import difflib
import importlib
import importlib.metadata
import importlib.util
import pkgutil
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pluggy
from fastapi import APIRouter
from sqlalchemy import Table
from sqlalchemy.exc import InvalidRequestError

from core import hookspecs
from core.config import Settings
from core.database import Base
from core.exceptions import ModuleLoadError

hookimpl = pluggy.HookimplMarker("hobbymatch")

ENTRY_POINT_GROUP = "hobbymatch.modules"
IN_TREE_PACKAGE = "modules"
_HOOK_PREFIX = "hobbymatch_"
_HOOK_NAMES = frozenset(name for name in vars(hookspecs) if name.startswith(_HOOK_PREFIX))
_TABLE_DEFINED_TWICE = re.compile(r"Table '([^']+)' is already defined")


@dataclass(frozen=True)
class ModuleInfo:
    """What a module declares about itself, as ``MODULE_INFO`` in its ``__init__.py``.

    :param name: the module's name; it must equal its folder (in-tree) or entry point name.
    :param version: the module's version, shown by ``GET /`` and ``hobbymatch modules``.
    :param requires: names of the modules it needs; they load before it.
    """

    name: str
    version: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A module found by discovery, not imported yet."""

    name: str
    source: Literal["in-tree", "installed"]
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

    @property
    def names(self) -> list[str]:
        """The enabled modules' names, in load order."""
        return [module.name for module in self.modules]

    @property
    def tables(self) -> list[Table]:
        """Every enabled module's tables."""
        return [table for module in self.modules for table in module.tables]

    def call_in_order(self, hook_name: str, **kwargs: Any) -> None:
        """Call hook ``hook_name`` of every module that implements it, in load order."""
        for module in self.modules:
            function = getattr(module.plugin, hook_name, None)
            if function is not None and _is_hookimpl(function):
                function(**kwargs)

    def results_in_order(self, hook_name: str, **kwargs: Any) -> Iterator[tuple[LoadedModule, Any]]:
        """Yield ``(module, result)`` for every module implementing hook ``hook_name``."""
        for module in self.modules:
            function = getattr(module.plugin, hook_name, None)
            if function is not None and _is_hookimpl(function):
                yield module, function(**kwargs)


def load_modules(settings: Settings) -> ModuleRegistry:
    """Discover, select, import, order and register the enabled modules.

    :raises ModuleLoadError: one line naming the module at fault.
    """
    candidates = discover_candidates(settings.module_paths)
    enabled = select_enabled(candidates, settings)
    imported = [_import_module(candidate) for candidate in enabled]
    _check_requirements(imported, candidates, settings)
    ordered = resolve_load_order(imported)
    plugin_manager = _register_hooks(ordered)
    for module in ordered:
        module.tables = _collect_tables(module, ordered)
        module.routers = _collect_routers(module)
    folders = [candidate.folder for candidate in candidates if candidate.folder is not None]
    return ModuleRegistry(
        modules=ordered, plugin_manager=plugin_manager, discovered_folders=folders
    )


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
                raise ModuleLoadError(
                    f"{setting} names module {name!r}, which is not installed"
                    f"{_did_you_mean(name, names)} (found: {', '.join(names) or 'none'})"
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
    # Extra folders join the package's search path, so that their modules import as
    # ``modules.<name>`` exactly like those in the repository.
    for folder in extra_folders:
        if str(folder) not in package.__path__:
            package.__path__.append(str(folder))
    for search_path in package.__path__:
        for entry in pkgutil.iter_modules([search_path]):
            if entry.ispkg and not entry.name.startswith("_"):
                yield Candidate(
                    name=entry.name,
                    source="in-tree",
                    origin=_describe_folder(Path(search_path) / entry.name),
                    load=_importer(f"{IN_TREE_PACKAGE}.{entry.name}"),
                    folder=Path(search_path) / entry.name,
                )


def _describe_folder(folder: Path) -> str:
    in_repository = folder.parent.name == IN_TREE_PACKAGE
    return f"{IN_TREE_PACKAGE}/{folder.name}" if in_repository else str(folder)


def _installed_candidates() -> Iterator[Candidate]:
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        distribution = entry_point.dist.name if entry_point.dist else "an unknown distribution"
        yield Candidate(
            name=entry_point.name,
            source="installed",
            origin=f"entry point {entry_point.name!r} of {distribution}",
            load=entry_point.load,
            folder=_package_folder(entry_point.module),
        )


def _package_folder(dotted_name: str) -> Path | None:
    # Only a top-level package can be located without running any of its code.
    if "." in dotted_name:
        return None
    spec = importlib.util.find_spec(dotted_name)
    locations = spec.submodule_search_locations if spec is not None else None
    return Path(next(iter(locations))) if locations else None


def _importer(dotted_name: str) -> Callable[[], ModuleType]:
    return lambda: importlib.import_module(dotted_name)


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


def _register_hooks(modules: Sequence[LoadedModule]) -> pluggy.PluginManager:
    plugin_manager = pluggy.PluginManager("hobbymatch")
    plugin_manager.add_hookspecs(hookspecs)
    for module in modules:
        _check_hook_names(module)
        try:
            plugin_manager.register(module.plugin, name=module.name)
        except pluggy.PluginValidationError as error:
            raise ModuleLoadError(f"module {module.name!r} has an invalid hook: {error}") from None
    plugin_manager.check_pending()
    return plugin_manager


def _check_hook_names(module: LoadedModule) -> None:
    for attribute, value in vars(module.plugin).items():
        if _is_hookimpl(value) and attribute not in _HOOK_NAMES:
            raise ModuleLoadError(
                f"module {module.name!r}: hook implementation {attribute!r} matches no hookspec"
                f"{_did_you_mean(attribute, sorted(_HOOK_NAMES))}"
            )
        if attribute in _HOOK_NAMES and callable(value) and not _is_hookimpl(value):
            raise ModuleLoadError(
                f"module {module.name!r}: {attribute!r} is not marked with @hookimpl, "
                "so it would never be called"
            )


def _collect_tables(module: LoadedModule, modules: Sequence[LoadedModule]) -> list[Table]:
    function = getattr(module.plugin, "hobbymatch_models", None)
    if function is None or not _is_hookimpl(function):
        return []
    try:
        models = function()
    except InvalidRequestError as error:
        _raise_if_table_conflict(error, module.name)
        raise
    tables = [model.__table__ for model in models]
    for other in modules:
        clash = {table.name for table in tables} & {table.name for table in other.tables}
        if other is not module and clash:
            raise ModuleLoadError(
                f"modules {other.name!r} and {module.name!r} both define table {min(clash)!r}"
            )
    return tables


def _collect_routers(module: LoadedModule) -> list[APIRouter]:
    function = getattr(module.plugin, "hobbymatch_routers", None)
    if function is None or not _is_hookimpl(function):
        return []
    return list(function())


def _raise_if_table_conflict(error: InvalidRequestError, module_name: str) -> None:
    match = _TABLE_DEFINED_TWICE.search(str(error))
    if match is None:
        return
    table_name = match.group(1)
    raise ModuleLoadError(
        f"module {module_name!r} defines table {table_name!r}, which module "
        f"{_owner_of_table(table_name)!r} already defines; rename one of the tables"
    ) from None


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
    return callable(value) and hasattr(value, "hobbymatch_impl")


def _did_you_mean(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

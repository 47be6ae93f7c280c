"""``hobbymatch new-module``: write a new module and its tests from the templates shipped in
``core/templates``, so that it runs, is listed and passes its tests with no other edit.

The core's templates name no module: they write a module that requires none. A module it
requires may give templates of its own (the ``hobbymatch_module_templates`` hook), laid out
like the core's; each of their files replaces the core's file of the same name.
"""

import importlib.util
import json
import keyword
import re
import sysconfig
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"
_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# What a folder of modules needs once, beside its modules, so that its tests find the test kit
# and the folder, and ruff and mypy see it as HobbyMatch's own tree is seen.
_FOLDER_FILES = {"conftest.py.tmpl": "tests/conftest.py", "pyproject.toml.tmpl": "pyproject.toml"}
# Packages that mypy, run in a folder of modules, must find besides the folder's own.
_CHECKED_AGAINST = ("core", "hobbymatch_testkit")


class ScaffoldError(Exception):
    """The module cannot be written; nothing was."""


def create_module(
    name: str,
    *,
    project: Path,
    depends_on: Sequence[str] = (),
    requires: Sequence[str] = (),
    tested_with: Sequence[str] = (),
    templates: Sequence[Path] = (),
    module_folder: bool = False,
) -> list[Path]:
    """Write a new module, its first migration and its tests; return the files written.

    :param project: the project's root, where the module goes to ``modules/<name>/`` and its
        tests to ``tests/<name>/``; or, with ``module_folder``, a folder of modules (as
        ``HOBBYMATCH_MODULE_PATHS`` names), where they go to ``<name>/`` and ``tests/<name>/``,
        beside ``tests/conftest.py`` and ``pyproject.toml`` when the folder has none yet.
    :param depends_on: the head revisions that the first migration depends on (those of the
        modules it requires).
    :param requires: the modules it requires (``MODULE_INFO.requires``).
    :param tested_with: the modules its tests' app holds besides it: the required ones and
        theirs, in load order.
    :param templates: folders of templates of the required modules, laid out like
        ``core/templates``; a later one's file replaces an earlier one's, and the core's.
    :raises ScaffoldError: the name is not a lower-case Python identifier, the project has no
        ``modules/`` or ``tests/`` folder, the folder of modules is itself importable, or the
        module or its tests exist already.
    """
    targets = _targets(name, project, module_folder=module_folder)
    _check(name, project, targets, module_folder=module_folder)
    revision = uuid.uuid4().hex[:12]
    values = {
        "name": name,
        "Model": "Item",
        "Title": name.replace("_", " ").capitalize(),
        "revision": revision,
        "depends_on": _tuple_literal(depends_on) if depends_on else "None",
        "requires": _tuple_literal(requires),
        "enabled_modules": json.dumps([*tested_with, name]),
        "mypy_path": json.dumps(["$MYPY_CONFIG_FILE_DIR", *_installed_from()]),
    }
    rendered = {
        targets[kind] / _file_name(template, kind, revision): _render(template, values)
        for kind in targets
        for template in _templates_of(kind, templates)
    }
    if module_folder:
        for template_name, relative in _FOLDER_FILES.items():
            if not (project / relative).exists():
                rendered[project / relative] = _render(TEMPLATES / "folder" / template_name, values)
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(rendered)


def _targets(name: str, project: Path, *, module_folder: bool) -> dict[str, Path]:
    module = project / name if module_folder else project / "modules" / name
    return {
        "module": module,
        "migrations": module / "migrations",
        "tests": project / "tests" / name,
    }


def _templates_of(kind: str, overlays: Sequence[Path]) -> list[Path]:
    by_name = {template.name: template for template in (TEMPLATES / kind).glob("*.tmpl")}
    for folder in overlays:
        by_name.update({template.name: template for template in (folder / kind).glob("*.tmpl")})
    return [by_name[template_name] for template_name in sorted(by_name)]


def _render(template: Path, values: dict[str, str]) -> str:
    return Template(template.read_text()).substitute(values)


def _file_name(template: Path, kind: str, revision: str) -> str:
    name = template.name.removesuffix(".tmpl")
    # Alembic names revision files after their id, so that they sort and never collide.
    return f"{revision}_{name}" if kind == "migrations" else name


def _tuple_literal(names: Sequence[str]) -> str:
    """``names`` as a Python tuple, written as ruff's formatter writes it."""
    quoted = [json.dumps(name) for name in names]
    return f"({quoted[0]},)" if len(quoted) == 1 else f"({', '.join(quoted)})"


def _installed_from() -> Iterator[str]:
    """The folders that ``core`` and the test kit are imported from, when they are not in the
    environment's site-packages (an editable install, whose import hook mypy cannot follow)."""
    site_packages = {Path(sysconfig.get_path(kind)).resolve() for kind in ("purelib", "platlib")}
    for package in _CHECKED_AGAINST:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        root = Path(spec.origin).resolve().parents[1]
        if root not in site_packages:
            yield str(root)


def _check(name: str, project: Path, targets: dict[str, Path], *, module_folder: bool) -> None:
    if not _MODULE_NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"{name!r} is not a valid module name: "
            "use a lower-case Python identifier, like 'book_club'"
        )
    if module_folder:
        _check_module_folder(project)
    else:
        for folder in ("modules", "tests"):
            if not (project / folder).is_dir():
                raise ScaffoldError(
                    f"no {folder}/ folder in {project}: run this from the project's root, "
                    "or write the module into a folder of modules with --path DIR"
                )
    for target in (targets["module"], targets["tests"]):
        if target.exists():
            raise ScaffoldError(
                f"{target.relative_to(project)} exists already; choose another name"
            )


def _check_module_folder(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ScaffoldError(f"{folder} is not a folder")
    for package in (folder, *folder.parents):
        if (package / "__init__.py").exists():
            raise ScaffoldError(
                f"{package} is a Python package (it has an __init__.py): keep a folder of "
                "modules outside any package, or its modules would be imported twice"
            )

"""``hobbymatch new-module``: write a new module and its tests from the templates shipped in
``core/templates``, so that it runs, is listed and passes its tests with no other edit."""

import keyword
import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"
_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ScaffoldError(Exception):
    """The module cannot be written; nothing was."""


def required_modules() -> list[str]:
    """The modules that a module written from the templates requires
    (``templates/requires.txt``, one name a line)."""
    return (TEMPLATES / "requires.txt").read_text().split()


def create_module(name: str, *, project: Path, depends_on: Sequence[str]) -> list[Path]:
    """Write ``modules/<name>/`` (with its first migration) and ``tests/<name>/`` under
    ``project``; return the files.

    :param depends_on: the head revisions of the :func:`required_modules`, which the first
        migration depends on.

    :raises ScaffoldError: the name is not a lower-case Python identifier, the project has no
        ``modules/`` or ``tests/`` folder, or the module or its tests exist already.
    """
    targets = {
        "module": project / "modules" / name,
        "tests": project / "tests" / name,
        "migrations": project / "modules" / name / "migrations",
    }
    _check(name, project, targets)
    revision = uuid.uuid4().hex[:12]
    values = {
        "name": name,
        "Model": "Item",
        "Title": name.replace("_", " ").capitalize(),
        "revision": revision,
        "depends_on": repr(tuple(depends_on)) if depends_on else "None",
        "requires": repr(tuple(required_modules())),
    }
    rendered = {
        targets[kind] / _file_name(template, kind, revision): Template(
            template.read_text()
        ).substitute(values)
        for kind in targets
        for template in sorted((TEMPLATES / kind).glob("*.tmpl"))
    }
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(rendered)


def _file_name(template: Path, kind: str, revision: str) -> str:
    name = template.name.removesuffix(".tmpl")
    # Alembic names revision files after their id, so that they sort and never collide.
    return f"{revision}_{name}" if kind == "migrations" else name


def _check(name: str, project: Path, targets: dict[str, Path]) -> None:
    if not _MODULE_NAME.match(name) or keyword.iskeyword(name):
        raise ScaffoldError(
            f"{name!r} is not a valid module name: "
            "use a lower-case Python identifier, like 'book_club'"
        )
    for folder in ("modules", "tests"):
        if not (project / folder).is_dir():
            raise ScaffoldError(
                f"no {folder}/ folder in {project}: run this from the project's root"
            )
    for target in (targets["module"], targets["tests"]):
        if target.exists():
            raise ScaffoldError(
                f"{target.relative_to(project)} exists already; choose another name"
            )

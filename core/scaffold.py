"""``hobbymatch new-module``: write a new module and its tests from the templates shipped in
``core/templates``, so that it runs, is listed and passes its tests with no other edit."""

import keyword
import re
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"
_MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ScaffoldError(Exception):
    """The module cannot be written; nothing was."""


def create_module(name: str, *, project: Path) -> list[Path]:
    """Write ``modules/<name>/`` and ``tests/<name>/`` under ``project``; return the files.

    :raises ScaffoldError: the name is not a lower-case Python identifier, the project has no
        ``modules/`` or ``tests/`` folder, or the module or its tests exist already.
    """
    targets = {"module": project / "modules" / name, "tests": project / "tests" / name}
    _check(name, project, targets)
    values = {
        "name": name,
        "Model": "Item",
        "Title": name.replace("_", " ").capitalize(),
    }
    rendered = {
        targets[kind] / template.name.removesuffix(".tmpl"): Template(
            template.read_text()
        ).substitute(values)
        for kind in targets
        for template in sorted((TEMPLATES / kind).glob("*.tmpl"))
    }
    for path, text in rendered.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return sorted(rendered)


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
    for target in targets.values():
        if target.exists():
            raise ScaffoldError(
                f"{target.relative_to(project)} exists already; choose another name"
            )

"""Throwaway modules written to temporary folders, and the ``hobbymatch`` command run on them
(the ``module_folder`` fixture is in ``tests/conftest.py``)."""

import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from core import Base
from tests.fresh_processes import HobbymatchProcess


@dataclass
class ModuleFolder:
    """A folder of module packages written by a test, for ``HOBBYMATCH_MODULE_PATHS``."""

    root: Path

    def write(
        self,
        name: str,
        *,
        requires: Sequence[str] = (),
        body: str = "",
        declared_name: str | None = None,
    ) -> Path:
        """Write ``<name>/__init__.py`` declaring ``MODULE_INFO`` followed by ``body``."""
        package = self.root / name
        package.mkdir(parents=True)
        source = f"""\
            from core import ModuleInfo, hookimpl
            MODULE_INFO = ModuleInfo(name={declared_name or name!r}, version="1.2.3", requires={tuple(requires)!r})
        """
        (package / "__init__.py").write_text(textwrap.dedent(source) + textwrap.dedent(body))
        return package


def module_with_table(table: str, route: str | None = None) -> str:
    """Source of a module body defining a model on ``table`` and, optionally, a GET ``route``."""
    source = f"""
        from fastapi import APIRouter
        from sqlalchemy.orm import Mapped, mapped_column
        from core import Base

        class Thing(Base):
            __tablename__ = {table!r}
            id: Mapped[int] = mapped_column(primary_key=True)
            label: Mapped[str]

        router = APIRouter()

        @router.get({route or "/" + table!r})
        def list_things() -> list[str]:
            return ["thing"]

        @hookimpl
        def hobbymatch_models():
            return [Thing]
    """
    if route:
        source += """
        @hookimpl
        def hobbymatch_routers():
            return [router]
        """
    return source


@contextmanager
def throwaway_module_folder(tmp_path: Path) -> Iterator[ModuleFolder]:
    """A folder of throwaway modules; afterwards the modules are forgotten: removed from
    ``sys.modules`` and their tables from ``Base.metadata``, so that the next test starts clean.
    """
    root = tmp_path / "plugins"
    root.mkdir()
    tables_before = set(Base.metadata.tables)
    yield ModuleFolder(root)
    for name in [name for name in sys.modules if name.startswith("modules.")]:
        if str(root) in str(getattr(sys.modules[name], "__file__", "")):
            _forget_models_of(sys.modules.pop(name))
    for table in set(Base.metadata.tables) - tables_before:
        Base.metadata.remove(Base.metadata.tables[table])


def _forget_models_of(module: object) -> None:
    # The string-lookup registry of the shared Base would otherwise warn when the next test
    # defines a model of the same module and class name; SQLAlchemy has no public call for one.
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, Base) and value is not Base:
            Base.registry._dispose_cls(value)


def run_cli(
    *arguments: str,
    cwd: Path,
    module_folder: ModuleFolder | None = None,
    pythonpath: Sequence[Path] = (),
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``hobbymatch ARGUMENTS`` in a fresh process with a clean HOBBYMATCH_* environment,
    forked from a fork server (:mod:`tests.fresh_processes`). ``PYTHONPATH`` is
    ``pythonpath``.
    """
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")
    }
    environment["PYTHONPATH"] = os.pathsep.join(str(path) for path in pythonpath)
    if module_folder is not None:
        environment["HOBBYMATCH_MODULE_PATHS"] = str(module_folder.root)
    environment["HOBBYMATCH_DATABASE_URL"] = f"sqlite:///{cwd / 'cli.db'}"
    environment.update(env or {})
    with tempfile.TemporaryDirectory(prefix="hobbymatch-cli-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        process = HobbymatchProcess(
            arguments,
            cwd=cwd,
            environment=environment,
            pythonpath=pythonpath,
            stdout=out,
            stderr=err,
        )
        try:
            exit_code = process.wait(CLI_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        return subprocess.CompletedProcess(
            process.args, exit_code, out.read_text(), err.read_text()
        )


CLI_TIMEOUT = 120

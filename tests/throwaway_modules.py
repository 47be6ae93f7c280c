"""Throwaway modules written to temporary folders, and the ``hobbymatch`` command run on them
(the ``module_folder`` fixture is in ``tests/conftest.py``)."""

import multiprocessing
import os
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from multiprocessing.context import ForkServerContext
from pathlib import Path

from core import Base

HOBBYMATCH = str(Path(sys.executable).parent / "hobbymatch")


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
    """Run ``hobbymatch ARGUMENTS`` in a fresh process with a clean HOBBYMATCH_* environment.

    The process is forked from a server process (multiprocessing's ``forkserver``) that has
    imported the libraries and the core once and done nothing else: what a run loads, reads
    and writes is its own, as in a process started from the ``hobbymatch`` script, for a
    fifth of the time (a start imports for 2-3 s here). ``PYTHONPATH`` is ``pythonpath``.
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
        process = fresh_processes().Process(
            target=_cli_in_this_process,
            args=(list(arguments), cwd, environment, list(pythonpath), out, err),
        )
        process.start()
        process.join(CLI_TIMEOUT)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired([HOBBYMATCH, *arguments], CLI_TIMEOUT)
        return subprocess.CompletedProcess(
            [HOBBYMATCH, *arguments], process.exitcode, out.read_text(), err.read_text()
        )


CLI_TIMEOUT = 120

# What the fork server imports before its first fork: the core and the libraries that a run
# imports anyway, never a module (discovering them is the run's own work).
_PRELOADED = ["core.cli", "numpy", "argon2", "jwt", "pwdlib", "psycopg2", "sse_starlette"]


@cache
def fresh_processes() -> ForkServerContext:
    """Where tests start fresh Python processes: multiprocessing's ``forkserver``, whose server
    has imported the core and the libraries once (``_PRELOADED``) and done nothing else."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOADED)
    return context


def _cli_in_this_process(
    arguments: list[str],
    cwd: Path,
    environment: dict[str, str],
    pythonpath: list[Path],
    out: Path,
    err: Path,
) -> None:
    # In the forked process: its environment, folder and path, its output into files (at the
    # descriptors, so that whatever writes there is caught), then the command, whose exit
    # (SystemExit) is the process's exit code.
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(cwd)
    sys.path[:0] = [str(path) for path in pythonpath]
    for descriptor, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(opened, descriptor)
        os.close(opened)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    from core.cli import main

    try:
        main(args=arguments, prog_name="hobbymatch")
    finally:
        sys.stdout.flush()
        sys.stderr.flush()

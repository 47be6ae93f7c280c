"""``hobbymatch`` commands in fresh processes, forked from a fork server.

A process started from the ``hobbymatch`` script spends 2-3 s here importing SQLAlchemy,
FastAPI, Alembic and pydantic before it does anything. These are forked instead from
multiprocessing's ``forkserver``, whose server has imported the core and the libraries once
(``_PRELOADED``) and done nothing else: each is still a process of its own, with its own
environment, folder, output and modules, its own pid to signal, kill and wait for, and it
starts in about 0.4 s.
"""

import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from functools import cache
from multiprocessing.context import ForkServerContext
from pathlib import Path

HOBBYMATCH = str(Path(sys.executable).parent / "hobbymatch")

# What the fork server imports before its first fork: the core and the libraries that a run
# imports anyway, never a module (discovering them is the run's own work). pydantic.v1 is
# FastAPI's, imported when it reads the first route; icalendar and confusable_homoglyphs are
# the in-tree modules' (about 0.1 s of each run).
_PRELOADED = [
    "core.cli",
    "numpy",
    "argon2",
    "jwt",
    "pwdlib",
    "psycopg2",
    "sse_starlette",
    "pydantic.v1",
    "icalendar",
    "confusable_homoglyphs.confusables",
]


@cache
def fresh_processes() -> ForkServerContext:
    """Where tests start fresh Python processes: multiprocessing's ``forkserver``, whose server
    has imported the core and the libraries once (``_PRELOADED``) and done nothing else."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOADED)
    return context


class HobbymatchProcess:
    """``hobbymatch ARGUMENTS`` running in a fresh process, with what tests use of
    ``subprocess.Popen``: ``pid``, ``poll()``, ``wait()``, ``send_signal()``, ``kill()``.

    :param environment: the process's whole environment.
    :param pythonpath: folders put first on its ``sys.path``.
    :param stdout: the file its standard output goes to, truncated first; ``stderr`` too, or
        the same file when omitted.
    :param new_session: start it in a session (and process group) of its own.
    """

    def __init__(
        self,
        arguments: Sequence[str],
        *,
        cwd: Path,
        environment: dict[str, str],
        stdout: Path,
        stderr: Path | None = None,
        pythonpath: Sequence[Path] = (),
        new_session: bool = False,
    ) -> None:
        self.args = [HOBBYMATCH, *arguments]
        self._process = fresh_processes().Process(
            target=_run_in_this_process,
            args=(list(arguments), cwd, environment, list(pythonpath), stdout, stderr, new_session),
        )
        self._process.start()
        assert self._process.pid is not None
        self.pid: int = self._process.pid

    def poll(self) -> int | None:
        """The exit code, or ``None`` while the process runs (a signal's number, negated, if
        one ended it)."""
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the process to end; its exit code.

        :raises subprocess.TimeoutExpired: it still runs after ``timeout`` seconds.
        """
        self._process.join(timeout)
        if self._process.exitcode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self._process.exitcode

    def send_signal(self, signal_number: int) -> None:
        """Send ``signal_number`` to the process, if it still runs."""
        if self.poll() is None:
            os.kill(self.pid, signal_number)

    def kill(self) -> None:
        """Kill the process (SIGKILL), if it still runs."""
        self.send_signal(signal.SIGKILL)


def _run_in_this_process(
    arguments: list[str],
    cwd: Path,
    environment: dict[str, str],
    pythonpath: list[Path],
    stdout: Path,
    stderr: Path | None,
    new_session: bool,
) -> None:
    # In the forked process: its session, environment, folder and path, its output into files
    # (at the descriptors, so that whatever writes there is caught), then the command, whose
    # exit (SystemExit) is the process's exit code.
    if new_session:
        os.setsid()
    os.environ.clear()
    os.environ.update(environment)
    os.chdir(cwd)
    sys.path[:0] = [str(path) for path in pythonpath]
    _write_output_to(stdout, 1)
    if stderr is None:
        os.dup2(1, 2)
    else:
        _write_output_to(stderr, 2)
    # Buffered as Python buffers them in a process started with its output in files.
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    from core.cli import main

    try:
        main(args=arguments, prog_name="hobbymatch")
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _write_output_to(path: Path, descriptor: int) -> None:
    opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(opened, descriptor)
    os.close(opened)

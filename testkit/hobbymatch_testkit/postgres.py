"""A throwaway PostgreSQL server from the machine's ``postgresql`` binaries, a streaming
replica of one, and a PgBouncer in front of one.

Used by the test kit and the benchmarks.

It lives in a temporary folder (in memory if asked, where there is room), listens on a free
loopback port only, and trusts local connections. PostgreSQL refuses to run as root, so under
root it runs as the ``postgres`` user (made by Debian's package) or ``nobody``.

A server never outlives the process that made it, however that process ends: a watchdog
process holds the reading end of a pipe whose writing end only the owner holds, and when the
pipe closes (exit, crash, Ctrl-C, SIGKILL) it stops the server and deletes its folder.
:func:`remove_leftovers` stops any server whose owner and watchdog are both gone. A PgBouncer
runs under the same kind of watchdog, and dies with it.
"""

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg2

SUPERUSER = "postgres"

# A throwaway server need not survive a power cut: without fsync it creates tables and commits
# several times faster. synchronous_commit stays on, so that a committed write survives the
# server being killed, as the reliability tests check.
_FAST_UNSAFE_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
}


_FOLDER_PREFIX = "hobbymatch-pg-"

# Where servers asked to run in memory keep their folders: a RAM-backed file system, if it has
# room to spare (Docker gives /dev/shm 64 MiB), else the temporary folder. Copying the empty
# cluster there takes 0.1 s instead of 0.9 s on this machine's disk, and starting and
# deleting a server get cheaper too.
_MEMORY_FOLDER = Path("/dev/shm")  # noqa: S108 (each server's folder in it comes from mkdtemp)
_MEMORY_ROOM = 1 << 30
_OWNER_FILE = "owner.pid"

# Run by the watchdog: stdin reaches its end when the owner's writing end closes.
# Arguments: the user id to stop the server as ("" for our own), the folder, pg_ctl's command.
_WATCHDOG = """
import shutil, subprocess, sys
sys.stdin.buffer.read()
user = int(sys.argv[1]) if sys.argv[1] else None
subprocess.run(sys.argv[3:], capture_output=True, check=False, user=user)
shutil.rmtree(sys.argv[2], ignore_errors=True)
"""


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def find_postgres_bindir() -> Path:
    """Return the folder holding ``initdb`` and ``pg_ctl``.

    Debian keeps them in ``/usr/lib/postgresql/<version>/bin``, not always on ``PATH``.

    :raises PostgresUnavailableError: no server binaries were found.
    """
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    versioned = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if versioned:
        return Path(versioned[-1]).parent
    raise PostgresUnavailableError(
        "PostgreSQL's server binaries (initdb, pg_ctl) were not found on PATH or in "
        "/usr/lib/postgresql/*/bin; install Debian's 'postgresql' package"
    )


class TemporaryPostgres:
    """A PostgreSQL server in a temporary folder: ``start()``, ``stop()``, ``cleanup()``.

    :param primary: make this server a hot standby streaming from ``primary`` (a running
        server), copied with ``pg_basebackup -R``, instead of a new, empty one.
    :param in_memory: keep the server's files in a RAM-backed folder (``/dev/shm``) if it has
        a GiB to spare: for test servers, whose data is small and thrown away.
    """

    def __init__(
        self,
        database: str = "hobbymatch",
        *,
        primary: "TemporaryPostgres | None" = None,
        in_memory: bool = False,
    ) -> None:
        self.bindir = find_postgres_bindir()
        self.database = database
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix=_FOLDER_PREFIX, dir=_folder_root(in_memory)))
        self.data = self.folder / "data"
        self._user = _unprivileged_user()
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        if primary is None:
            self._run_as_server_user(["cp", "-a", str(_empty_cluster(self.bindir)), str(self.data)])
        else:
            # The default pg_hba.conf of initdb --auth=trust lets loopback replication in.
            self._run(
                "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                SUPERUSER,
                "-D",
                str(self.data),
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-sync",
            )
        self._created_database = primary is not None
        (self.folder / _OWNER_FILE).write_text(str(os.getpid()))
        self._watchdog = self._start_watchdog()

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the server's application database."""
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        """Start the server (again, after ``stop()``) and wait until it accepts connections."""
        options = " ".join(
            f"-c {key}={value or chr(39) * 2}" for key, value in _FAST_UNSAFE_SETTINGS.items()
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} {options}",
            "start",
        )
        if not self._created_database:
            self._create_database()
            self._created_database = True

    def stop(self) -> None:
        """Stop the server, disconnecting every client at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def cleanup(self) -> None:
        """Stop the server if it runs, and delete its folder (the watchdog, told, does both)."""
        if self._watchdog.stdin is not None:
            self._watchdog.stdin.close()
        self._watchdog.wait(timeout=60)

    def _start_watchdog(self) -> "subprocess.Popen[bytes]":
        stop = self._command("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        # A session of its own: a Ctrl-C to the test run's process group does not reach it.
        return subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(self._uid() or ""), str(self.folder), *stop],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _create_database(self) -> None:
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres"
        )
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{self.database}"')
        connection.close()

    def _command(self, program: str, *arguments: str) -> list[str]:
        return [str(self.bindir / program), *arguments]

    def _uid(self) -> int | None:
        return self._user.pw_uid if self._user is not None else None

    def _run(self, program: str, *arguments: str) -> None:
        self._run_as_server_user(self._command(program, *arguments))

    def _run_as_server_user(self, command: list[str]) -> None:
        _run_as(command, self._user, cwd=self.folder)


def _run_as(command: list[str], user: pwd.struct_passwd | None, cwd: Path) -> None:
    """Run ``command`` as ``user`` (``None``: as ourselves).

    :raises RuntimeError: it failed; the message is its output.
    """
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        user=user.pw_uid if user else None,
        group=user.pw_gid if user else None,
        cwd=cwd,
    )
    if result.returncode != 0:
        program = Path(command[0]).name
        raise RuntimeError(f"{program} failed: {result.stderr.strip() or result.stdout.strip()}")


# The empty clusters that initdb made, by server binaries folder, as this process found them.
_EMPTY_CLUSTERS: dict[Path, Path] = {}
_EMPTY_CLUSTERS_LOCK = threading.Lock()
_EMPTY_CLUSTER_PREFIX = "hobbymatch-empty-cluster-"


def _empty_cluster(bindir: Path) -> Path:
    """The data folder of a new, empty cluster, which each new server copies (initdb takes one
    to three seconds here, a copy a tenth of it).

    It is made once per machine, user and server binaries, and kept for the processes after
    this one (every test worker and benchmark starts servers): in the RAM-backed folder where
    it has room, else the temporary one, as ``hobbymatch-empty-cluster-<key>``. A process that
    finds none makes one in a folder of its own and renames it into place, so that a cluster
    half made is never used."""
    with _EMPTY_CLUSTERS_LOCK:
        if bindir in _EMPTY_CLUSTERS:
            return _EMPTY_CLUSTERS[bindir]
        key = hashlib.sha256(f"{bindir}:{os.geteuid()}".encode()).hexdigest()[:16]
        kept = _folder_root(in_memory=True) / f"{_EMPTY_CLUSTER_PREFIX}{key}"
        if not kept.is_dir():
            _make_empty_cluster(bindir, kept)
        _EMPTY_CLUSTERS[bindir] = kept / "data"
        return kept / "data"


def _make_empty_cluster(bindir: Path, kept: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix=_EMPTY_CLUSTER_PREFIX, dir=kept.parent))
    try:
        user = _unprivileged_user()
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        initdb = [str(bindir / "initdb"), "-D", str(folder / "data"), "-U", SUPERUSER]
        options = ["--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]
        _run_as([*initdb, *options], user, cwd=folder)
        try:
            folder.rename(kept)
        except OSError:
            if not kept.is_dir():  # not another process's, made first
                raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class PgBouncerUnavailableError(RuntimeError):
    """PgBouncer is not installed."""


# Run by a PgBouncer's watchdog: starts it (argv[1:]) and stops it when the owner's writing end
# of stdin closes; PgBouncer also gets SIGTERM should the watchdog itself die.
_PGBOUNCER_WATCHDOG = """
import ctypes, os, shutil, signal, subprocess, sys
user = int(sys.argv[1]) if sys.argv[1] else None
def die_with_parent():
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
server = subprocess.Popen(sys.argv[3:], user=user, preexec_fn=die_with_parent)
sys.stdin.buffer.read()
server.terminate()
server.wait()
shutil.rmtree(sys.argv[2], ignore_errors=True)
"""


class TemporaryPgBouncer:
    """A PgBouncer on a free loopback port in front of ``server``'s application database:
    ``start()``, ``cleanup()``.

    :param pool_size: server connections at most (``default_pool_size``).
    :param pool_mode: ``transaction`` (a server connection per transaction) or ``session``.
    """

    def __init__(
        self, server: TemporaryPostgres, *, pool_size: int, pool_mode: str = "transaction"
    ) -> None:
        self.binary = find_pgbouncer()
        self.server = server
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="hobbymatch-pgbouncer-"))
        self._user = _unprivileged_user()
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)
        # auth_type any: the user name a client gives is ignored, every connection logs in to
        # the server as the superuser (the server trusts loopback). No ignore_startup_parameters:
        # the app must connect without any startup parameter PgBouncer refuses.
        self.config = self.folder / "pgbouncer.ini"
        self.config.write_text(
            "[databases]\n"
            f"{server.database} = host=127.0.0.1 port={server.port} dbname={server.database} "
            f"user={SUPERUSER}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = any\n"
            f"admin_users = {SUPERUSER}\n"
            f"pool_mode = {pool_mode}\n"
            f"default_pool_size = {pool_size}\n"
            "max_client_conn = 2000\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\n"
        )
        self._watchdog: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the application database through PgBouncer."""
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{self.server.database}"

    def start(self) -> None:
        """Start PgBouncer and wait until it answers."""
        uid = str(self._user.pw_uid) if self._user is not None else ""
        self._watchdog = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _PGBOUNCER_WATCHDOG,
                uid,
                str(self.folder),
                str(self.binary),
                str(self.config),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _attempt in range(100):
            try:
                self.admin("SHOW VERSION")
                return
            except psycopg2.OperationalError:
                if self._watchdog.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"pgbouncer did not start; see {self.folder / 'pgbouncer.log'}")

    def admin(self, command: str) -> list[dict[str, object]]:
        """Run a command of PgBouncer's admin console (``SHOW POOLS``...); its rows as dicts."""
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="pgbouncer"
        )
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(command)
                if cursor.description is None:
                    return []
                names = [column.name for column in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()

    def cleanup(self) -> None:
        """Stop PgBouncer and delete its folder (the watchdog, told, does both)."""
        if self._watchdog is None:
            shutil.rmtree(self.folder, ignore_errors=True)
            return
        if self._watchdog.stdin is not None:
            self._watchdog.stdin.close()
        self._watchdog.wait(timeout=60)


def find_pgbouncer() -> Path:
    """The ``pgbouncer`` binary (Debian puts it in ``/usr/sbin``).

    :raises PgBouncerUnavailableError: it is not installed.
    """
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    if found is None:
        raise PgBouncerUnavailableError("pgbouncer is not installed; install Debian's 'pgbouncer'")
    return Path(found)


def remove_leftovers() -> list[Path]:
    """Stop the servers of earlier runs whose owner process is gone (and whose watchdog died
    with it, as when a whole process tree is killed), and delete their folders.

    Servers of running processes, and folders without an owner record, are left alone: they
    may belong to another run on the same machine.

    :returns: the folders removed.
    """
    removed = []
    roots = {Path(tempfile.gettempdir()), _folder_root(in_memory=True)}
    for folder in [folder for root in roots for folder in root.glob(f"{_FOLDER_PREFIX}*")]:
        owner = _owner_of(folder)
        if owner is None or _is_running(owner):
            continue
        bindir = find_postgres_bindir()
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            check=False,
            user=folder.stat().st_uid,
        )
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _owner_of(folder: Path) -> int | None:
    try:
        return int((folder / _OWNER_FILE).read_text())
    except (OSError, ValueError):
        return None


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _folder_root(in_memory: bool) -> Path:
    """Where a server's folder goes (see ``_MEMORY_FOLDER``)."""
    if in_memory and _has_room(_MEMORY_FOLDER):
        return _MEMORY_FOLDER
    return Path(tempfile.gettempdir())


def _has_room(folder: Path) -> bool:
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return os.access(folder, os.W_OK) and stats.f_bavail * stats.f_frsize >= _MEMORY_ROOM


def _unprivileged_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailableError(
        "running as root, and neither a 'postgres' nor a 'nobody' user exists"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

"""Every startup problem stops the process with one line naming the module or setting at fault.

Each test runs the real ``hobbymatch`` command in a fresh process, with throwaway modules on its
``PYTHONPATH``, and asserts the exit status and the first line on stderr.
"""

import socket
import subprocess
from pathlib import Path

from tests.throwaway_modules import ModuleFolder, module_with_table, run_cli


def first_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line that reports the error (log records such as warnings may come before)."""
    assert result.returncode == 1, result.stdout + result.stderr
    reported = [line for line in result.stderr.splitlines() if line.startswith("hobbymatch: ")]
    assert len(reported) == 1, result.stderr
    return reported[0]


def test_required_module_that_is_missing(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write("needs_ghost", requires=["ghost"])
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) == (
        "hobbymatch: error: module 'needs_ghost' requires module 'ghost', which is not installed"
    )


def test_required_module_that_is_disabled(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write("base_a")
    module_folder.write("child_b", requires=["base_a"])
    result = run_cli(
        "modules",
        cwd=tmp_path,
        module_folder=module_folder,
        env={"HOBBYMATCH_DISABLED_MODULES": "base_a"},
    )
    assert first_error_line(result) == (
        "hobbymatch: error: module 'child_b' requires module 'base_a', "
        "which HOBBYMATCH_DISABLED_MODULES disables"
    )


def test_required_module_left_out_of_the_allow_list(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    module_folder.write("base_a")
    module_folder.write("child_b", requires=["base_a"])
    result = run_cli(
        "modules", cwd=tmp_path, module_folder=module_folder, env={"HOBBYMATCH_MODULES": "child_b"}
    )
    assert first_error_line(result) == (
        "hobbymatch: error: module 'child_b' requires module 'base_a', which HOBBYMATCH_MODULES does not list"
    )


def test_allow_list_naming_an_unknown_module(tmp_path: Path) -> None:
    result = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_MODULES": "userz"})
    assert first_error_line(result).startswith(
        "hobbymatch: error: HOBBYMATCH_MODULES names module 'userz', which is not installed "
        "(did you mean 'users'?)"
    )


def test_allow_list_naming_a_module_no_folder_holds_names_the_folders_searched(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    without = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_MODULES": "users,reviews"})
    assert first_error_line(without).endswith(
        "; folders of HOBBYMATCH_MODULE_PATHS searched: none)"
    )
    env = {"HOBBYMATCH_MODULES": "users,reviews"}
    elsewhere = run_cli("modules", cwd=tmp_path, module_folder=module_folder, env=env)
    assert first_error_line(elsewhere).endswith(
        f"; folders of HOBBYMATCH_MODULE_PATHS searched: {module_folder.root.resolve()})"
    )


def test_dependency_cycle(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write("cycle_a", requires=["cycle_b"])
    module_folder.write("cycle_b", requires=["cycle_a"])
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) in {
        "hobbymatch: error: modules require each other in a cycle: cycle_a -> cycle_b -> cycle_a",
        "hobbymatch: error: modules require each other in a cycle: cycle_b -> cycle_a -> cycle_b",
    }


def test_two_modules_with_one_name(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write("twin")
    site = tmp_path / "site"
    (site / "twin_dist-1.0.dist-info").mkdir(parents=True)
    (site / "twin_dist-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: twin-dist\nVersion: 1.0\n"
    )
    (site / "twin_dist-1.0.dist-info" / "entry_points.txt").write_text(
        "[hobbymatch.modules]\ntwin = twin_pkg\n"
    )
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder, pythonpath=[site])
    assert first_error_line(result) == (
        f"hobbymatch: error: two modules are named 'twin': {module_folder.root / 'twin'} and entry "
        "point 'twin' of twin-dist; rename or uninstall one of them"
    )


def test_module_whose_import_raises(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write("broken", body="1 / 0\n")
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) == (
        f"hobbymatch: error: module 'broken' ({module_folder.root / 'broken'}) failed to import: "
        "ZeroDivisionError: division by zero"
    )
    assert "Traceback" in result.stderr


def test_hook_implementation_matching_no_hookspec(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    module_folder.write("typo", body="@hookimpl\ndef hobbymatch_router():\n    return []\n")
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) == (
        "hobbymatch: error: module 'typo': hook implementation 'hobbymatch_router' matches no "
        "hookspec (did you mean 'hobbymatch_routers'?)"
    )


def test_hook_function_without_marker(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write("unmarked", body="def hobbymatch_routers():\n    return []\n")
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) == (
        "hobbymatch: error: module 'unmarked': 'hobbymatch_routers' is not marked with @hookimpl, "
        "so it would never be called"
    )


def test_two_modules_defining_one_table(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write("first", body=module_with_table("shared_things"))
    module_folder.write("second", body=module_with_table("shared_things"))
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) == (
        "hobbymatch: error: modules 'first' and 'second' both define table 'shared_things'; "
        "rename the table in one of them"
    )


def test_a_new_module_clashing_with_an_existing_table_does_not_blame_the_existing_module(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    # "aaa_new" imports before "skills", so SQLAlchemy reports the clash on skills' import.
    module_folder.write("aaa_new", body=module_with_table("skills"))
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) == (
        "hobbymatch: error: modules 'aaa_new' and 'skills' both define table 'skills'; "
        "rename the table in one of them"
    )


def test_module_without_module_info(module_folder: ModuleFolder, tmp_path: Path) -> None:
    package = module_folder.root / "bare"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert first_error_line(result) == (
        f"hobbymatch: error: module 'bare' ({module_folder.root / 'bare'}) has no MODULE_INFO; add "
        "MODULE_INFO = ModuleInfo(name='bare', version=...) to its __init__.py"
    )


def test_unreachable_database_names_host_port_and_database_not_password(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://hm:s3cret-passw0rd@127.0.0.1:{port}/hobbymatch"
    result = run_cli(
        "db",
        "init",
        cwd=tmp_path,
        env={"HOBBYMATCH_DATABASE_URL": url, "HOBBYMATCH_USERS_SECRET_KEY": "k" * 40},
    )
    line = first_error_line(result)
    assert line.startswith(
        f"hobbymatch: error: cannot reach the database at 127.0.0.1:{port}/hobbymatch: "
    )
    assert "s3cret-passw0rd" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_invalid_setting_is_named_without_its_value(tmp_path: Path) -> None:
    result = run_cli(
        "modules", cwd=tmp_path, env={"HOBBYMATCH_DATABASE_URL": "mysql://u:hunter2hunter2@db/x"}
    )
    assert first_error_line(result) == (
        "hobbymatch: error: invalid setting HOBBYMATCH_DATABASE_URL: unsupported database 'mysql'; "
        "use sqlite or postgresql"
    )
    assert "hunter2" not in result.stderr


def test_in_memory_sqlite_is_refused_in_one_line(tmp_path: Path) -> None:
    result = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_DATABASE_URL": "sqlite://"})
    assert first_error_line(result) == (
        "hobbymatch: error: invalid setting HOBBYMATCH_DATABASE_URL: an in-memory SQLite "
        "database vanishes with each connection; give a file"
    )


def test_invalid_log_level_is_named(tmp_path: Path) -> None:
    result = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_LOG_LEVEL": "LOUD"})
    assert first_error_line(result).startswith(
        "hobbymatch: error: invalid setting HOBBYMATCH_LOG_LEVEL: "
    )


def test_postgresql_without_secret_key_stops(tmp_path: Path) -> None:
    url = "postgresql://hm@127.0.0.1:5/hobbymatch"
    result = run_cli("db", "init", cwd=tmp_path, env={"HOBBYMATCH_DATABASE_URL": url})
    assert first_error_line(result).startswith(
        "hobbymatch: error: HOBBYMATCH_USERS_SECRET_KEY is not set; it is required on PostgreSQL"
    )


def test_short_secret_key_stops(tmp_path: Path) -> None:
    result = run_cli("db", "init", cwd=tmp_path, env={"HOBBYMATCH_USERS_SECRET_KEY": "too-short"})
    assert first_error_line(result) == (
        "hobbymatch: error: invalid setting HOBBYMATCH_USERS_SECRET_KEY: it must have at least 32 characters"
    )
    assert "too-short" not in result.stderr


def test_invalid_module_setting_is_named_without_its_value(tmp_path: Path) -> None:
    result = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_USERS_ACCESS_TOKEN_MINUTES": "0x7"})
    assert first_error_line(result) == (
        "hobbymatch: error: invalid setting HOBBYMATCH_USERS_ACCESS_TOKEN_MINUTES: "
        "Input should be a valid integer, unable to parse string as an integer"
    )
    assert "0x7" not in result.stderr


def test_old_setting_names_still_work_with_a_deprecation_line(tmp_path: Path) -> None:
    url = "postgresql://hm@127.0.0.1:5/hobbymatch"
    old = {"HOBBYMATCH_DATABASE_URL": url, "HOBBYMATCH_SECRET_KEY": "k" * 40}
    result = run_cli("modules", cwd=tmp_path, env=old)
    assert result.returncode == 0, result.stderr
    deprecations = [line for line in result.stderr.splitlines() if "deprecated" in line]
    assert len(deprecations) == 1
    assert deprecations[0].endswith(
        "HOBBYMATCH_SECRET_KEY is deprecated and will be removed: "
        "set HOBBYMATCH_USERS_SECRET_KEY instead"
    )


def test_uvicorn_import_of_a_broken_app_prints_one_line(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    import os
    import sys

    module_folder.write("broken", body="1 / 0\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")}
    env["HOBBYMATCH_MODULE_PATHS"] = str(module_folder.root)
    result = subprocess.run(
        [sys.executable, "-c", "import core.main; core.main.app"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"hobbymatch: module 'broken' ({module_folder.root / 'broken'}) failed to import: "
        "ZeroDivisionError: division by zero"
    )


def test_more_requests_in_flight_than_worker_threads_is_refused(tmp_path: Path) -> None:
    settings = {"HOBBYMATCH_WORKER_THREADS": "4", "HOBBYMATCH_MAX_REQUESTS_IN_FLIGHT": "20"}
    result = run_cli("modules", cwd=tmp_path, env=settings)
    assert first_error_line(result) == (
        "hobbymatch: error: invalid settings: HOBBYMATCH_MAX_REQUESTS_IN_FLIGHT may not exceed "
        "HOBBYMATCH_WORKER_THREADS: a request holding a transaction would wait for a thread"
    )

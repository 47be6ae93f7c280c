"""``hobbymatch new-module``: a new module that runs, is listed and passes its own tests, in a
project's modules/ or in a folder of modules of its own, where ruff and mypy pass on it too."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.throwaway_modules import ModuleFolder, run_cli

REPOSITORY = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# The shared test helpers that a project's module tests import.
HELPERS = ("conftest.py", "fresh_processes.py", "throwaway_modules.py")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's modules and shared test helpers, as in a fresh clone."""
    shutil.copytree(
        REPOSITORY / "modules", tmp_path / "modules", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "tests").mkdir()
    for helper in HELPERS:
        shutil.copy(REPOSITORY / "tests" / helper, tmp_path / "tests" / helper)
    return tmp_path


def clean_environment(**extra: str) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")
    }
    return {**environment, **extra}


def in_project(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run Python in ``project`` with it first on sys.path, as a clone's own checkout would be."""
    environment = clean_environment(
        PYTHONPATH=str(project), HOBBYMATCH_DATABASE_URL=f"sqlite:///{project / 'project.db'}"
    )
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``folder`` as its author would, from the project's environment."""
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=folder,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def new_module(project: Path, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_cli("new-module", *arguments, cwd=project, env=env)


def listed_rows(project: Path) -> list[list[str]]:
    """``hobbymatch modules`` with ``project`` first on sys.path, as a clone's own checkout."""
    listed = run_cli("modules", cwd=project, pythonpath=[project])
    assert listed.returncode == 0, listed.stderr
    return [line.split() for line in listed.stdout.splitlines()]


def with_mypy_cache(folder: Path) -> None:
    """Start ``folder``'s mypy cache from this repository's, when the test command's mypy has
    written one: the libraries' types are then read from it (mypy checks that each entry is
    still valid), not analysed again for ten seconds."""
    cache = REPOSITORY / ".mypy_cache"
    if cache.is_dir():
        shutil.copytree(cache, folder / ".mypy_cache")


def passes_its_tests(project: Path, tests: str) -> None:
    result = in_project(
        project,
        "-m",
        "pytest",
        tests,
        "-q",
        "--backend",
        "sqlite",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(project),
        "--import-mode=importlib",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_new_module_requires_nothing_is_listed_and_passes_its_tests(project: Path) -> None:
    result = new_module(project, "notes")
    assert result.returncode == 0, result.stderr
    assert {path.name for path in (project / "modules" / "notes").iterdir()} >= {
        "__init__.py",
        "models.py",
        "schemas.py",
        "service.py",
        "router.py",
        "exceptions.py",
        "demo.py",
    }
    revisions = list((project / "modules" / "notes" / "migrations").glob("*_create_items.py"))
    assert len(revisions) == 1
    assert 'branch_labels = ("notes",)' in revisions[0].read_text()
    assert "depends_on = None" in revisions[0].read_text()
    assert ["notes", "0.1.0", "in-tree", "-", "notes_items", "3"] in listed_rows(project)
    passes_its_tests(project, "tests/notes")


def test_a_module_in_a_folder_of_its_own_passes_its_tests_ruff_and_mypy(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    folder.mkdir()
    written = new_module(folder, "--path", ".", "--requires", "users", "reviews")
    assert written.returncode == 0, written.stderr
    assert written.stdout.splitlines()[-1] == (
        f"module 'reviews' is ready in {folder}: serve it with HOBBYMATCH_MODULE_PATHS={folder}, "
        "and run its tests there with: pytest tests/reviews"
    )
    assert {"pyproject.toml", "reviews", "tests"} <= {path.name for path in folder.iterdir()}
    router = (folder / "reviews" / "router.py").read_text()
    assert "caller: CurrentUser" in router
    assert "responses=UNAUTHENTICATED" in router
    tests = run(folder, "pytest", "tests/reviews", "-q", "--backend", "sqlite")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout
    with_mypy_cache(folder)
    for command in (
        ("ruff", "check", "."),
        ("ruff", "format", "--check", "."),
        ("mypy", "--strict", "."),
    ):
        checked = run(folder, *command)
        assert checked.returncode == 0, f"{command}: {checked.stdout}{checked.stderr}"
    listed = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_MODULE_PATHS": str(folder)})
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["reviews", "0.1.0", "folder", "users", "reviews_items", "3"] in rows


def test_a_second_module_in_the_folder_may_require_the_first(tmp_path: Path) -> None:
    assert new_module(tmp_path, "--path", "plugins", "reviews").returncode == 0
    second = new_module(tmp_path, "--path", "plugins", "--requires", "reviews", "ratings")
    assert second.returncode == 0, second.stderr
    assert "wrote plugins/pyproject.toml" not in second.stdout
    conftest = (tmp_path / "plugins" / "tests" / "ratings" / "conftest.py").read_text()
    assert 'return ["reviews", "ratings"]' in conftest
    folder = str(tmp_path / "plugins")
    listed = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_MODULE_PATHS": folder})
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["ratings", "0.1.0", "folder", "reviews", "ratings_items", "3"] in rows


def test_a_required_module_gives_templates_of_its_own(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    greeter = module_folder.write(
        "greeter",
        body="""
            from pathlib import Path

            @hookimpl
            def hobbymatch_module_templates():
                return Path(__file__).parent / "templates"
        """,
    )
    (greeter / "templates" / "module").mkdir(parents=True)
    (greeter / "templates" / "module" / "greeting.py.tmpl").write_text('GREETING = "${name}"\n')
    out = tmp_path / "out"
    result = new_module(
        tmp_path,
        *("--path", str(out), "--requires", "greeter", "reviews"),
        HOBBYMATCH_MODULE_PATHS=str(module_folder.root),
    )
    assert result.returncode == 0, result.stderr
    assert (out / "reviews" / "greeting.py").read_text() == 'GREETING = "reviews"\n'
    assert 'requires=("greeter",)' in (out / "reviews" / "__init__.py").read_text()
    assert "owner_id" not in (out / "reviews" / "models.py").read_text()


@pytest.mark.parametrize("name", ["2fast", "Notes", "class", "with-dash", "ünï"])
def test_invalid_name_is_refused_and_nothing_written(project: Path, name: str) -> None:
    result = new_module(project, name)
    assert result.returncode == 1
    assert result.stderr.startswith(f"hobbymatch: error: {name!r} is not a valid module name")
    assert not any(name.lower() in path.name.lower() for path in (project / "modules").iterdir())
    assert sorted(path.name for path in (project / "tests").iterdir()) == list(HELPERS)


def test_existing_module_is_refused_and_nothing_written(project: Path) -> None:
    (project / "tests" / "notes").mkdir()
    result = new_module(project, "notes")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "hobbymatch: error: tests/notes exists already; choose another name"
    )
    assert not (project / "modules" / "notes").exists()


def test_the_name_of_another_module_is_refused(tmp_path: Path) -> None:
    result = new_module(tmp_path, "--path", ".", "users")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "hobbymatch: error: a module named 'users' exists already (modules/users); "
        "choose another name"
    )
    assert list(tmp_path.iterdir()) == []


def test_requiring_an_unknown_module_is_refused_in_one_line(tmp_path: Path) -> None:
    result = new_module(tmp_path, "--path", ".", "--requires", "userz", "reviews")
    assert result.returncode == 1
    assert result.stderr.strip().startswith(
        "hobbymatch: error: --requires names module 'userz', which is not enabled (enabled: users,"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_folder_inside_a_package_is_refused(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").touch()
    result = new_module(tmp_path, "--path", "plugins", "reviews")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"hobbymatch: error: {tmp_path} is a Python package (it has an __init__.py): keep a "
        "folder of modules outside any package, or its modules would be imported twice"
    )
    assert not (tmp_path / "plugins").exists()


def test_without_a_modules_folder_the_error_points_at_path(tmp_path: Path) -> None:
    result = new_module(tmp_path, "reviews")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"hobbymatch: error: no modules/ folder in {tmp_path}: run this from the project's "
        "root, or write the module into a folder of modules with --path DIR"
    )

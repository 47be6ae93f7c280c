"""``hobbymatch new-module``: a new module that runs, is listed and passes its own tests."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.throwaway_modules import HOBBYMATCH

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this repository's modules and shared test helpers, as in a fresh clone."""
    shutil.copytree(
        REPOSITORY / "modules", tmp_path / "modules", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "tests").mkdir()
    for helper in ("conftest.py", "throwaway_modules.py"):
        shutil.copy(REPOSITORY / "tests" / helper, tmp_path / "tests" / helper)
    return tmp_path


def in_project(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run Python in ``project`` with it first on sys.path, as a clone's own checkout would be."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("HOBBYMATCH_")
    }
    environment["PYTHONPATH"] = str(project)
    environment["HOBBYMATCH_DATABASE_URL"] = f"sqlite:///{project / 'project.db'}"
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def new_module(project: Path, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOBBYMATCH, "new-module", name], cwd=project, capture_output=True, text=True, timeout=60
    )


def test_new_module_is_listed_and_passes_its_tests(project: Path) -> None:
    result = new_module(project, "notes")
    assert result.returncode == 0, result.stderr
    assert {path.name for path in (project / "modules" / "notes").iterdir()} >= {
        "__init__.py",
        "models.py",
        "schemas.py",
        "service.py",
        "router.py",
        "exceptions.py",
    }
    revisions = list((project / "modules" / "notes" / "migrations").glob("*_create_items.py"))
    assert len(revisions) == 1
    assert 'branch_labels = ("notes",)' in revisions[0].read_text()
    listed = in_project(project, "-c", "from core.cli import main; main()", "modules")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert ["notes", "0.1.0", "in-tree", "users", "notes_items", "3"] in rows
    tests = in_project(
        project,
        "-m",
        "pytest",
        "tests/notes",
        "-q",
        "--backend",
        "sqlite",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(project),
        "--import-mode=importlib",
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


@pytest.mark.parametrize("name", ["2fast", "Notes", "class", "with-dash", "ünï"])
def test_invalid_name_is_refused_and_nothing_written(project: Path, name: str) -> None:
    result = new_module(project, name)
    assert result.returncode == 1
    assert result.stderr.startswith(f"hobbymatch: error: {name!r} is not a valid module name")
    assert not any(name.lower() in path.name.lower() for path in (project / "modules").iterdir())
    assert sorted(path.name for path in (project / "tests").iterdir()) == [
        "conftest.py",
        "throwaway_modules.py",
    ]


def test_existing_module_is_refused_and_nothing_written(project: Path) -> None:
    (project / "tests" / "notes").mkdir()
    result = new_module(project, "notes")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "hobbymatch: error: tests/notes exists already; choose another name"
    )
    assert not (project / "modules" / "notes").exists()

"""What ships and what loads: the product's wheel holds no test kit, and an unrelated project's
pytest run, with HobbyMatch installed, loads no HobbyMatch plugin."""

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_holds_the_product_and_no_test_kit(tmp_path: Path) -> None:
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip_wheel, "--no-build-isolation", "--wheel-dir", str(tmp_path), str(PROJECT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("hobbymatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "core/__init__.py" in names
    assert "modules/users/__init__.py" in names
    # What new-module writes from, and what mypy reads the installed core's types by.
    assert {
        "core/py.typed",
        "core/templates/folder/pyproject.toml.tmpl",
        "modules/users/templates/module/router.py.tmpl",
    } <= set(names)
    kit = [name for name in names if "testkit" in name or "postgres_server" in name]
    assert kit == []
    assert not [name for name in names if name.endswith(("/testing.py", "/conftest.py"))]
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "pytest11" not in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_an_unrelated_projects_pytest_loads_no_hobbymatch_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    plain = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--trace-config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plain.returncode == 0, plain.stdout
    # Judged by the plugins' names: a clone in a folder called hobbymatch has it in every path.
    names = [re.sub(r"from '[^']*'|\bat /\S+", "", line) for line in plain.stdout.splitlines()]
    loaded = [name for name in names if "hobbymatch" in name.lower()]
    assert loaded == []
    asking = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--backend", "sqlite"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert asking.returncode != 0
    assert "unrecognized arguments: --backend" in asking.stderr

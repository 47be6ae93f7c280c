"""A module dropped into modules/ or installed with pip appears everywhere, with no edit to core."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import StartApp
from sqlalchemy import inspect

from core.config import Settings
from core.main import create_app
from core.platform import Platform
from tests.throwaway_modules import ModuleFolder, module_with_table, run_cli


def test_dropped_in_module_is_served_listed_documented_and_has_tables(
    module_folder: ModuleFolder, settings: Settings, start_app: StartApp
) -> None:
    module_folder.write("garden", body=module_with_table("garden_plots", route="/garden/plots"))
    app = start_app(settings.model_copy(update={"module_paths": [module_folder.root]}))
    client = TestClient(app)
    assert "garden" in client.get("/").json()["modules"]
    assert client.get("/garden/plots").json() == ["thing"]
    operation = client.get("/openapi.json").json()["paths"]["/garden/plots"]["get"]
    assert operation["tags"] == ["garden"]
    assert "garden_plots" in inspect(Platform.of(app).engine).get_table_names()


def test_dropped_in_module_is_listed_by_the_cli(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    module_folder.write(
        "garden", requires=["users"], body=module_with_table("garden_plots", route="/garden")
    )
    result = run_cli("modules", cwd=tmp_path, module_folder=module_folder)
    assert result.returncode == 0, result.stderr
    table, *sections = result.stdout.split("\n\n")
    rows = {line.split()[0]: line.split() for line in table.splitlines()[1:]}
    assert rows["garden"] == ["garden", "1.2.3", "folder", "users", "garden_plots", "1"]
    garden = next(section for section in sections if section.startswith("garden\n"))
    assert "implements: hobbymatch_models, hobbymatch_routers" in garden


def test_modules_load_after_what_they_require(
    module_folder: ModuleFolder, settings: Settings
) -> None:
    module_folder.write("aaa_late", requires=["zzz_early"])
    module_folder.write("zzz_early")
    app = create_app(settings.model_copy(update={"module_paths": [module_folder.root]}))
    names = Platform.of(app).registry.names
    assert names.index("zzz_early") < names.index("aaa_late")


def test_allow_list_and_deny_list_choose_modules(
    module_folder: ModuleFolder, settings: Settings
) -> None:
    module_folder.write("extra_one")
    module_folder.write("extra_two")
    with_folder = settings.model_copy(update={"module_paths": [module_folder.root]})
    only = create_app(with_folder.model_copy(update={"modules": ["extra_one"]}))
    assert Platform.of(only).registry.names == ["extra_one"]
    without = create_app(
        with_folder.model_copy(update={"modules": None, "disabled_modules": ["extra_one"]})
    )
    assert "extra_one" not in Platform.of(without).registry.names
    assert "extra_two" in Platform.of(without).registry.names


def test_startup_and_shutdown_hooks_run_once_each(
    module_folder: ModuleFolder, settings: Settings
) -> None:
    module_folder.write(
        "lifecycle",
        body="""
        calls = []

        @hookimpl
        def hobbymatch_startup(app, settings, db):
            calls.append("startup")

        @hookimpl
        def hobbymatch_shutdown(app):
            calls.append("shutdown")
    """,
    )
    app = create_app(
        settings.model_copy(update={"modules": ["lifecycle"], "module_paths": [module_folder.root]})
    )
    with TestClient(app):
        assert sys.modules["modules.lifecycle"].calls == ["startup"]
    assert sys.modules["modules.lifecycle"].calls == ["startup", "shutdown"]


def test_module_adds_a_cli_command(module_folder: ModuleFolder, tmp_path: Path) -> None:
    module_folder.write(
        "greeter",
        body="""
        import click

        @click.command()
        def greet():
            click.echo("hello from greeter")

        @hookimpl
        def hobbymatch_cli_commands():
            return [greet]
    """,
    )
    result = run_cli("greet", cwd=tmp_path, module_folder=module_folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello from greeter"


@pytest.fixture(scope="module")
def installed_distribution(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real distribution, built and installed with pip into a folder of its own."""
    source = tmp_path_factory.mktemp("bookclub-src")
    (source / "pyproject.toml").write_text(
        textwrap.dedent("""\
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "hobbymatch-bookclub"
        version = "2.0.0"

        [project.entry-points."hobbymatch.modules"]
        bookclub = "hobbymatch_bookclub"
    """)
    )
    package = source / "hobbymatch_bookclub"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from core import ModuleInfo, hookimpl\n"
        'MODULE_INFO = ModuleInfo(name="bookclub", version="2.0.0", requires=("users",))\n'
        + textwrap.dedent(module_with_table("bookclub_books", route="/bookclub/books"))
    )
    site = tmp_path_factory.mktemp("bookclub-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return site


def test_installed_distribution_is_listed_by_the_cli(
    installed_distribution: Path, tmp_path: Path
) -> None:
    result = run_cli("modules", cwd=tmp_path, pythonpath=[installed_distribution])
    assert result.returncode == 0, result.stderr
    table = result.stdout.split("\n\n")[0]
    rows = {line.split()[0]: line.split() for line in table.splitlines()[1:]}
    assert rows["bookclub"] == ["bookclub", "2.0.0", "installed", "users", "bookclub_books", "1"]


def test_installed_distribution_is_served_documented_and_has_tables(
    installed_distribution: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    start_app: StartApp,
) -> None:
    monkeypatch.syspath_prepend(str(installed_distribution))
    app = start_app(settings)
    client = TestClient(app)
    assert "bookclub" in client.get("/").json()["modules"]
    assert client.get("/bookclub/books").json() == ["thing"]
    assert client.get("/openapi.json").json()["paths"]["/bookclub/books"]["get"]["tags"] == [
        "bookclub"
    ]
    assert "bookclub_books" in inspect(Platform.of(app).engine).get_table_names()


def test_a_distribution_installed_after_an_app_was_made_is_found_by_the_next_one(
    installed_distribution: Path,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    start_app: StartApp,
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    assert "bookclub" not in TestClient(start_app(settings)).get("/").json()["modules"]
    shutil.copytree(installed_distribution, site, dirs_exist_ok=True)
    assert "bookclub" in TestClient(start_app(settings)).get("/").json()["modules"]


def test_a_literal_path_is_not_shadowed_by_another_modules_parameter(
    module_folder: ModuleFolder, settings: Settings, start_app: StartApp
) -> None:
    module_folder.write(
        "aardvark",
        body="""
        from fastapi import APIRouter
        router = APIRouter()

        @router.get("/burrows/{burrow_id}")
        def burrow(burrow_id: int) -> dict[str, int]:
            return {"burrow": burrow_id}

        @hookimpl
        def hobbymatch_routers():
            return [router]
        """,
    )
    module_folder.write(
        "zebra",
        requires=["aardvark"],
        body="""
        from fastapi import APIRouter
        router = APIRouter()

        @router.get("/burrows/deepest")
        def deepest() -> str:
            return "the deepest"

        @hookimpl
        def hobbymatch_routers():
            return [router]
        """,
    )
    modules = ["users", "aardvark", "zebra"]
    app = start_app(
        settings.model_copy(update={"modules": modules, "module_paths": [module_folder.root]})
    )
    client = TestClient(app)
    assert client.get("/burrows/deepest").json() == "the deepest"
    assert client.get("/burrows/7").json() == {"burrow": 7}

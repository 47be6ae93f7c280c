"""Hooks are called through pluggy, in load order, traced on demand; modules declare hooks of
their own for each other, and startup checks every implementation against a declaration."""

import logging
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import StartApp

from core.config import Settings
from core.exceptions import ModuleLoadError
from core.main import create_app
from tests.throwaway_modules import ModuleFolder, run_cli

LIBRARY = """
from fastapi import APIRouter, status
from core import get_db
from fastapi import Depends
from sqlalchemy.orm import Session
from core import hooks
from modules.library import hookspecs

router = APIRouter()

@router.post("/library/lend", status_code=status.HTTP_204_NO_CONTENT)
def lend(db: Session = Depends(get_db)) -> None:
    hooks(db).library_book_lent(db=db, title="Dune")

@hookimpl
def hobbymatch_addhooks(plugin_manager):
    plugin_manager.add_hookspecs(hookspecs)

@hookimpl
def hobbymatch_routers():
    return [router]
"""

LIBRARY_HOOKSPECS = '''
from core import hookspec

@hookspec
def library_book_lent(db, title):
    """A book was lent."""
'''


def reader(hook_name: str = "library_book_lent", marker: str = "@hookimpl") -> str:
    return f"""
lent = []

{marker}
def {hook_name}(db, title):
    lent.append(title)
"""


def write_library(folder: ModuleFolder, hookspecs: str = LIBRARY_HOOKSPECS) -> None:
    package = folder.write("library", body=LIBRARY)
    (package / "hookspecs.py").write_text(hookspecs)


AppWith = Callable[[list[str]], TestClient]


@pytest.fixture
def app_with(settings: Settings, module_folder: ModuleFolder, start_app: StartApp) -> AppWith:
    """``app_with(modules)``: a started app of these modules, from the test's module folder."""

    def start(modules: list[str]) -> TestClient:
        update = {"modules": modules, "module_paths": [module_folder.root]}
        return TestClient(start_app(settings.model_copy(update=update)))

    return start


def test_a_module_implements_the_hook_another_module_declares(
    module_folder: ModuleFolder, app_with: AppWith
) -> None:
    write_library(module_folder)
    module_folder.write("reader", requires=["library"], body=reader())
    client = app_with(["library", "reader"])
    assert client.post("/library/lend").status_code == 204
    assert sys.modules["modules.reader"].lent == ["Dune"]


def test_implementations_run_in_load_order(module_folder: ModuleFolder, settings: Settings) -> None:
    write_library(module_folder)
    # Named against the alphabet, so that only the requirements give the order.
    module_folder.write("zz_first", requires=["library"], body=reader())
    module_folder.write("aa_second", requires=["zz_first"], body=reader())
    app = create_app(
        settings.model_copy(
            update={
                "modules": ["library", "zz_first", "aa_second"],
                "module_paths": [module_folder.root],
            }
        )
    )
    implementations = app.state.platform.hook.library_book_lent.get_hookimpls()
    called_first_to_last = [impl.plugin_name for impl in reversed(implementations)]
    assert called_first_to_last == ["zz_first", "aa_second"]


def test_a_misspelt_implementation_of_a_module_hook_is_refused_with_a_suggestion(
    module_folder: ModuleFolder, app_with: AppWith
) -> None:
    write_library(module_folder)
    module_folder.write("reader", requires=["library"], body=reader("library_book_lnt"))
    with pytest.raises(ModuleLoadError) as error:
        app_with(["library", "reader"])
    assert str(error.value) == (
        "module 'reader': hook implementation 'library_book_lnt' matches no hookspec "
        "(did you mean 'library_book_lent'?)"
    )


def test_implementing_a_hook_of_a_module_not_loaded_names_the_module_to_require(
    module_folder: ModuleFolder, app_with: AppWith
) -> None:
    write_library(module_folder)
    module_folder.write("reader", body=reader())
    with pytest.raises(ModuleLoadError) as error:
        app_with(["reader"])
    assert str(error.value) == (
        "module 'reader': hook implementation 'library_book_lent' is a hook of module "
        "'library', which is not loaded: add 'library' to MODULE_INFO.requires and enable it, "
        "or mark the implementation @hookimpl(optionalhook=True)"
    )


def test_an_optional_implementation_loads_without_the_module_declaring_it(
    module_folder: ModuleFolder, app_with: AppWith
) -> None:
    write_library(module_folder)
    module_folder.write("reader", body=reader(marker="@hookimpl(optionalhook=True)"))
    client = app_with(["reader"])
    assert client.get("/").json()["modules"] == ["reader"]


def test_an_unmarked_implementation_of_a_module_hook_is_refused(
    module_folder: ModuleFolder, app_with: AppWith
) -> None:
    write_library(module_folder)
    module_folder.write("reader", requires=["library"], body=reader(marker=""))
    with pytest.raises(ModuleLoadError) as error:
        app_with(["library", "reader"])
    assert str(error.value) == (
        "module 'reader': 'library_book_lent' is not marked with @hookimpl, "
        "so it would never be called"
    )


def test_a_declared_hook_must_be_named_after_its_module(
    module_folder: ModuleFolder, app_with: AppWith
) -> None:
    write_library(module_folder, LIBRARY_HOOKSPECS.replace("library_book_lent", "book_lent"))
    with pytest.raises(ModuleLoadError) as error:
        app_with(["library"])
    assert str(error.value) == (
        "module 'library' declares hook 'book_lent': a module's hooks are named after it, "
        "like 'library_book_lent'"
    )


def test_an_implementation_with_an_unknown_argument_is_refused(
    module_folder: ModuleFolder, app_with: AppWith
) -> None:
    write_library(module_folder)
    body = reader().replace("(db, title)", "(db, title, shelf)")
    module_folder.write("reader", requires=["library"], body=body)
    with pytest.raises(ModuleLoadError) as error:
        app_with(["library", "reader"])
    assert str(error.value).startswith("module 'reader' has an invalid hook: ")
    assert "shelf" in str(error.value)


def test_traced_hooks_log_one_line_per_call_with_the_modules_in_order(
    settings: Settings, caplog: pytest.LogCaptureFixture, start_app: StartApp
) -> None:
    traced = settings.model_copy(update={"trace_hooks": True})
    with caplog.at_level(logging.INFO, logger="hobbymatch.hooks"):
        start_app(traced)
    lines = [record.getMessage() for record in caplog.records if record.name == "hobbymatch.hooks"]
    startup = [line for line in lines if line.startswith("hook hobbymatch_startup: ")]
    assert len(startup) == 1
    assert startup[0].startswith(
        "hook hobbymatch_startup: users -> skills -> matches -> notifications ("
    )
    assert any(line.startswith("hook hobbymatch_models: users (") for line in lines)


def test_hobbymatch_trace_hooks_traces_the_command_line(tmp_path: Path) -> None:
    result = run_cli("db", "init", cwd=tmp_path, env={"HOBBYMATCH_TRACE_HOOKS": "1"})
    assert result.returncode == 0, result.stderr
    assert "hook hobbymatch_startup: users -> skills -> matches -> notifications (" in result.stderr
    assert "hook hobbymatch_routers: matches (" in result.stderr


def test_hobbymatch_modules_lists_hooks_declared_implemented_and_settings(tmp_path: Path) -> None:
    result = run_cli("modules", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    sections = {section.splitlines()[0]: section for section in result.stdout.split("\n\n")[1:]}
    assert (
        "declares:   users_gone_for, users_hidden_from, users_hidden_pair, users_permissions, "
        "users_profile_extras, users_user_deactivated" in sections["users"]
    )
    assert "HOBBYMATCH_USERS_SECRET_KEY (secret)" in sections["users"]
    assert "HOBBYMATCH_USERS_ACCESS_TOKEN_MINUTES (default 60)" in sections["users"]
    assert (
        "implements: hobbymatch_addhooks, hobbymatch_metrics, hobbymatch_models"
        in sections["matches"]
    )
    assert "matches_connection_removed" in sections["matches"]


def test_seed_calls_each_module_in_load_order_with_its_progress(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    module_folder.write(
        "sower",
        requires=["users"],
        body="""
        from pathlib import Path
        from sqlalchemy import func, select
        from modules.users import User

        @hookimpl
        def hobbymatch_seed(db, count, seed):
            people = db.scalar(select(func.count()).select_from(User))
            Path("sown.txt").write_text(f"{count} {seed} {people}")
            yield count
        """,
    )
    result = run_cli(
        "seed", "--users", "3", "--seed", "7", cwd=tmp_path, module_folder=module_folder
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "sown.txt").read_text() == "3 7 3"
    assert "sower" in result.stderr
    assert result.stdout.startswith("seeded 3 demo users on SQLite file")

"""The app owns its state: two apps live side by side in one process, the core keeps no
engine, session factory or settings of its own, engines given to an app outlive it, discovery
changes no search path, and the core names no module."""

import re
import sys
from pathlib import Path

import pluggy
import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.accounts import sign_up_through
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

import core
import modules
from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from core.platform import Platform, create_engines
from tests.throwaway_modules import ModuleFolder, module_with_table

REPOSITORY = Path(__file__).parents[2]


def sign_up(client: TestClient, email: str) -> dict[str, str]:
    """Sign up as ``email``, named after its first five letters; the account's headers."""
    return sign_up_through(client, display_name=email[:5], email=email).headers


def test_two_apps_in_one_process_see_only_their_own_data_and_modules(tmp_path: Path) -> None:
    first = create_app(
        make_test_settings(f"sqlite:///{tmp_path / 'first.db'}", modules=["users", "skills"])
    )
    second = create_app(
        make_test_settings(f"sqlite:///{tmp_path / 'second.db'}", modules=["users"])
    )
    start_modules(first)
    start_modules(second)
    with TestClient(first) as one, TestClient(second) as two:
        sign_up(one, "first@example.com")
        in_two = sign_up(two, "second@example.com")
        in_one = sign_up(one, "third@example.com")
        assert [
            user["display_name"] for user in one.get("/users", headers=in_one).json()["items"]
        ] == [
            "first",
            "third",
        ]
        listed = two.get("/users", headers=in_two).json()["items"]
        assert [user["display_name"] for user in listed] == ["secon"]
        assert one.get("/").json()["modules"] == ["users", "skills"]
        assert two.get("/").json()["modules"] == ["users"]
        assert one.get("/skills").status_code == 200
        assert two.get("/skills").status_code == 404
    assert Platform.of(first).engine is not Platform.of(second).engine


class Shelf:
    """Something a module keeps for its app's lifetime."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_each_app_keeps_its_own_module_state_found_by_its_class(tmp_path: Path) -> None:
    first, second = (
        Platform.of(create_app(make_test_settings(f"sqlite:///{tmp_path / name}", modules=[])))
        for name in ("first.db", "second.db")
    )
    first.keep(Shelf("first"))
    assert first.state_of(Shelf).name == "first"
    assert second.find_state(Shelf) is None
    with pytest.raises(LookupError, match="this app keeps no Shelf"):
        second.state_of(Shelf)
    forgotten = first.forget(Shelf)
    assert forgotten is not None
    assert forgotten.name == "first"
    assert first.find_state(Shelf) is None
    assert first.forget(Shelf) is None


def test_the_core_keeps_no_engine_session_factory_or_settings_of_its_own(
    settings: Settings,
) -> None:
    create_app(settings)
    stateful = (Engine, sessionmaker, Settings, Platform, pluggy.PluginManager)
    held = [
        f"{module_name}.{name}"
        for module_name, module in sorted(sys.modules.items())
        if module_name == "core" or module_name.startswith("core.")
        for name, value in vars(module).items()
        if isinstance(value, stateful)
    ]
    assert held == []


def test_engines_given_to_an_app_serve_it_and_stay_open_after_it_stops(tmp_path: Path) -> None:
    settings = make_test_settings(f"sqlite:///{tmp_path / 'given.db'}", modules=["users"])
    engines = create_engines(settings)
    first = create_app(settings, engines=engines)
    start_modules(first)
    with TestClient(first) as client:
        sign_up(client, "first@example.com")
    stop_modules(first)
    assert Platform.of(first).engine is engines.engine
    assert engines.engine.pool.checkedin() > 0
    second = create_app(settings, engines=engines)
    start_modules(second)
    with TestClient(second) as client:
        assert client.get("/users", headers=sign_up(client, "again@example.com")).status_code == 200
    stop_modules(second)
    engines.dispose()


def test_engines_on_another_database_are_refused_naming_both(tmp_path: Path) -> None:
    engines = create_engines(make_test_settings(f"sqlite:///{tmp_path / 'one.db'}"))
    with pytest.raises(ValueError, match=r"one\.db, but the settings name .*other\.db"):
        create_app(make_test_settings(f"sqlite:///{tmp_path / 'other.db'}"), engines=engines)
    engines.dispose()


def test_discovery_leaves_the_search_paths_as_it_found_them(
    module_folder: ModuleFolder, settings: Settings
) -> None:
    module_folder.write("garden", body=module_with_table("garden_plots", route="/garden"))
    system_path, package_path = list(sys.path), list(modules.__path__)
    app = create_app(settings.model_copy(update={"module_paths": [module_folder.root]}))
    assert "garden" in Platform.of(app).registry.names
    assert sys.path == system_path
    assert list(modules.__path__) == package_path


def test_the_core_names_no_module() -> None:
    """No import, quoted name, "<name> module", table column or setting of a module in core/
    (the templates aside); plain English such as "demo users" is not a mention."""
    names = sorted(
        entry.name
        for entry in (REPOSITORY / "modules").iterdir()
        if (entry / "__init__.py").exists()
    )
    assert names, "no in-tree module found"
    name = f"({'|'.join(names)})"
    mention = re.compile(
        rf"modules\.{name}\b|[\"'`]{name}[\"'`]|\b{name} module|\b{name}\.\w|HOBBYMATCH_{name}_",
        re.IGNORECASE,
    )
    templates = Path(core.__file__).parent / "templates"
    mentions = [
        f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}"
        for path in sorted(Path(core.__file__).parent.rglob("*"))
        if path.is_file() and path.suffix in {".py", ".mako"} and templates not in path.parents
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if mention.search(line)
    ]
    assert mentions == []

"""Per-module Alembic migrations: they build exactly what create_all builds, go down and up
again, keep rows through a new revision, and gate startup in migrations mode."""

import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.postgres import TemporaryPostgres
from sqlalchemy import insert, inspect, text

from core import Base, migrations
from core.main import create_app, start_modules
from core.platform import Platform
from modules.skills import category_bit
from modules.users import User
from tests.throwaway_modules import ModuleFolder, run_cli

IN_TREE = ["users", "skills", "matches"]


def platform_on(url: str) -> Platform:
    return Platform.of(create_app(make_test_settings(url, modules=IN_TREE)))


def differences(platform: Platform) -> list[object]:
    tables = {table.name for table in platform.registry.tables}

    def include(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in tables

    with platform.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": include, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


def test_migrations_build_what_create_all_builds_on_postgres(
    own_postgres: TemporaryPostgres,
) -> None:
    platform = platform_on(own_postgres.url)
    migrations.upgrade(platform.registry, platform.engine)
    assert differences(platform) == []
    assert migrations.modules_behind(platform.registry, platform.engine) == []


def test_downgrade_to_base_and_up_again(own_postgres: TemporaryPostgres) -> None:
    platform = platform_on(own_postgres.url)
    migrations.upgrade(platform.registry, platform.engine)
    migrations.downgrade(platform.registry, platform.engine, "base")
    assert set(inspect(platform.engine).get_table_names()) == {"alembic_version"}
    assert migrations.modules_behind(platform.registry, platform.engine) == IN_TREE
    migrations.upgrade(platform.registry, platform.engine)
    assert differences(platform) == []


def test_create_all_stamps_a_new_database_at_every_head(tmp_path: Path) -> None:
    app = create_app(make_test_settings(f"sqlite:///{tmp_path / 'fresh.db'}", modules=IN_TREE))
    start_modules(app)
    platform = Platform.of(app)
    assert migrations.modules_behind(platform.registry, platform.engine) == []


def test_migrations_mode_refuses_a_database_behind(tmp_path: Path) -> None:
    result = run_cli(
        "db",
        "init",
        cwd=tmp_path,
        env={"HOBBYMATCH_SCHEMA": "migrations", "HOBBYMATCH_MODULES": "users,skills,matches"},
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "hobbymatch: error: module 'users' is not migrated to its head revision: run 'hobbymatch db upgrade' "
        "(also behind: skills, matches)"
    )
    upgraded = run_cli(
        "db", "upgrade", cwd=tmp_path, env={"HOBBYMATCH_MODULES": "users,skills,matches"}
    )
    assert upgraded.returncode == 0, upgraded.stderr
    started = run_cli(
        "db",
        "init",
        cwd=tmp_path,
        env={"HOBBYMATCH_SCHEMA": "migrations", "HOBBYMATCH_MODULES": "users,skills,matches"},
    )
    assert started.returncode == 0, started.stderr


DIARY = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from core import Base

class Entry(Base):
    __tablename__ = "diary_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(100))
    {extra}

@hookimpl
def hobbymatch_models():
    return [Entry]
"""


def test_new_revision_adds_a_column_and_rows_survive(
    module_folder: ModuleFolder, tmp_path: Path
) -> None:
    package = module_folder.write("diary", body=DIARY.format(extra=""))
    env = {"HOBBYMATCH_MODULES": "diary"}

    def cli(*arguments: str) -> None:
        result = run_cli(*arguments, cwd=tmp_path, module_folder=module_folder, env=env)
        assert result.returncode == 0, result.stderr

    cli("db", "revision", "--module", "diary", "-m", "create entries", "--autogenerate")
    cli("db", "upgrade")
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        connection.executemany(
            "INSERT INTO diary_entries (text) VALUES (?)", [("first",), ("second",)]
        )
    source = (package / "__init__.py").read_text()
    (package / "__init__.py").write_text(
        source.replace("{extra}", "").replace(
            "    text: Mapped[str] = mapped_column(String(100))\n",
            "    text: Mapped[str] = mapped_column(String(100))\n    mood: Mapped[str | None] = mapped_column(String(20))\n",
        )
    )
    cli("db", "revision", "--module", "diary", "-m", "add mood", "--autogenerate")
    cli("db", "upgrade")
    assert len(list((package / "migrations").glob("*.py"))) == 2
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        rows = connection.execute("SELECT text, mood FROM diary_entries ORDER BY id").fetchall()
    assert rows == [("first", None), ("second", None)]


def test_a_module_added_to_a_database_that_knows_disabled_modules_is_stamped(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    start_modules(create_app(make_test_settings(url, modules=IN_TREE)))
    # matches is stamped in the database but not loaded now; resources is new to the database.
    later = create_app(make_test_settings(url, modules=["users", "skills", "resources"]))
    start_modules(later)
    platform = Platform.of(later)
    assert migrations.modules_behind(platform.registry, platform.engine) == []


def test_skill_profiles_revision_fills_a_profile_for_every_existing_list(
    own_postgres: TemporaryPostgres,
) -> None:
    platform = platform_on(own_postgres.url)
    migrations.upgrade(platform.registry, platform.engine)
    # skills, before its profiles
    migrations.downgrade(platform.registry, platform.engine, "1e04bda2fa6e")
    assert "skill_profiles" not in inspect(platform.engine).get_table_names()
    alice, bob = uuid.uuid4(), uuid.uuid4()
    with platform.engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                {"id": user_id, "email": f"{user_id}@example.com", "password_hash": "x"}
                | {"display_name": "someone", "is_active": True, "token_version": 0}
                | {"created_at": datetime.now(UTC)}
                for user_id in (alice, bob)
            ],
        )
        connection.execute(
            text(
                "INSERT INTO skills (id, name, key, category, created_at) VALUES "
                "(1, 'Chess', 'chess', 'games', now()), (2, 'Go', 'go', 'games', now()), "
                "(3, 'Cello', 'cello', 'music', now())"
            )
        )
        connection.execute(
            text(
                "INSERT INTO user_skills (user_id, skill_id, intent, rank) VALUES "
                "(:alice, 1, 'share', 1), (:alice, 2, 'learn', 2), (:alice, 3, 'teach', 3)"
            ),
            {"alice": alice},
        )
    migrations.upgrade(platform.registry, platform.engine)
    with platform.engine.connect() as connection:
        profiles = connection.execute(
            text("SELECT user_id, category_mask FROM skill_profiles")
        ).all()
    assert profiles == [(alice, category_bit("games") | category_bit("music"))]


def scaffolded(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A module written by ``hobbymatch new-module`` into a folder of modules: its models.py,
    and the environment that enables it alone."""
    folder = tmp_path / "plugins"
    written = run_cli("new-module", "--path", str(folder), "reviews", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    env = {"HOBBYMATCH_MODULE_PATHS": str(folder), "HOBBYMATCH_MODULES": "reviews"}
    return folder / "reviews" / "models.py", env


def add_a_column(models: Path) -> None:
    text = "    text: Mapped[str] = mapped_column(String(500))\n"
    source = models.read_text()
    assert text in source
    models.write_text(source.replace(text, f"{text}    stars: Mapped[int] = mapped_column()\n"))


STALE = (
    "module 'reviews': its models differ from its migrations' head (column reviews_items.stars "
    "is in the models only); write the revision it lacks with "
    "'hobbymatch db revision --module reviews -m MESSAGE --autogenerate'"
)


def test_db_check_names_a_module_reshaped_without_a_revision(tmp_path: Path) -> None:
    models, env = scaffolded(tmp_path)
    fresh = run_cli("db", "check", cwd=tmp_path, env=env)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout.strip() == ("every enabled module's migrations make its models: reviews")
    add_a_column(models)
    stale = run_cli("db", "check", cwd=tmp_path, env=env)
    assert stale.returncode == 1
    assert stale.stdout.strip() == STALE


def test_migrations_mode_warns_of_a_module_whose_models_differ_from_its_migrations(
    tmp_path: Path,
) -> None:
    models, env = scaffolded(tmp_path)
    assert run_cli("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    add_a_column(models)
    started = run_cli("db", "init", cwd=tmp_path, env={**env, "HOBBYMATCH_SCHEMA": "migrations"})
    assert started.returncode == 0, started.stderr
    warnings = [line for line in started.stderr.splitlines() if "differ" in line]
    assert len(warnings) == 1
    assert warnings[0].endswith(f"WARNING hobbymatch: {STALE}")

"""The notifications module's migrations build exactly what ``create_all`` builds (compared
on PostgreSQL, where every module's indexes exist), and go down and up again on both backends."""

from pathlib import Path

from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.postgres import TemporaryPostgres
from sqlalchemy import inspect

from core import migrations
from core.main import create_app
from core.platform import Platform
from tests.core.test_migrations import differences

MODULES = ["users", "skills", "matches", "messages", "notifications"]


def migrated(url: str) -> Platform:
    platform = Platform.of(create_app(make_test_settings(url, modules=MODULES)))
    migrations.upgrade(platform.registry, platform.engine)
    return platform


def test_migrations_build_what_create_all_builds_on_postgres(
    own_postgres: TemporaryPostgres,
) -> None:
    platform = migrated(own_postgres.url)
    assert differences(platform) == []
    migrations.downgrade(platform.registry, platform.engine, "notifications@-1")
    assert migrations.modules_behind(platform.registry, platform.engine) == ["notifications"]
    migrations.upgrade(platform.registry, platform.engine)
    assert differences(platform) == []


def test_stream_tickets_gain_a_required_token_version_on_sqlite(tmp_path: Path) -> None:
    platform = migrated(f"sqlite:///{tmp_path / 'migrated.db'}")
    migrations.downgrade(platform.registry, platform.engine, "notifications@-1")
    migrations.upgrade(platform.registry, platform.engine)
    columns = inspect(platform.engine).get_columns("notification_stream_tickets")
    [version] = [column for column in columns if column["name"] == "token_version"]
    assert (version["nullable"], version["default"]) == (False, None)

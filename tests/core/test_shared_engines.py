"""The test kit's apps share engines per database and pool settings, unless a test left a
connection out, whose engines then go and the next app gets new ones."""

from pathlib import Path

from hobbymatch_testkit import SharedEngines, make_test_settings


def test_apps_on_one_database_and_pool_share_engines_whatever_their_modules(
    tmp_path: Path,
) -> None:
    shared = SharedEngines()
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    engines = shared.for_settings(make_test_settings(url, modules=["users"]))
    assert shared.for_settings(make_test_settings(url, modules=[])) is engines
    other_pool = make_test_settings(url, database_pool_size=3)
    assert shared.for_settings(other_pool) is not engines
    shared.dispose()


def test_engines_with_a_connection_left_out_are_not_shared_again(tmp_path: Path) -> None:
    shared = SharedEngines()
    settings = make_test_settings(f"sqlite:///{tmp_path / 'shared.db'}")
    engines = shared.for_settings(settings)
    shared.release(engines)
    assert shared.for_settings(settings) is engines
    with engines.engine.connect():
        shared.release(engines)
    assert shared.for_settings(settings) is not engines
    shared.dispose()

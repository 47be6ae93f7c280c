"""``hobbymatch seed``: demo users with ranked lists, the same for the same seed on either
backend, with a progress bar, and with profiles that agree with the lists."""

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import create_engine, text

from modules.skills import category_bit
from tests.throwaway_modules import run_cli

LISTS = """
SELECT u.email, u.display_name, s.key, us.intent, us.rank
FROM users u JOIN user_skills us ON us.user_id = u.id JOIN skills s ON s.id = us.skill_id
ORDER BY u.email, us.rank
"""
PROFILES = """
SELECT u.email, p.category_mask FROM users u JOIN skill_profiles p ON p.user_id = u.id
"""
CATEGORIES = """
SELECT DISTINCT u.email, s.category
FROM users u JOIN user_skills us ON us.user_id = u.id JOIN skills s ON s.id = us.skill_id
"""


def seed(url: str, cwd: Path, secret_key: str, *arguments: str) -> str:
    env = {
        "HOBBYMATCH_DATABASE_URL": url,
        "HOBBYMATCH_MODULES": "users,skills",
        "HOBBYMATCH_USERS_SECRET_KEY": secret_key,
    }
    result = run_cli("seed", *arguments, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    bars = [line.split()[0] for line in result.stderr.splitlines() if line.strip()]
    assert bars == ["users", "skills"]  # one progress bar per module, in load order
    return result.stdout


def rows(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(query))]
    finally:
        engine.dispose()


def test_seed_loads_ranked_lists_and_matching_profiles(
    app: FastAPI, database_url: str, tmp_path: Path, secret_key: str
) -> None:
    output = seed(database_url, tmp_path, secret_key, "--users", "40", "--seed", "3")
    assert output.startswith("seeded 40 demo users")
    lists = rows(database_url, LISTS)
    assert len(lists) == 400
    assert {email for email, *_ in lists} == {f"demo-3-{n}@example.com" for n in range(40)}
    assert {rank for *_, rank in lists} == set(range(1, 11))
    expected: dict[str, int] = {}
    for email, category in rows(database_url, CATEGORIES):
        expected[str(email)] = expected.get(str(email), 0) | category_bit(str(category))
    assert dict(rows(database_url, PROFILES)) == expected


def test_the_same_seed_gives_the_same_data_on_both_backends(
    app: FastAPI, database_url: str, tmp_path: Path, secret_key: str
) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    seed(database_url, tmp_path, secret_key, "--users", "25", "--seed", "9")
    seed(elsewhere, tmp_path, secret_key, "--users", "25", "--seed", "9")
    assert rows(database_url, LISTS) == rows(elsewhere, LISTS)
    other_seed = f"sqlite:///{tmp_path / 'other-seed.db'}"
    seed(other_seed, tmp_path, secret_key, "--users", "25", "--seed", "10")
    assert [row[2:] for row in rows(other_seed, LISTS)] != [
        row[2:] for row in rows(elsewhere, LISTS)
    ]

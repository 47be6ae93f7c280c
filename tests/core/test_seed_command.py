"""``hobbymatch seed`` grows a database: a second run with more people adds what the new people
need, every module's rows stay consistent, and the same run again adds nothing."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text

from tests.throwaway_modules import run_cli

pytestmark = pytest.mark.usefixtures("app")

COUNTS = {
    "users": "SELECT count(*) FROM users",
    "people with a list": "SELECT count(DISTINCT user_id) FROM user_skills",
    "requests": "SELECT count(*) FROM match_requests",
    "pairs": "SELECT count(DISTINCT pair_key) FROM match_requests",
    "blocks": "SELECT count(*) FROM blocks",
    "places": "SELECT count(*) FROM places",
    "messages": "SELECT count(*) FROM messages",
    "notifications": "SELECT count(*) FROM notifications",
    "requests between people who block": """
        SELECT count(*) FROM match_requests r JOIN blocks b
        ON (b.blocker_id = r.sender_id AND b.blocked_id = r.recipient_id)
        OR (b.blocker_id = r.recipient_id AND b.blocked_id = r.sender_id)""",
    "unconnected messages": """
        SELECT count(*) FROM messages m WHERE NOT EXISTS (
            SELECT 1 FROM match_requests r WHERE r.status = 'accepted' AND (
                (r.sender_id = m.sender_id AND r.recipient_id = m.recipient_id)
                OR (r.sender_id = m.recipient_id AND r.recipient_id = m.sender_id)))""",
    "pending": "SELECT count(*) FROM match_requests WHERE status = 'pending'",
    "request notifications": "SELECT count(*) FROM notifications WHERE kind = 'request_received'",
}
# A person's list, as one string: two people with the same list would be a copy.
LISTS = """
    SELECT u.email, us.skill_id, us.intent FROM users u JOIN user_skills us ON us.user_id = u.id
    ORDER BY u.email, us.rank"""


def seed(database_url: str, cwd: Path, secret_key: str, users: int) -> str:
    env = {"HOBBYMATCH_DATABASE_URL": database_url, "HOBBYMATCH_USERS_SECRET_KEY": secret_key}
    result = run_cli("seed", "--users", str(users), "--seed", "2", cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {name: int(connection.scalar(text(sql)) or 0) for name, sql in COUNTS.items()}
    finally:
        engine.dispose()


def lists_by_person(database_url: str) -> dict[str, str]:
    engine = create_engine(database_url)
    lists: dict[str, str] = {}
    try:
        with engine.connect() as connection:
            for email, skill_id, intent in connection.execute(text(LISTS)):
                lists[email] = f"{lists.get(email, '')} {skill_id}:{intent}"
    finally:
        engine.dispose()
    return lists


def test_a_second_seed_with_more_people_grows_the_database(
    app: FastAPI, database_url: str, tmp_path: Path, secret_key: str
) -> None:
    seed(database_url, tmp_path, secret_key, 80)
    first = counts(database_url)
    assert seed(database_url, tmp_path, secret_key, 200).startswith("seeded 200 demo users")
    grown = counts(database_url)
    assert grown["users"] == grown["people with a list"] == 200
    assert grown["requests"] > first["requests"] + 150
    assert grown["pairs"] == grown["requests"]
    assert grown["places"] > first["places"]
    assert grown["messages"] > first["messages"]
    assert grown["blocks"] >= first["blocks"]
    assert grown["requests between people who block"] == 0
    assert grown["unconnected messages"] == 0
    assert grown["request notifications"] == grown["pending"]
    assert len(set(lists_by_person(database_url).values())) == 200


def test_the_same_seed_again_adds_nothing(
    app: FastAPI, database_url: str, tmp_path: Path, secret_key: str
) -> None:
    seed(database_url, tmp_path, secret_key, 60)
    before = counts(database_url)
    seed(database_url, tmp_path, secret_key, 60)
    assert counts(database_url) == before

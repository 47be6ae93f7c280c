"""``hobbymatch seed`` with every module: demo connections, messages only between connected
people, places around real cities, blocks, and notifications that agree with them all (and
that no digest mails: they are the demo's past)."""

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import create_engine, text

from tests.throwaway_modules import run_cli

QUERIES = {
    "accepted": "SELECT count(*) FROM match_requests WHERE status = 'accepted'",
    "messages": "SELECT count(*) FROM messages",
    "unconnected messages": """
        SELECT count(*) FROM messages m WHERE NOT EXISTS (
            SELECT 1 FROM match_requests r WHERE r.status = 'accepted' AND (
                (r.sender_id = m.sender_id AND r.recipient_id = m.recipient_id)
                OR (r.sender_id = m.recipient_id AND r.recipient_id = m.sender_id)))""",
    "places": "SELECT count(*) FROM places",
    "cities": "SELECT count(DISTINCT city) FROM places",
    "blocks": "SELECT count(*) FROM blocks",
    "request notifications": "SELECT count(*) FROM notifications WHERE kind = 'request_received'",
    "pending": "SELECT count(*) FROM match_requests WHERE status = 'pending'",
    "message notifications": "SELECT count(*) FROM notifications WHERE kind = 'message_received'",
    "not mailed": "SELECT count(*) FROM notifications WHERE mailed_at IS NULL",
    "unread conversations": """
        SELECT count(*) FROM (SELECT DISTINCT recipient_id, sender_id FROM messages
                              WHERE read_at IS NULL) unread""",
}


def test_seed_fills_every_social_module_consistently(
    app: FastAPI, database_url: str, tmp_path: Path, secret_key: str
) -> None:
    env = {"HOBBYMATCH_DATABASE_URL": database_url, "HOBBYMATCH_USERS_SECRET_KEY": secret_key}
    result = run_cli("seed", "--users", "300", "--seed", "4", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            count = {name: connection.scalar(text(sql)) for name, sql in QUERIES.items()}
    finally:
        engine.dispose()
    assert count["accepted"] > 200
    assert count["messages"] > 2 * count["accepted"]
    assert count["unconnected messages"] == 0
    assert 200 <= count["places"] <= 270
    assert count["cities"] == 6
    assert count["blocks"] >= 1
    assert count["request notifications"] == count["pending"]
    assert count["message notifications"] == count["unread conversations"]
    assert count["not mailed"] == 0  # the demo's past is no news: no digest mails it

"""On PostgreSQL at 100,000 user-skill rows, "who lists X" and catalog search use indexes.

The queries checked are the ones the endpoints really send, captured while serving a request,
then explained with their own parameters.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import empty_all_tables, make_test_settings
from hobbymatch_testkit.accounts import sign_up_through
from hobbymatch_testkit.postgres import TemporaryPostgres
from sqlalchemy import Engine, event, text

from core.main import create_app, start_modules
from core.platform import Platform

USERS = 10_000
SKILLS_EACH = 10


@pytest.fixture(scope="module")
def populated_client(postgres_server: TemporaryPostgres) -> Iterator[TestClient]:
    """An app on PostgreSQL whose 10,000 users list 10 skills each."""
    app = create_app(make_test_settings(postgres_server.url, modules=["users", "skills"]))
    platform = Platform.of(app)
    empty_all_tables(platform.engine)
    start_modules(app)
    with platform.engine.begin() as connection:
        connection.execute(
            text("""
            INSERT INTO users (id, email, password_hash, display_name, is_active, token_version, created_at)
            SELECT md5(i::text)::uuid, 'user' || i || '@example.com', 'not-a-hash', 'User ' || i, true, 0, now()
            FROM generate_series(1, :users) AS i
        """),
            {"users": USERS},
        )
        connection.execute(
            text("""
            WITH catalog AS (SELECT array_agg(id ORDER BY id) AS ids FROM skills)
            INSERT INTO user_skills (user_id, skill_id, intent, rank)
            SELECT md5(i::text)::uuid,
                   catalog.ids[1 + (i * 7 + r * 13) % cardinality(catalog.ids)],
                   (ARRAY['share', 'teach', 'learn'])[1 + (i + r) % 3],
                   r
            FROM generate_series(1, :users) AS i, generate_series(1, :each) AS r, catalog
        """),
            {"users": USERS, "each": SKILLS_EACH},
        )
        connection.execute(text("ANALYZE"))
    yield TestClient(app)
    empty_all_tables(platform.engine)
    platform.close()


def plans_of_request(
    client: TestClient, path: str, headers: dict[str, str] | None = None
) -> list[str]:
    """Serve ``GET path`` and return the PostgreSQL plan of every SELECT it sent."""
    engine: Engine = Platform.of(client.app).read_engine  # a GET reads in autocommit
    captured: list[tuple[str, Any]] = []

    def capture(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM" in statement.upper():
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    plans = []
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        for statement, parameters in captured:
            cursor.execute("EXPLAIN " + statement, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_who_lists_a_skill_uses_an_index(populated_client: TestClient) -> None:
    guitar = populated_client.get("/skills", params={"q": "guitar"}).json()["items"][0]["id"]
    headers = sign_up_through(populated_client, email="planner@example.org").headers
    listing = populated_client.get(f"/skills/{guitar}/users", headers=headers)
    assert listing.json()["total"] > 0
    for path in (
        f"/skills/{guitar}/users?intent=teach",
        f"/skills/{guitar}/users?limit=50&offset=100",
    ):
        plans = plans_of_request(populated_client, path, headers)
        print(f"\n{path}\n" + "\n---\n".join(plans))
        assert any("user_skills" in plan for plan in plans)
        assert all("Seq Scan on user_skills" not in plan for plan in plans)


def test_catalog_search_does_not_scan_user_skills(populated_client: TestClient) -> None:
    plans = plans_of_request(populated_client, "/skills?q=ball")
    print("\n/skills?q=ball\n" + "\n---\n".join(plans))
    assert plans
    assert all("user_skills" not in plan for plan in plans)

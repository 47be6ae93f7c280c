"""The session settings the app needs are the database's, not startup parameters that a
pooler in transaction mode refuses (PgBouncer: ``unsupported startup parameter: options``)."""

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.orm import Session


@pytest.fixture
def postgresql_only(hobbymatch_backend: str) -> None:
    """Skip on SQLite, which has no such settings."""
    if hobbymatch_backend != "postgresql":
        pytest.skip("PostgreSQL's session settings")


@pytest.mark.usefixtures("postgresql_only")
def test_every_new_session_starts_with_the_statement_timeout_and_no_jit(
    app: FastAPI, db: Session
) -> None:
    assert db.execute(text("SHOW statement_timeout")).scalar_one() == "10s"
    assert db.execute(text("SHOW jit")).scalar_one() == "off"

"""The fault suite runs against an app holding every in-tree module."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hobbymatch_testkit.postgres import (
    PgBouncerUnavailableError,
    TemporaryPgBouncer,
    TemporaryPostgres,
)
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

# The business rules that JSON Schema cannot express, which schemathesis must expect.
SCHEMATHESIS_CONFIG = SchemathesisConfig.from_path(Path(__file__).with_name("schemathesis.toml"))


@pytest.fixture
def enabled_modules() -> list[str]:
    """Every in-tree module, so that every endpoint is attacked."""
    return ["users", "skills", "matches", "blocks", "messages", "notifications", "places"]


@pytest.fixture
def api_schema(app: FastAPI) -> OpenApiSchema:
    """The schema the app serves, for schemathesis to generate requests from."""
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=SCHEMATHESIS_CONFIG)


@pytest.fixture
def pgbouncer(postgres_server: TemporaryPostgres) -> Iterator[TemporaryPgBouncer]:
    """A PgBouncer in transaction mode with a server pool of 10, in front of the session's
    PostgreSQL; stopped after the test, however it ends."""
    try:
        bouncer = TemporaryPgBouncer(postgres_server, pool_size=10)
    except PgBouncerUnavailableError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but PgBouncer cannot run: {error}")
        pytest.skip(str(error))
    try:
        bouncer.start()
        yield bouncer
    finally:
        bouncer.cleanup()

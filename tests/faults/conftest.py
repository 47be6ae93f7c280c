"""The fault suite runs against an app holding every in-tree module."""

import json
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from core import Settings

# The business rules that JSON Schema cannot express, which schemathesis must expect.
SCHEMATHESIS_CONFIG = SchemathesisConfig.from_path(Path(__file__).with_name("schemathesis.toml"))


@pytest.fixture
def enabled_modules() -> list[str]:
    """Every in-tree module, so that every endpoint is attacked."""
    return [
        "users",
        "skills",
        "matches",
        "blocks",
        "messages",
        "notifications",
        "places",
        "meetups",
        "references",
        "moderation",
    ]


# The /openapi.json that apps of given settings serve, fetched from the first of them in this
# process: FastAPI takes over half a second to build it for every module's operations, and each
# test's app is a new one. Kept as text, so that a test that adds to its schema (the stateful
# one adds links) changes its own copy only.
_SERVED_SCHEMAS: dict[str, str] = {}


@pytest.fixture
def api_schema(app: FastAPI, settings: Settings) -> OpenApiSchema:
    """The schema the app serves, for schemathesis to generate requests from and to send them
    to ``app``."""
    served = _SERVED_SCHEMAS.get(settings.model_dump_json())
    if served is None:
        # No lifespan: the app is started already, and a lifespan's end would stop it.
        served = TestClient(app).get("/openapi.json").raise_for_status().text
        _SERVED_SCHEMAS[settings.model_dump_json()] = served
    schema = schemathesis.openapi.from_dict(json.loads(served), config=SCHEMATHESIS_CONFIG)
    schema.app = app
    schema.location = "/openapi.json"
    return schema

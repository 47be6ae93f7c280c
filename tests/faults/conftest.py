"""The fault suite runs against an app holding every in-tree module."""

from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

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


@pytest.fixture
def api_schema(app: FastAPI) -> OpenApiSchema:
    """The schema the app serves, for schemathesis to generate requests from."""
    return schemathesis.openapi.from_asgi("/openapi.json", app, config=SCHEMATHESIS_CONFIG)

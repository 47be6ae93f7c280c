"""The fault suite runs against an app holding every in-tree module."""

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.specs.openapi.schemas import OpenApiSchema


@pytest.fixture
def enabled_modules() -> list[str]:
    """Every in-tree module, so that every endpoint is attacked."""
    return ["users", "skills", "matches", "blocks", "messages", "notifications", "places"]


@pytest.fixture
def api_schema(app: FastAPI) -> OpenApiSchema:
    """The schema the app serves, for schemathesis to generate requests from."""
    return schemathesis.openapi.from_asgi("/openapi.json", app)

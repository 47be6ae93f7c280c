"""What every module's API promises alike, checked over the whole app's OpenAPI schema, so that
a route that forgets the house style is found, whichever module it is in."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("hobbymatch_backend")


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) of the app's schema."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        (method.upper(), path, operation)
        for path, item in paths.items()
        for method, operation in item.items()
    ]


def test_every_operation_that_needs_a_token_documents_its_401(client: TestClient) -> None:
    needing_a_token = [
        (method, path, operation)
        for method, path, operation in operations(client)
        if operation.get("security")
    ]
    assert len(needing_a_token) > 20
    undocumented = [
        f"{method} {path}"
        for method, path, operation in needing_a_token
        if "401" not in operation["responses"]
    ]
    assert undocumented == []


def test_every_operation_that_needs_a_token_answers_401_with_www_authenticate(
    client: TestClient,
) -> None:
    for method, path, operation in operations(client):
        if not operation.get("security") or "{" in path:
            continue
        response = client.request(method, path)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.headers["WWW-Authenticate"] == "Bearer", f"{method} {path}"

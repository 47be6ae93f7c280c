"""/docs and /redoc work without internet: their pages reference no external URL, and every
asset they load is served by the app itself."""

import re

import pytest
from fastapi.testclient import TestClient

ASSET = re.compile(
    r"""(?:src|href)\s*=\s*["']([^"']+)["']|(?:url|openapi_url|spec-url)\s*[:=]\s*["']([^"']+)["']"""
)


def references(html: str) -> list[str]:
    return [first or second for first, second in ASSET.findall(html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_page_loads_nothing_from_elsewhere(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    html = response.text
    assert re.findall(r"https?://", html) == []
    linked = references(html)
    assert any(link.endswith(".js") for link in linked), linked
    for link in linked:
        assert link.startswith("/"), link
        assert client.get(link).status_code == 200, link


def test_the_swagger_page_loads_the_openapi_schema_of_this_app(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "'/openapi.json'" in html or '"/openapi.json"' in html
    tags = {
        tag
        for operation in client.get("/openapi.json").json()["paths"].values()
        for method in operation.values()
        for tag in method.get("tags", [])
    }
    assert {"core", "users"} <= tags

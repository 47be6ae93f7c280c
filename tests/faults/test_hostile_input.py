"""Hostile input: huge, deep, odd or malicious bodies get a clear 4xx, never a 500."""

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

SignUp = Callable[..., Account]

ROUND_TRIPS = [
    "Robert'); DROP TABLE users;--",
    "1 OR 1=1; SELECT * FROM users WHERE ''=''",
    "Zoë 漢字 🎉 مرحبا",
    "\u202eevil\u202c right-to-left override",
    "%_\\ wildcards",
    "𝕌𝕟𝕚𝕔𝕠𝕕𝕖 ∑ 👩‍👩‍👧",
]


def test_body_over_one_mebibyte_is_413(client: TestClient) -> None:
    body = b'{"email": "' + b"a" * (1024 * 1024) + b'"}'
    response = client.post("/users", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "detail" in response.json()


def test_deeply_nested_json_is_400_and_the_process_lives_on(client: TestClient) -> None:
    # Deep enough for the parser to give up, small enough for POST /users's 64 KiB limit.
    body = "[" * 20_000 + "]" * 20_000
    response = client.post("/users", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"detail": "There was an error parsing the body"}
    assert client.get("/health").status_code == 200


def test_huge_flat_json_under_the_limit_is_422(client: TestClient) -> None:
    body = "[" + ",".join(["1"] * 30_000) + "]"
    response = client.post("/users", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert "detail" in response.json()


@pytest.mark.parametrize("limit", [101, 10**12, -1, "1e9", "NaN"])
def test_oversized_or_odd_limit_is_422(client: TestClient, sign_up: SignUp, limit: object) -> None:
    headers = sign_up().headers
    for path in ("/users", "/skills"):
        response = client.get(path, params={"limit": limit}, headers=headers)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_sql_looking_and_unicode_text_round_trips_unchanged_in_a_bio(
    client: TestClient, sign_up: SignUp, text: str
) -> None:
    account = sign_up()
    response = client.patch("/users/me", json={"bio": text}, headers=account.headers)
    assert response.status_code == 200
    profile = client.get(f"/users/{account.id}", headers=account.headers).json()
    assert profile["bio"] == text


# Display names are normalized and refuse invisible characters and look-alikes
# (tests/users/test_display_names.py); these are names as they come and go unchanged.
@pytest.mark.parametrize("text", [*ROUND_TRIPS[:2], "%_\\ wildcards"])
def test_sql_looking_names_round_trip_unchanged_and_are_found(
    client: TestClient, sign_up: SignUp, text: str
) -> None:
    account = sign_up()
    response = client.patch("/users/me", json={"display_name": text[:50]}, headers=account.headers)
    assert response.status_code == 200
    profile = client.get(f"/users/{account.id}", headers=account.headers).json()
    assert profile["display_name"] == text[:50].strip()
    found = client.get("/users", params={"q": text[:20]}, headers=account.headers).json()
    assert str(account.id) in [item["id"] for item in found["items"]]


def test_nul_characters_are_422_not_500(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    response = client.patch("/users/me", json={"bio": "before\x00after"}, headers=account.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"].endswith("text may not contain NUL characters")
    for path in ("/users", "/skills"):
        refused = client.get(path, params={"q": "a\x00b"})
        assert refused.status_code == 422
        assert (
            refused.json()["detail"][0]["msg"] == "query parameters may not contain NUL characters"
        )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/users", "not json"),
        ("POST", "/users", '{"email": 5}'),
        ("PUT", "/users/me/skills", "[]"),
        ("GET", "/skills/not-a-number", None),
        ("GET", "/nowhere", None),
        ("DELETE", "/skills", None),
        ("POST", "/auth/token", "username=x"),
    ],
)
def test_every_4xx_body_is_json_with_detail(
    client: TestClient, method: str, path: str, body: str | None
) -> None:
    response = client.request(
        method, path, content=body, headers={"Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/json")
    assert "detail" in response.json()


def _post_raw(client: TestClient, path: str, body: str, headers: dict[str, str]) -> int:
    response = client.post(
        path, content=body.encode(), headers={"Content-Type": "application/json", **headers}
    )
    assert "detail" in response.json()
    return response.status_code


def test_a_lone_surrogate_in_any_text_is_422(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    lone = '"\\ud800"'
    assert _post_raw(client, "/users", f'{{"display_name": {lone}}}', {}) == 422
    new_user = f'{{"email": "s@example.com", "password": "long enough", "display_name": {lone}}}'
    assert _post_raw(client, "/users", new_user, {}) == 422
    patch = client.patch(
        "/users/me", content=f'{{"bio": {lone}}}'.encode(), headers=account.headers
    )
    assert patch.status_code == 422
    skill = f'{{"name": {lone}, "category": "arts"}}'
    assert _post_raw(client, "/skills", skill, account.headers) == 422
    message = f'{{"user_id": "{account.id}", "message": {lone}}}'
    assert _post_raw(client, "/matches/requests", message, account.headers) == 422
    assert _post_raw(client, "/users", f"{{{lone}: 1}}", {}) == 422


def test_a_422_never_repeats_the_input(client: TestClient) -> None:
    body = {"email": "e@example.com", "password": "tiny42", "display_name": "Sam"}
    response = client.post("/users", json=body)
    assert response.status_code == 422
    assert "tiny42" not in response.text
    assert all("input" not in error for error in response.json()["detail"])


def test_a_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"email": "'
        for _ in range(17):
            yield b"a" * 65536
        yield b'"}'

    response = client.post("/users", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/users/me/skills", "GET, POST, PUT"),
        ("PUT", "/users/me", "DELETE, GET, PATCH"),
        ("DELETE", "/users", "GET, POST"),
    ],
)
def test_a_405_allows_every_method_of_the_path(
    client: TestClient, method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("UserCreate", "display_name"),
        ("SkillCreate", "name"),
        ("UserUpdate", "display_name"),
        ("MessageCreate", "text"),
        ("PlaceIn", "city"),
    ],
)
def test_the_schema_says_text_may_not_hold_nul(client: TestClient, body: str, field: str) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    prop = schemas[body]["properties"][field]
    [pattern] = [
        member["pattern"] for member in [prop, *prop.get("anyOf", [])] if "pattern" in member
    ]
    assert re.search(pattern, "Ada Lovelace")
    assert not re.search(pattern, "Ada\x00Lovelace")
    assert not re.search(pattern, " \t\x85 ")  # blank only: trimmed to nothing

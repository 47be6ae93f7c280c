"""The users module's HTTP API, as a REST client sees it, on SQLite and PostgreSQL."""

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account, log_in
from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from core import Platform, hookimpl
from modules.users import ProfileExtra, User

SignUp = Callable[..., Account]


def new_user_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "email": "Ada@Example.com",
        "password": "analytical engine",
        "display_name": "Ada",
    }
    body.update(overrides)
    return body


# --- POST /users ---


def test_register_returns_201_with_private_profile(client: TestClient) -> None:
    response = client.post("/users", json=new_user_body(bio="Counts things"))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "email_verified", "display_name", "bio", "created_at"}
    assert body["email_verified"] is False
    assert uuid.UUID(body["id"])
    assert body["email"] == "ada@example.com"
    assert body["display_name"] == "Ada"
    assert body["bio"] == "Counts things"
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None


def test_register_stores_email_trimmed_and_lower_case(client: TestClient, db: Session) -> None:
    client.post("/users", json=new_user_body(email="  Grace.Hopper@Navy.MIL "))
    assert db.scalars(select(User.email)).all() == ["grace.hopper@navy.mil"]


def test_register_stores_an_argon2id_hash_not_the_password(client: TestClient, db: Session) -> None:
    client.post("/users", json=new_user_body())
    stored = db.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert "analytical engine" not in stored


def test_duplicate_email_in_other_case_is_409(client: TestClient, db: Session) -> None:
    assert client.post("/users", json=new_user_body()).status_code == 201
    response = client.post(
        "/users", json=new_user_body(email="ADA@example.com", display_name="Other")
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "an account with this email already exists"}
    assert db.scalar(select(text("count(*)")).select_from(User)) == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("password", "short"),
        ("password", "x" * 129),
        ("display_name", ""),
        ("display_name", "   "),
        ("display_name", "x" * 51),
        ("bio", "x" * 501),
    ],
)
def test_invalid_field_is_422_naming_it(
    client: TestClient, db: Session, field: str, value: str
) -> None:
    response = client.post("/users", json=new_user_body(**{field: value}))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert db.scalar(select(text("count(*)")).select_from(User)) == 0


def test_unknown_field_is_422(client: TestClient) -> None:
    response = client.post("/users", json=new_user_body(is_admin=True))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "is_admin"]


def test_missing_field_is_422(client: TestClient) -> None:
    response = client.post("/users", json={"email": "a@example.com"})
    assert response.status_code == 422
    assert {tuple(error["loc"]) for error in response.json()["detail"]} == {
        ("body", "password"),
        ("body", "display_name"),
    }


# --- POST /auth/token ---


def test_login_returns_bearer_token(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    response = client.post(
        "/auth/token", data={"username": account.email.upper(), "password": account.password}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert (
        client.get(
            "/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        ).status_code
        == 200
    )


def test_unknown_email_and_wrong_password_get_the_same_401(
    client: TestClient, sign_up: SignUp
) -> None:
    account = sign_up()
    wrong_password = client.post(
        "/auth/token", data={"username": account.email, "password": "wrong password"}
    )
    unknown_email = client.post(
        "/auth/token", data={"username": "nobody@example.com", "password": "whatever1"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert (
        wrong_password.json() == unknown_email.json() == {"detail": "incorrect email or password"}
    )
    assert wrong_password.headers["www-authenticate"] == "Bearer"


def test_login_without_form_fields_is_422(client: TestClient) -> None:
    response = client.post("/auth/token", data={"username": "a@example.com"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_sixth_failed_login_for_an_account_is_429_with_retry_after(
    client: TestClient, sign_up: SignUp
) -> None:
    account = sign_up()
    for _ in range(5):
        assert (
            client.post(
                "/auth/token", data={"username": account.email, "password": "bad guess"}
            ).status_code
            == 401
        )
    response = client.post(
        "/auth/token", data={"username": account.email, "password": account.password}
    )
    assert response.status_code == 429
    assert response.json() == {"detail": "too many failed login attempts; try again later"}
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60


def test_successful_login_resets_the_account_counter(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    for _ in range(4):
        client.post("/auth/token", data={"username": account.email, "password": "bad guess"})
    log_in(client, account.email, account.password)
    for _ in range(4):
        assert (
            client.post(
                "/auth/token", data={"username": account.email, "password": "bad guess"}
            ).status_code
            == 401
        )


# --- GET /users/me and tokens ---


def test_me_returns_own_profile_with_email(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up(display_name="Me")
    response = client.get("/users/me", headers=account.headers)
    assert response.status_code == 200
    assert response.json()["email"] == account.email
    assert response.json()["id"] == str(account.id)


def forged_token(account: Account, secret: str, **claims: object) -> str:
    payload: dict[str, object] = {
        "sub": str(account.id),
        "ver": 0,
        "aud": "hobbymatch",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    payload.update(claims)
    return jwt.encode(payload, secret, algorithm="HS256")


@pytest.mark.parametrize(
    "make_header",
    [
        lambda account, key: None,
        lambda account, key: "Bearer not-a-jwt",
        lambda account, key: "Basic dXNlcjpwYXNz",
        lambda account, key: (
            f"Bearer {forged_token(account, 'another secret that is long enough to sign')}"
        ),
        lambda account, key: (
            f"Bearer {forged_token(account, key, exp=datetime.now(UTC) - timedelta(seconds=1))}"
        ),
        lambda account, key: f"Bearer {forged_token(account, key, aud='another-service')}",
        lambda account, key: f"Bearer {forged_token(account, key, sub=str(uuid.uuid4()))}",
    ],
    ids=[
        "missing",
        "malformed",
        "not-bearer",
        "forged",
        "expired",
        "wrong-audience",
        "unknown-user",
    ],
)
def test_bad_token_is_401_with_www_authenticate(
    client: TestClient,
    sign_up: SignUp,
    secret_key: str,
    make_header: Callable[[Account, str], str | None],
) -> None:
    account = sign_up()
    header = make_header(account, secret_key)
    response = client.get("/users/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] in {"not authenticated", "invalid or expired token"}


def test_token_of_inactive_user_is_401(client: TestClient, sign_up: SignUp, db: Session) -> None:
    account = sign_up()
    db.get_one(User, account.id).is_active = False
    db.commit()
    response = client.get("/users/me", headers=account.headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "invalid or expired token"}


# --- PATCH /users/me ---


def test_patch_changes_only_given_fields(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up(display_name="Before", bio="Old bio")
    response = client.patch("/users/me", json={"display_name": "After"}, headers=account.headers)
    assert response.status_code == 200
    assert response.json()["display_name"] == "After"
    assert response.json()["bio"] == "Old bio"
    assert (
        client.patch("/users/me", json={"bio": None}, headers=account.headers).json()["bio"] is None
    )


@pytest.mark.parametrize(
    "body",
    [
        {"email": "new@example.com"},
        {"password": "new password"},
        {"id": str(uuid.uuid4())},
        {"is_active": False},
        {"display_name": None},
        {"display_name": ""},
        {"bio": "x" * 501},
    ],
)
def test_patch_of_forbidden_or_invalid_field_is_422_and_changes_nothing(
    client: TestClient, sign_up: SignUp, body: dict[str, object]
) -> None:
    account = sign_up(display_name="Stays")
    response = client.patch("/users/me", json=body, headers=account.headers)
    assert response.status_code == 422
    assert "detail" in response.json()
    me = client.get("/users/me", headers=account.headers).json()
    assert (me["display_name"], me["email"]) == ("Stays", account.email)


def test_patch_without_token_is_401(client: TestClient) -> None:
    response = client.patch("/users/me", json={"bio": "x"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


# --- POST /users/me/password ---


def test_password_change_is_204_and_old_tokens_stop_working(
    client: TestClient, sign_up: SignUp
) -> None:
    account = sign_up()
    body = {"current_password": account.password, "new_password": "a brand new password"}
    response = client.post("/users/me/password", json=body, headers=account.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get("/users/me", headers=account.headers).status_code == 401
    assert (
        client.post(
            "/auth/token", data={"username": account.email, "password": account.password}
        ).status_code
        == 401
    )
    log_in(client, account.email, "a brand new password")


def test_password_change_with_wrong_current_password_is_403(
    client: TestClient, sign_up: SignUp
) -> None:
    account = sign_up()
    body = {"current_password": "not my password", "new_password": "a brand new password"}
    response = client.post("/users/me/password", json=body, headers=account.headers)
    assert response.status_code == 403
    assert response.json() == {"detail": "the current password is wrong"}
    assert client.get("/users/me", headers=account.headers).status_code == 200


def test_password_change_with_short_new_password_is_422(
    client: TestClient, sign_up: SignUp
) -> None:
    account = sign_up()
    body = {"current_password": account.password, "new_password": "short"}
    response = client.post("/users/me/password", json=body, headers=account.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "new_password"]


# --- DELETE /users/me ---


def test_delete_me_is_204_removes_user_and_token(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    account, viewer = sign_up(), sign_up()
    response = client.delete("/users/me", headers=account.headers)
    assert response.status_code == 204
    assert db.get(User, account.id) is None
    assert client.get("/users/me", headers=account.headers).status_code == 401
    assert client.get(f"/users/{account.id}", headers=viewer.headers).status_code == 404


def test_delete_me_without_token_is_401(client: TestClient) -> None:
    assert client.delete("/users/me").status_code == 401


# --- GET /users/{id} and GET /users ---


def test_public_profile_has_no_email(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up(display_name="Public", bio="Hello")
    response = client.get(f"/users/{account.id}", headers=sign_up().headers)
    assert response.status_code == 200
    assert set(response.json()) == {"id", "display_name", "bio", "created_at", "extras"}
    assert response.json()["display_name"] == "Public"
    assert response.json()["extras"] == {}  # no module of this app adds to profiles


class Badges:
    """A module's front door, as far as the profile's extension point goes."""

    @hookimpl
    def users_profile_extras(self, user_id: ColumnElement[uuid.UUID]) -> Mapping[str, ProfileExtra]:
        """One field of its own, from two columns of the profile's query."""
        name_length = func.length(User.display_name)
        return {
            "badges": ProfileExtra(
                columns=(name_length, func.count().over()),
                shape=lambda length, rows: {"length": length, "rows": rows},
            )
        }


def test_other_modules_add_to_the_public_profile(
    client: TestClient, sign_up: SignUp, app: FastAPI
) -> None:
    manager = Platform.of(app).registry.plugin_manager
    plugin = Badges()
    manager.register(plugin)
    try:
        response = client.get(
            f"/users/{sign_up(display_name='Badged').id}", headers=sign_up().headers
        )
    finally:
        manager.unregister(plugin)
    assert response.json()["extras"] == {"badges": {"length": 6, "rows": 1}}


def test_unknown_user_is_404(client: TestClient, sign_up: SignUp) -> None:
    response = client.get(f"/users/{uuid.uuid4()}", headers=sign_up().headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "user not found"}


def test_user_id_that_is_not_a_uuid_is_422(client: TestClient, sign_up: SignUp) -> None:
    response = client.get("/users/42", headers=sign_up().headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "user_id"]


def test_list_filters_case_insensitively_and_pages_stably(
    client: TestClient, sign_up: SignUp
) -> None:
    for name in ["Zoe Climber", "adam climber", "Bea Painter", "Cid CLIMBER"]:
        viewer = sign_up(display_name=name)
    response = client.get("/users", params={"q": "climb", "limit": 2}, headers=viewer.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (3, 2, 0)
    assert [user["display_name"] for user in body["items"]] == ["adam climber", "Cid CLIMBER"]
    assert "email" not in body["items"][0]
    params = {"q": "climb", "limit": 2, "offset": 2}
    second = client.get("/users", params=params, headers=viewer.headers).json()
    assert [user["display_name"] for user in second["items"]] == ["Zoe Climber"]


def test_list_treats_like_wildcards_literally(client: TestClient, sign_up: SignUp) -> None:
    sign_up(display_name="100% fun")
    viewer = sign_up(display_name="Plain")
    found = client.get("/users", params={"q": "%"}, headers=viewer.headers).json()["items"]
    assert [user["display_name"] for user in found] == ["100% fun"]


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}]
)
def test_list_with_bad_paging_is_422(
    client: TestClient, sign_up: SignUp, params: dict[str, object]
) -> None:
    response = client.get("/users", params=params, headers=sign_up().headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_people_are_visible_to_signed_in_people_only(client: TestClient, sign_up: SignUp) -> None:
    ana = sign_up()
    for path in ("/users", f"/users/{ana.id}"):
        anonymous = client.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert client.get(path, headers=ana.headers).status_code == 200, path


# --- Response headers ---


def test_token_and_own_profile_are_never_cached(client: TestClient, sign_up: SignUp) -> None:
    account = sign_up()
    token = client.post(
        "/auth/token", data={"username": account.email, "password": account.password}
    )
    me = client.get("/users/me", headers=account.headers)
    for response in (token, me):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/", "/health", "/users", "/users/me", "/nowhere"])
def test_every_response_forbids_content_sniffing(client: TestClient, path: str) -> None:
    assert client.get(path).headers["x-content-type-options"] == "nosniff"


def test_the_schema_says_display_name_may_be_left_out_but_not_null(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["UserUpdate"]
    display_name = schema["properties"]["display_name"]
    assert display_name["type"] == "string"
    assert "anyOf" not in display_name
    assert "display_name" not in schema.get("required", [])

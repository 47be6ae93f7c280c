"""Races, leaks and authorization: what a hostile or unlucky client must never see."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import load_settings
from core.main import create_app, start_modules
from core.platform import Platform
from modules.users import User
from tests.throwaway_modules import run_cli

SignUp = Callable[..., Account]


def test_twenty_concurrent_registrations_of_one_email_give_one_201(
    client: TestClient, db: Session
) -> None:
    def register(number: int) -> int:
        body = {
            "email": "Race@Example.com",
            "password": "same password",
            "display_name": f"Racer {number}",
        }
        return client.post("/users", json=body).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = sorted(pool.map(register, range(20)))
    assert statuses == [201] + [409] * 19
    assert (
        db.scalar(select(func.count()).select_from(User).where(User.email == "race@example.com"))
        == 1
    )


def test_no_response_contains_a_password_hash_or_another_users_email(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    alice, bob = sign_up(display_name="Alice"), sign_up(display_name="Bob")
    responses = [
        client.get("/users", headers=bob.headers),
        client.get("/users", params={"q": "ali"}, headers=bob.headers),
        client.get(f"/users/{alice.id}", headers=bob.headers),
        client.get("/users/me", headers=bob.headers),
        client.patch("/users/me", json={"bio": "hi"}, headers=bob.headers),
        client.post("/auth/token", data={"username": alice.email, "password": "wrong password"}),
        client.post(
            "/users", json={"email": alice.email, "password": "whatever1", "display_name": "X"}
        ),
        client.get("/openapi.json"),
    ]
    hashes = db.scalars(select(User.password_hash)).all()
    for response in responses:
        assert "$argon2" not in response.text
        assert "password_hash" not in response.text
        assert not any(stored in response.text for stored in hashes)
        assert alice.email not in response.text


def test_user_b_cannot_change_or_delete_user_a(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    alice, bob = sign_up(display_name="Alice"), sign_up(display_name="Bob")
    assert (
        client.patch(
            f"/users/{alice.id}", json={"display_name": "Hacked"}, headers=bob.headers
        ).status_code
        == 405
    )
    assert client.delete(f"/users/{alice.id}", headers=bob.headers).status_code == 405
    assert (
        client.patch("/users/me", json={"display_name": "Bobby"}, headers=bob.headers).status_code
        == 200
    )
    assert client.delete("/users/me", headers=bob.headers).status_code == 204
    stored_alice = db.get_one(User, alice.id)
    assert stored_alice.display_name == "Alice"
    assert client.get("/users/me", headers=alice.headers).status_code == 200


def test_served_apps_hash_passwords_with_argon2id_at_its_standard_cost(tmp_path: Path) -> None:
    app = create_app(load_settings(None, database_url=f"sqlite:///{tmp_path / 'served.db'}"))
    start_modules(app)
    body = {"email": "real@example.com", "password": "correct horse", "display_name": "Real"}
    with TestClient(app) as client:
        assert client.post("/users", json=body).status_code == 201
    with Platform.of(app).session_factory() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_test_kit_hashes_cheaply(client: TestClient, sign_up: SignUp, db: Session) -> None:
    account = sign_up()
    stored = db.scalar(select(User.password_hash).where(User.id == account.id))
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=64,t=1,p=1$")


def test_cheap_hashes_are_refused_outside_the_test_kit(tmp_path: Path) -> None:
    result = run_cli("modules", cwd=tmp_path, env={"HOBBYMATCH_USERS_PASSWORD_HASH_COST": "fast"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "hobbymatch: error: invalid setting HOBBYMATCH_USERS_PASSWORD_HASH_COST: 'fast' is only "
        "for the test kit; remove it (the default is 'standard')"
    )


def test_listing_the_modules_writes_no_signing_key(tmp_path: Path) -> None:
    result = run_cli("modules", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "HOBBYMATCH_USERS_SECRET_KEY (secret)" in result.stdout
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_the_signing_key_is_made_once_at_startup_and_kept(tmp_path: Path) -> None:
    first = run_cli("db", "init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "generated one into" in first.stderr
    key = (tmp_path / "cli.db.secret").read_text()
    again = run_cli("db", "init", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "generated one into" not in again.stderr
    assert (tmp_path / "cli.db.secret").read_text() == key

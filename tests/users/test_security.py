"""Races, leaks and authorization: what a hostile or unlucky client must never see."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from modules.users import User
from tests.accounts import Account

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
        client.get("/users"),
        client.get("/users", params={"q": "ali"}),
        client.get(f"/users/{alice.id}"),
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

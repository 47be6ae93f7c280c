"""Database loss: with PostgreSQL stopped mid-run the API answers 503 (JSON, no traceback),
/ready 503 and /health 200; when it is back, the same process serves again and no committed
write is lost."""

from fastapi.testclient import TestClient
from hobbymatch_testkit import make_test_settings
from hobbymatch_testkit.postgres import TemporaryPostgres

from core.main import create_app, start_modules, stop_modules

UNAVAILABLE = {"detail": "the database is unavailable; try again shortly"}


def test_outage_is_503_and_recovery_keeps_every_committed_write(
    own_postgres: TemporaryPostgres,
) -> None:
    app = create_app(make_test_settings(own_postgres.url))
    start_modules(app)
    client = TestClient(app, raise_server_exceptions=False)
    written = []
    for number in range(3):
        body = {
            "email": f"kept{number}@example.com",
            "password": "survives outages",
            "display_name": f"Kept {number}",
        }
        assert client.post("/users", json=body).status_code == 201
        written.append(body)
    token = client.post(
        "/auth/token", data={"username": "kept0@example.com", "password": "survives outages"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    chess = client.get("/skills", params={"q": "chess"}).json()["items"][0]["id"]
    assert (
        client.put(
            "/users/me/skills", json=[{"skill_id": chess, "intent": "teach"}], headers=headers
        ).status_code
        == 200
    )

    own_postgres.stop()
    faults = [
        client.get("/users/me", headers=headers),
        client.get("/skills"),
        client.post(
            "/users",
            json={"email": "lost@example.com", "password": "never stored", "display_name": "Lost"},
        ),
        client.put("/users/me/skills", json=[], headers=headers),
        client.get("/matches", headers=headers),
    ]
    for response in faults:
        assert response.status_code == 503
        assert response.json() == UNAVAILABLE
        assert response.headers["retry-after"] == "5"
    assert client.get("/ready").status_code == 503
    assert client.get("/health").json() == {"status": "ok"}

    own_postgres.start()
    assert client.get("/ready").json() == {"status": "ready"}
    listed = client.get("/users", headers=headers).json()["items"]
    names = {user["display_name"] for user in listed}
    assert names == {body["display_name"] for body in written}
    skills = client.get("/users/me/skills", headers=headers).json()
    assert [(entry["skill"]["name"], entry["intent"]) for entry in skills] == [("Chess", "teach")]
    stop_modules(app)

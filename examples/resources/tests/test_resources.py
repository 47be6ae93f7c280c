"""The resources module's HTTP API, on SQLite and PostgreSQL, through HobbyMatch's test kit and
the users module's (``sign_up``)."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account

SignUp = Callable[..., Account]


def chess_id(client: TestClient) -> int:
    items = client.get("/skills", params={"q": "chess"}).json()["items"]
    return next(int(skill["id"]) for skill in items if skill["name"] == "Chess")


def share(client: TestClient, headers: dict[str, str], title: str = "My System") -> dict[str, Any]:
    body = {
        "skill_id": chess_id(client),
        "title": title,
        "url": "https://example.com/my-system",
        "kind": "book",
    }
    response = client.post("/resources", json=body, headers=headers)
    assert response.status_code == 201, response.text
    shared: dict[str, Any] = response.json()
    return shared


def test_module_is_discovered_from_its_entry_point(client: TestClient) -> None:
    assert "resources" in client.get("/").json()["modules"]
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/resources"]["post"]["tags"] == ["resources"]


def test_the_author_shares_a_resource_and_recommends_it(
    client: TestClient, sign_up: SignUp
) -> None:
    resource = share(client, sign_up().headers)
    assert resource["recommendations"] == 1
    assert resource["skill"] == {"id": chess_id(client), "name": "Chess", "category": "games"}
    assert resource["url"] == "https://example.com/my-system"
    assert client.get(f"/resources/{resource['id']}").json() == resource


def test_the_most_recommended_come_first(client: TestClient, sign_up: SignUp) -> None:
    headers = sign_up().headers
    plain = share(client, headers, title="Plain")
    liked = share(client, headers, title="Liked")
    client.post(f"/resources/{plain['id']}/recommendation", headers=sign_up().headers)
    for _ in range(2):
        client.post(f"/resources/{liked['id']}/recommendation", headers=sign_up().headers)
    body = client.get("/resources", params={"skill_id": chess_id(client)}).json()
    assert [item["id"] for item in body["items"]] == [liked["id"], plain["id"]]
    assert [item["recommendations"] for item in body["items"]] == [3, 2]
    assert body["total"] == 2


def test_recommend_once_and_take_it_back(client: TestClient, sign_up: SignUp) -> None:
    resource = share(client, sign_up().headers)
    reader = sign_up().headers
    path = f"/resources/{resource['id']}/recommendation"
    assert client.post(path, headers=reader).status_code == 201
    again = client.post(path, headers=reader)
    assert again.status_code == 409
    assert again.json() == {"detail": "you already recommend this resource"}
    assert client.delete(path, headers=reader).status_code == 204
    assert client.delete(path, headers=reader).status_code == 404
    assert client.get(f"/resources/{resource['id']}").json()["recommendations"] == 1


def test_only_the_author_removes_a_resource(client: TestClient, sign_up: SignUp) -> None:
    author, stranger = sign_up().headers, sign_up().headers
    resource = share(client, author)
    assert client.delete(f"/resources/{resource['id']}", headers=stranger).status_code == 404
    assert client.delete(f"/resources/{resource['id']}", headers=author).status_code == 204
    assert client.get(f"/resources/{resource['id']}").status_code == 404


def test_a_bad_address_is_422_and_an_unknown_skill_404(client: TestClient, sign_up: SignUp) -> None:
    headers = sign_up().headers
    body = {"skill_id": chess_id(client), "title": "x", "url": "ftp://example.com", "kind": "book"}
    response = client.post("/resources", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "url"]
    unknown = {**body, "skill_id": 999999, "url": "https://example.com"}
    assert client.post("/resources", json=unknown, headers=headers).json() == {
        "detail": "skill not found"
    }

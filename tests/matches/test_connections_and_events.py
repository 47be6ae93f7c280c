"""What the matches module publishes for other modules: ``are_connected``, ending a connection,
and its events, which run inside the transaction of the change they announce."""

import sys
import uuid
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit import StartApp
from hobbymatch_testkit.accounts import Account, sign_up_through
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Settings
from core.platform import Platform
from modules.matches import are_connected, were_ever_connected
from tests.throwaway_modules import ModuleFolder

SignUp = Callable[..., Account]

# Writes a row in its own table when a request is accepted, and records every event it hears.
ACCEPT_AUDIT = """
import uuid
from sqlalchemy.orm import Mapped, mapped_column
from core import Base

heard = []

class AcceptedRequest(Base):
    __tablename__ = "accept_audit_rows"
    request_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)

@hookimpl
def hobbymatch_models():
    return [AcceptedRequest]

@hookimpl
def matches_request_accepted(db, request):
    heard.append(("accepted", request.status))
    db.add(AcceptedRequest(request_id=request.id))
    db.flush()

@hookimpl
def matches_request_sent(db, request):
    heard.append(("sent", request.status))

@hookimpl
def matches_request_declined(db, request):
    heard.append(("declined", request.status))

@hookimpl
def matches_request_withdrawn(db, request):
    heard.append(("withdrawn", request.status))

@hookimpl
def matches_connection_removed(db, user_id, other_user_id):
    heard.append(("removed", user_id, other_user_id))
"""

# Loads after accept_audit and refuses any accept of a request whose message is "veto".
ACCEPT_VETO = """
from core.exceptions import ConflictError

@hookimpl
def matches_request_accepted(db, request):
    if request.message == "veto":
        raise ConflictError("this request may not be accepted")
"""


def connect(client: TestClient, sender: Account, recipient: Account, message: str = "Hi") -> str:
    sent = client.post(
        "/matches/requests",
        json={"user_id": str(recipient.id), "message": message},
        headers=sender.headers,
    )
    assert sent.status_code == 201, sent.text
    request_id: str = sent.json()["id"]
    return request_id


def accept(client: TestClient, recipient: Account, request_id: str) -> int:
    response = client.post(f"/matches/requests/{request_id}/accept", headers=recipient.headers)
    return response.status_code


def test_are_connected_once_a_request_is_accepted(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    alice, bob, carol = sign_up(), sign_up(), sign_up()
    request_id = connect(client, alice, bob)
    assert not are_connected(db, alice.id, bob.id)
    assert accept(client, bob, request_id) == 200
    assert are_connected(db, alice.id, bob.id)
    assert are_connected(db, bob.id, alice.id)
    assert not are_connected(db, alice.id, carol.id)


def test_either_side_may_end_a_connection_and_ask_again(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    alice, bob = sign_up(), sign_up()
    assert accept(client, bob, connect(client, alice, bob)) == 200
    response = client.delete(f"/matches/connections/{alice.id}", headers=bob.headers)
    assert response.status_code == 204
    assert not are_connected(db, alice.id, bob.id)
    for account in (alice, bob):
        listed = client.get("/matches/connections", headers=account.headers).json()
        assert listed["items"] == []
    connect(client, alice, bob)


def test_two_who_ended_their_connection_were_ever_connected(
    client: TestClient, sign_up: SignUp, db: Session
) -> None:
    alice, bob, carol = sign_up(), sign_up(), sign_up()
    assert accept(client, bob, connect(client, alice, bob)) == 200
    connect(client, alice, carol)  # pending only: never a connection
    assert were_ever_connected(db, alice.id, bob.id)
    ended = client.delete(f"/matches/connections/{bob.id}", headers=alice.headers)
    assert ended.status_code == 204
    for first, second in ((alice, bob), (bob, alice)):
        assert not are_connected(db, first.id, second.id)
        assert were_ever_connected(db, first.id, second.id)
    assert not were_ever_connected(db, alice.id, carol.id)
    # The ended connection's accepted request is gone from both people's requests.
    for account in (alice, bob):
        box = "outgoing" if account is alice else "incoming"
        listed = client.get(f"/matches/requests?box={box}", headers=account.headers).json()
        assert [item["status"] for item in listed["items"]] == (
            ["pending"] if account is alice else []
        )


def test_ending_a_connection_that_is_not_one_is_404(client: TestClient, sign_up: SignUp) -> None:
    alice, bob = sign_up(), sign_up()
    connect(client, alice, bob)  # pending, not a connection
    for other in (bob.id, uuid.uuid4()):
        response = client.delete(f"/matches/connections/{other}", headers=alice.headers)
        assert response.status_code == 404
        assert response.json() == {"detail": "you are not connected with this user"}


def test_ending_a_connection_needs_a_token(client: TestClient) -> None:
    response = client.delete(f"/matches/connections/{uuid.uuid4()}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def audited(
    module_folder: ModuleFolder, settings: Settings, start_app: StartApp
) -> Iterator[TestClient]:
    """An app with matches, a module writing a row on every accept, and one vetoing some."""
    module_folder.write("accept_audit", requires=["matches"], body=ACCEPT_AUDIT)
    module_folder.write("accept_veto", requires=["accept_audit"], body=ACCEPT_VETO)
    modules = ["users", "skills", "matches", "accept_audit", "accept_veto"]
    app = start_app(
        settings.model_copy(update={"modules": modules, "module_paths": [module_folder.root]})
    )
    yield TestClient(app)
    sys.modules["modules.accept_audit"].AcceptedRequest.__table__.drop(Platform.of(app).engine)


def audit_rows(client: TestClient) -> list[str]:
    model = sys.modules["modules.accept_audit"].AcceptedRequest
    with Platform.of(client.app).engine.connect() as connection:  # type: ignore[arg-type]
        return [str(row) for row in connection.scalars(select(model.request_id))]


def test_a_row_written_by_the_accept_event_commits_with_the_accept(
    audited: TestClient,
) -> None:
    alice, bob = sign_up_through(audited), sign_up_through(audited)
    request_id = connect(audited, alice, bob)
    assert accept(audited, bob, request_id) == 200
    assert audit_rows(audited) == [request_id]


def test_the_row_disappears_when_the_accept_rolls_back(audited: TestClient) -> None:
    alice, bob = sign_up_through(audited), sign_up_through(audited)
    request_id = connect(audited, alice, bob, message="veto")
    response = audited.post(f"/matches/requests/{request_id}/accept", headers=bob.headers)
    assert response.status_code == 409
    assert response.json() == {"detail": "this request may not be accepted"}
    assert audit_rows(audited) == []
    pending = audited.get("/matches/requests", headers=bob.headers).json()["items"]
    assert [(item["id"], item["status"]) for item in pending] == [(request_id, "pending")]


def test_every_connection_event_is_heard_in_its_transaction(audited: TestClient) -> None:
    alice, bob, carol = (sign_up_through(audited) for _ in range(3))
    heard = sys.modules["modules.accept_audit"].heard
    heard.clear()
    accept(audited, bob, connect(audited, alice, bob))
    declined = connect(audited, alice, carol)
    audited.post(f"/matches/requests/{declined}/decline", headers=carol.headers)
    withdrawn = connect(audited, carol, alice)
    audited.delete(f"/matches/requests/{withdrawn}", headers=carol.headers)
    audited.delete(f"/matches/connections/{bob.id}", headers=alice.headers)
    assert heard == [
        ("sent", "pending"),
        ("accepted", "accepted"),
        ("sent", "pending"),
        ("declined", "declined"),
        ("sent", "pending"),
        ("withdrawn", "pending"),
        ("removed", alice.id, bob.id),
    ]

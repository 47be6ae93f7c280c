"""The messages module's setting (messages per minute), which holds under concurrent sends, and
its events, heard by a throwaway module in the sending or reading transaction."""

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account, sign_up_through

from core.config import Settings
from core.main import create_app, start_modules, stop_modules
from tests.social import connect
from tests.throwaway_modules import ModuleFolder

LISTENER = """
heard = []

@hookimpl
def messages_message_sent(db, message):
    heard.append(("sent", message.sender_id, message.recipient_id, message.text))

@hookimpl
def messages_conversation_read(db, user_id, other_user_id):
    heard.append(("read", user_id, other_user_id))
    if len(heard) > 2:
        raise RuntimeError("refused")
"""


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """Three messages a minute at most."""
    return {"messages": {"per_minute": 3}}


def test_a_fourth_message_in_a_minute_is_429(
    client: TestClient, pair: tuple[Account, Account]
) -> None:
    ana, ben = pair
    body = {"to_user_id": str(ben.id), "text": "hi"}
    for _ in range(3):
        assert client.post("/messages", json=body, headers=ana.headers).status_code == 201
    fourth = client.post("/messages", json=body, headers=ana.headers)
    assert fourth.status_code == 429
    assert fourth.headers["retry-after"] == "60"
    reply = {"to_user_id": str(ana.id), "text": "hi"}
    assert client.post("/messages", json=reply, headers=ben.headers).status_code == 201


def test_concurrent_sends_pass_the_limit_exactly(
    client: TestClient, pair: tuple[Account, Account]
) -> None:
    ana, ben = pair
    body = {"to_user_id": str(ben.id), "text": "hi"}
    at_once = 24
    start = threading.Barrier(at_once)

    def send(_: int) -> int:
        start.wait()
        return client.post("/messages", json=body, headers=ana.headers).status_code

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        statuses = sorted(pool.map(send, range(at_once)))
    assert statuses == [201] * 3 + [429] * (at_once - 3)


@pytest.fixture
def listening(module_folder: ModuleFolder, settings: Settings) -> Iterator[TestClient]:
    """An app with the messages module and one that records its events."""
    module_folder.write("listener", requires=["messages"], body=LISTENER)
    modules = ["users", "skills", "matches", "messages", "listener"]
    app = create_app(
        settings.model_copy(update={"modules": modules, "module_paths": [module_folder.root]})
    )
    start_modules(app)
    with TestClient(app) as client:
        yield client
    stop_modules(app)


def test_events_are_heard_in_the_transaction(listening: TestClient) -> None:
    ana, ben = sign_up_through(listening), sign_up_through(listening)
    connect(listening, ana, ben)
    heard = sys.modules["modules.listener"].heard
    sent = listening.post(
        "/messages", json={"to_user_id": str(ben.id), "text": "hi"}, headers=ana.headers
    )
    assert sent.status_code == 201
    assert listening.post(f"/messages/with/{ana.id}/read", headers=ben.headers).status_code == 204
    assert heard == [("sent", ana.id, ben.id, "hi"), ("read", ben.id, ana.id)]
    # A listener that raises fails the marking, which is rolled back with it.
    with pytest.raises(RuntimeError):
        listening.post(f"/messages/with/{ana.id}/read", headers=ben.headers)

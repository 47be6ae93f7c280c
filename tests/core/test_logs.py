"""Log lines in JSON (``HOBBYMATCH_LOG_FORMAT=json``): one object per line, each line of a
request carrying its id, module and route template, and no secret on any line."""

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit.accounts import Account
from hobbymatch_testkit.mail import SmtpServer

from core.logs import log_handler
from tests.mailbox import link_in, mails, settings  # noqa: F401 (settings: a fixture)
from tests.notifications.streams import EventReader, live_server


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """Every line HobbyMatch logs during the test, as the JSON handler writes it."""
    buffer = io.StringIO()
    handler = log_handler("json", buffer)
    root, ours = logging.getLogger(), logging.getLogger("hobbymatch")
    level = ours.level
    root.addHandler(handler)
    ours.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        ours.setLevel(level)


def test_request_lines_carry_the_request_and_no_secret(
    app: FastAPI,
    client: TestClient,
    sign_up: Callable[..., Account],
    run_jobs: Callable[[], Any],
    smtp_server: SmtpServer,
    secret_key: str,
    logged: io.StringIO,
) -> None:
    ada = sign_up()
    login = {"username": ada.email, "password": ada.password}
    access_token = client.post("/auth/token", data=login).json()["access_token"]
    me = client.get("/users/me", headers={**ada.headers, "X-Request-ID": "trace-me"})
    assert me.status_code == 200
    ticket = client.post("/notifications/stream-tickets", headers=ada.headers).json()["ticket"]
    with live_server(app) as base:
        stream = EventReader(base, f"/notifications/stream?ticket={ticket}")
        assert stream.status == 200
        stream.close()
    assert client.post("/auth/password-reset", json={"email": ada.email}).status_code == 202
    run_jobs()
    [mail] = mails(smtp_server, ada.email, "Reset your HobbyMatch password")
    link = link_in(mail, "/auth/password-reset/confirm")
    reset_token = link.split("token=", 1)[1]
    assert client.get(link).status_code == 200
    new_password = "a brand new passphrase"
    reset = {"token": reset_token, "new_password": new_password}
    assert client.post("/auth/password-reset/confirm", json=reset).status_code == 204

    text = logged.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    access = {line["request_id"]: line for line in lines if line["logger"] == "hobbymatch.access"}
    assert access["trace-me"] == {
        **access["trace-me"],
        "level": "INFO",
        "module": "users",
        "route": "/users/me",
        "method": "GET",
        "path": "/users/me",
        "status": 200,
    }
    assert access["trace-me"]["duration_ms"] >= 0
    assert {line["route"] for line in access.values()} >= {
        "/auth/token",
        "/notifications/stream",
        "/auth/password-reset/confirm",
    }
    for secret in (ada.password, ada.token, access_token, ticket, reset_token, new_password):
        assert secret not in text
    assert secret_key not in text

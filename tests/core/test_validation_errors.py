"""422 answers stay small and cheap whatever a client sends: a body too large for its model
is refused unparsed, and a 422 is a bounded list of errors in FastAPI's ``detail`` shape,
rendered off the event loop."""

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

import core.main
from core.main import MAX_ERROR_BYTES, public_errors
from core.schemas import MAX_REPORTED_ERRORS, StrictBody

LIMIT = StrictBody.max_body_bytes
SIGN_UP = {"email": "ann@example.com", "password": "correct horse", "display_name": "Ann"}


def many_unknown_fields(count: int) -> dict[str, object]:
    """A sign-up body that also carries ``count`` fields nobody declared."""
    return {**SIGN_UP, **{f"k{number:05d}": 1 for number in range(count)}}


def test_a_body_over_its_models_limit_is_413(client: TestClient) -> None:
    response = client.post("/users", json=many_unknown_fields(60_000))
    assert response.status_code == 413
    assert response.json() == {"detail": f"request body is larger than {LIMIT} bytes"}


def test_four_thousand_unknown_fields_answer_a_422_of_a_few_kib(client: TestClient) -> None:
    body = many_unknown_fields(4_000)
    assert len(json.dumps(body)) <= LIMIT
    response = client.post("/users", json=body)
    assert response.status_code == 422
    assert len(response.content) <= MAX_ERROR_BYTES + 256


def test_a_422_lists_the_first_unknown_fields_and_says_more_were_left_out(
    client: TestClient,
) -> None:
    detail = client.post("/users", json=many_unknown_fields(4_000)).json()["detail"]
    assert [error["loc"] for error in detail[:-1]] == [
        ["body", f"k{number:05d}"] for number in range(MAX_REPORTED_ERRORS)
    ]
    assert detail[-1] == {
        "type": "too_many_errors",
        "loc": [],
        "msg": f"only the first {MAX_REPORTED_ERRORS} errors are listed",
    }


def test_a_few_unknown_fields_are_each_named(client: TestClient) -> None:
    detail = client.post("/users", json=many_unknown_fields(3)).json()["detail"]
    assert detail == [
        {"type": "extra_forbidden", "loc": ["body", name], "msg": "Extra inputs are not permitted"}
        for name in ("k00000", "k00001", "k00002")
    ]


def test_a_huge_field_name_is_cut_short_in_the_answer(client: TestClient) -> None:
    response = client.post("/users", json={**SIGN_UP, "x" * 50_000: 1})
    assert response.status_code == 422
    assert len(response.content) < 1024
    assert response.json()["detail"][0]["loc"][1].startswith("xxx")


def error(number: int, *, field: str = "f") -> dict[str, Any]:
    """One error as pydantic reports it, input and context included."""
    return {"type": "missing", "loc": ["body", f"{field}{number}"], "msg": "Field required"}


def test_public_errors_keep_the_first_ones_within_the_byte_budget() -> None:
    shown = public_errors([error(number, field="é" * 5000) for number in range(1000)])
    assert len(json.dumps(shown, ensure_ascii=False).encode()) <= MAX_ERROR_BYTES + 256
    assert shown[-1]["type"] == "too_many_errors"
    assert len(shown) <= MAX_REPORTED_ERRORS + 1


def test_public_errors_report_a_short_list_whole() -> None:
    assert public_errors([error(1), error(2)]) == [error(1), error(2)]


def test_validation_errors_are_rendered_off_the_event_loop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_event_loop: list[bool] = []

    def recording(errors: Any) -> list[dict[str, Any]]:
        on_event_loop.append(_running_an_event_loop())
        return public_errors(errors)

    monkeypatch.setattr(core.main, "public_errors", recording)
    assert client.post("/users", json=many_unknown_fields(1)).status_code == 422
    assert on_event_loop == [False]


def _running_an_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True

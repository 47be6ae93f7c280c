"""Fuzzing: schemathesis generates requests from our own /openapi.json for every operation,
anonymous and signed in. No response may be a 5xx, and every response must match what the
schema documents (status code, content type, body).

Operations are driven one by one with Hypothesis directly, rather than through schemathesis'
pytest plugin, which does not run under pytest 9.

Drawn once, sent to every backend: with ``derandomize=True`` Hypothesis draws the same requests
for an operation on SQLite and on PostgreSQL, and drawing them is about half of a part's time.
So each part's two backends run in one worker (an ``xdist_group``, with ``--dist loadgroup``),
and the second sends again what the first drew, to its own app and accounts.
"""

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hobbymatch_testkit.accounts import Account
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis import checks as schemathesis_checks
from schemathesis.specs.openapi.checks import ensure_resource_availability, use_after_free
from schemathesis.specs.openapi.schemas import OpenApiSchema
from sqlalchemy.orm import Session

from modules.users.roles import grant_role

EXAMPLES_PER_OPERATION = 25
# Every check schemathesis has, but the two that need a chain of calls (the stateful test runs
# them): a 5xx, a status code, header or body the schema does not document, schema-valid data
# refused (beyond the business rules listed in schemathesis.toml) or schema-invalid data
# accepted, a missing required header or an undocumented method not refused, authentication
# not enforced, another person's object reachable.
CHECKS = [
    check
    for check in schemathesis_checks.CHECKS.get_all()
    if check not in (use_after_free, ensure_resource_availability)
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


# The operations are fuzzed in this many parts, each a test of its own (every PARTS-th
# operation), so that the parts run side by side on the suite's workers.
PARTS = 9

# What Hypothesis drew in this process for each operation and mode, until another backend's
# test has sent it too.
_DRAWN: dict[tuple[str, GenerationMode], list[schemathesis.Case]] = {}


@pytest.mark.parametrize(
    "part",
    [
        pytest.param(part, marks=pytest.mark.xdist_group(f"fuzz-part-{part}"))
        for part in range(PARTS)
    ],
)
def test_every_operation_answers_without_5xx_as_documented(
    api_schema: OpenApiSchema,
    app: FastAPI,
    sign_up: Callable[..., Account],
    db: Session,
    part: int,
) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 25
    share = operations[part::PARTS]
    assert share, f"part {part} has no operation: lower PARTS"
    sent = 0
    for operation in share:
        # A fresh account per operation: DELETE /users/me or a password change may end it. For
        # the moderators' operations, a moderator: anyone else only ever gets 403 there.
        fuzzer = sign_up(display_name="Fuzzer")
        if operation.path.startswith("/moderation/"):
            grant_role(db, email=fuzzer.email, role="moderator")
        identities = [{}, fuzzer.headers]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            drawn = _DRAWN.pop((operation.label, mode), None)
            if drawn is None:
                _DRAWN[operation.label, mode] = drawn = draw_and_send(
                    operation, mode, app, identities
                )
            else:
                for case in drawn:
                    send(case, app, identities)
            sent += len(drawn) * len(identities)
    print(f"fuzzed {len(share)} of {len(operations)} operations with {sent} requests")
    assert sent >= len(share) * 2


def draw_and_send(
    operation: Any, mode: GenerationMode, app: FastAPI, identities: list[dict[str, str]]
) -> list[schemathesis.Case]:
    """Send up to EXAMPLES_PER_OPERATION generated requests to ``app`` as each identity, of
    schema-valid data (positive) or schema-invalid data (negative); return the cases sent."""
    drawn: list[schemathesis.Case] = []

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        send(case, app, identities)
        drawn.append(case)

    try:
        check()
    except Unsatisfiable:
        # Nothing about the operation can be invalid (no parameters, no body).
        assert mode is GenerationMode.NEGATIVE
    return drawn


def send(case: schemathesis.Case, app: FastAPI, identities: list[dict[str, str]]) -> None:
    """Send ``case`` to ``app`` as each identity: no 5xx, and every check holds (the checks that
    send requests of their own send them to ``app`` too)."""
    for headers in identities:
        response = case.call(headers=headers, app=app)
        assert response.status_code < 500, (
            f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
        )
        case.validate_response(response, checks=CHECKS, transport_kwargs={"app": app})

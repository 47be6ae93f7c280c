"""The stateful phase: schemathesis chains operations through the links it infers from our
/openapi.json (an id from ``POST /users`` into ``GET /users/{user_id}``, a skill from
``GET /skills`` into ``PUT /users/me/skills``, a request from ``POST /matches/requests`` into
its answer...), each scenario as a freshly signed-up person. Beyond the checks of the fuzz
test, a resource just created must be found and one just deleted must be gone.
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from hobbymatch_testkit import empty_all_tables
from hobbymatch_testkit.accounts import Account
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import ensure_resource_availability, use_after_free
from schemathesis.specs.openapi.schemas import OpenApiSchema

from core.main import start_modules
from core.platform import Platform
from modules.users.roles import grant_role
from tests.faults.test_fuzz import CHECKS

SCENARIOS = 40
STEPS_PER_SCENARIO = 8


def created_resource_is_available(ctx: Any, response: Response, case: Case) -> bool | None:
    """schemathesis' ``ensure_resource_availability`` (a resource just created must be
    found), for operations that name a resource in their path. Applied to one that names none,
    it reads "every path parameter came from the link" as vacuously true, and takes a 404
    about the body (``PUT /users/me/skills`` naming an unknown skill) for the list gone."""
    if not case.path_parameters:
        return None
    return ensure_resource_availability(ctx, response, case)


STATEFUL_CHECKS = [*CHECKS, use_after_free, created_resource_is_available]
STATEFUL_SETTINGS = settings(
    max_examples=SCENARIOS,
    stateful_step_count=STEPS_PER_SCENARIO,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


@pytest.fixture
def module_settings() -> dict[str, dict[str, object]]:
    """Rank in SQL: a scenario's answers must not depend on when a background index build
    finishes, or Hypothesis, replaying a scenario, sees other links to follow and stops with
    "inconsistent data generation" (it did, on a busy machine)."""
    return {"matches": {"index": False}}


def test_linked_workflows_answer_without_5xx_as_documented(
    app: FastAPI, api_schema: OpenApiSchema, sign_up: Callable[..., Account]
) -> None:
    sent: list[str] = []

    link_new_people_to_connection_requests(api_schema)

    class Workflow(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Every scenario starts from the same database, as a fresh person (a scenario may
            # delete its account): which links can be followed depends on what the server
            # answered, and Hypothesis requires a replayed scenario to draw the same steps.
            empty_all_tables(Platform.of(app).engine)
            start_modules(app)
            person = sign_up(display_name="Stateful")
            with Platform.of(app).session_factory() as db:
                grant_role(db, email=person.email, role="moderator")  # reach /moderation too
            self.headers = person.headers

        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"headers": self.headers}

        def validate_response(
            self, response: Response, case: Case, *_args: Any, **kwargs: Any
        ) -> None:
            sent.append(case.operation.label)
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
            )
            case.validate_response(
                response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs, recorder=self.recorder
            )

    Workflow.run(settings=STATEFUL_SETTINGS)
    print(f"stateful: {len(set(sent))} operations, {len(sent)} requests")
    assert len(set(sent)) >= 15


def link_new_people_to_connection_requests(schema: OpenApiSchema) -> None:
    """Feed the id of a person just created into the operations that address a person
    (``POST /matches/requests``, ``/messages``, ``/blocks``, ``/reports``), and the sender of
    an accepted request into ``POST /messages``: the inferred links reach those operations
    from nowhere, so without these links no scenario would send a request, write, block or
    report."""
    paths = schema.raw_schema["paths"]
    created = paths["/users"]["post"]["responses"]["201"].setdefault("links", {})
    created["SendConnectionRequest"] = {
        "operationRef": "#/paths/~1matches~1requests/post",
        "requestBody": {"user_id": "$response.body#/id"},
    }
    created["WriteToThem"] = {
        "operationRef": "#/paths/~1messages/post",
        "requestBody": {"to_user_id": "$response.body#/id", "text": "hello"},
    }
    created["BlockThem"] = {
        "operationRef": "#/paths/~1blocks/post",
        "requestBody": {"user_id": "$response.body#/id"},
    }
    created["ReportThem"] = {
        "operationRef": "#/paths/~1reports/post",
        "requestBody": {"subject": "user", "id": "$response.body#/id", "reason": "spam"},
    }
    answered = paths["/matches/requests/{request_id}/{answer}"]["post"]["responses"]["200"]
    answered.setdefault("links", {})["WriteToTheSender"] = {
        "operationRef": "#/paths/~1messages/post",
        "requestBody": {"to_user_id": "$response.body#/sender/id", "text": "hello"},
    }

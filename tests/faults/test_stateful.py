"""The stateful phase: schemathesis chains operations through the links it infers from our
/openapi.json (an id from ``POST /users`` into ``GET /users/{user_id}``, a skill from
``GET /skills`` into ``PUT /users/me/skills``, a request from ``POST /matches/requests`` into
its answer...), each scenario as a freshly signed-up person. Beyond the checks of the fuzz
test, a resource just created must be found and one just deleted must be gone.
"""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import ensure_resource_availability, use_after_free
from schemathesis.specs.openapi.schemas import OpenApiSchema

from core.main import start_modules
from core.platform import Platform
from core.testing import empty_all_tables
from modules.users.testing import Account
from tests.faults.test_fuzz import CHECKS

SCENARIOS = 40
STEPS_PER_SCENARIO = 8
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]
STATEFUL_SETTINGS = settings(
    max_examples=SCENARIOS,
    stateful_step_count=STEPS_PER_SCENARIO,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


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
            self.headers = sign_up(display_name="Stateful").headers

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
    """Feed the id of a person just created into ``POST /matches/requests``: the inferred links
    reach that operation from nowhere, so without this link no scenario would send a request."""
    created = schema.raw_schema["paths"]["/users"]["post"]["responses"]["201"]
    created.setdefault("links", {})["SendConnectionRequest"] = {
        "operationRef": "#/paths/~1matches~1requests/post",
        "requestBody": {"user_id": "$response.body#/id"},
    }

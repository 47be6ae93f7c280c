"""OpenTelemetry traces (``HOBBYMATCH_TRACING``, the tracing extra): a request is a server span
named after its route template, its SQL statements and hook calls are its children, and an
app with tracing off makes no span at all."""

import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hobbymatch_testkit import SharedEngines, empty_all_tables
from hobbymatch_testkit.accounts import Account, sign_up_through
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import event, text

import core
from core import Platform, Settings
from core.exceptions import SettingsError
from core.main import create_app, start_modules, stop_modules
from core.traces import HOOK_MODULES_ATTRIBUTE
from core.tracing import AppTracing


@dataclass
class Traced:
    """A started app that traces into :attr:`exporter`, and a client of it."""

    app: FastAPI
    client: TestClient
    exporter: InMemorySpanExporter


TracedApp = Callable[[Settings], Traced]


@pytest.fixture
def traced_app(shared_engines: SharedEngines) -> Iterator[TracedApp]:
    """``traced_app(settings)``: a started app on the shared engines (as the kit's ``app``),
    tracing into an in-memory exporter, with a client; stopped after the test."""
    started: list[Traced] = []

    def start(settings: Settings) -> Traced:
        exporter = InMemorySpanExporter()
        engines = shared_engines.for_settings(settings)
        app = create_app(settings, engines=engines, span_exporter=exporter)
        empty_all_tables(engines.engine)
        start_modules(app)
        started.append(Traced(app, TestClient(app, raise_server_exceptions=False), exporter))
        return started[-1]

    yield start
    for traced in reversed(started):
        traced.client.close()
        stop_modules(traced.app)
        shared_engines.release(shared_engines.for_settings(Platform.of(traced.app).settings))


def request_spans(exporter: InMemorySpanExporter, name: str) -> list[ReadableSpan]:
    """The server spans named ``name``."""
    spans = exporter.get_finished_spans()
    return [span for span in spans if span.name == name and span.kind == SpanKind.SERVER]


def children_of(exporter: InMemorySpanExporter, parent: ReadableSpan) -> list[ReadableSpan]:
    """Every span below ``parent`` in its trace, however deep."""
    spans = [
        s for s in exporter.get_finished_spans() if s.context.trace_id == parent.context.trace_id
    ]
    below = {parent.context.span_id}
    found: list[ReadableSpan] = []
    for span in sorted(spans, key=lambda s: s.start_time or 0):
        if span.parent is not None and span.parent.span_id in below:
            below.add(span.context.span_id)
            found.append(span)
    return found


def sign_up_traced(traced: Traced) -> Account:
    """Sign a person up through the traced app, then forget the spans that made them."""
    account = sign_up_through(traced.client)
    traced.exporter.clear()
    return account


def statement_of(span: ReadableSpan) -> str:
    """The SQL of a statement's span."""
    return str((span.attributes or {})["db.statement"])


def test_a_request_is_a_span_named_after_its_route_with_its_sql_below(
    settings: Settings, traced_app: TracedApp
) -> None:
    traced = traced_app(settings)
    ada = sign_up_traced(traced)

    assert traced.client.get(f"/users/{ada.id}", headers=ada.headers).status_code == 200

    [request] = request_spans(traced.exporter, "GET /users/{user_id}")
    assert (request.attributes or {})["http.route"] == "/users/{user_id}"
    below = children_of(traced.exporter, request)
    statements = [statement_of(span) for span in below if span.kind == SpanKind.CLIENT]
    assert statements
    assert all(statement.startswith("SELECT") for statement in statements)


def test_hook_calls_are_spans_named_after_the_hook_below_their_request(
    settings: Settings, traced_app: TracedApp
) -> None:
    traced = traced_app(settings.model_copy(update={"trace_hooks": True}))
    ada = sign_up_traced(traced)
    [skill] = traced.client.get("/skills", params={"limit": 1}).json()["items"]
    listed = [{"skill_id": skill["id"], "intent": "teach"}]

    answer = traced.client.put("/users/me/skills", json=listed, headers=ada.headers)

    assert answer.status_code == 200
    [request] = request_spans(traced.exporter, "PUT /users/me/skills")
    below = children_of(traced.exporter, request)
    [changed] = [span for span in below if span.name == "skills_list_changed"]
    assert "matches" in (changed.attributes or {})[HOOK_MODULES_ATTRIBUTE]  # type: ignore[operator]
    # The matches module's implementation logs the change: its INSERT is the hook's child.
    inside = [
        span for span in below if span.parent and span.parent.span_id == changed.context.span_id
    ]
    assert any(statement_of(span).startswith("INSERT INTO match_changes") for span in inside)


def test_without_hobbymatch_trace_hooks_hook_calls_are_not_spans(
    settings: Settings, traced_app: TracedApp
) -> None:
    traced = traced_app(settings)
    ada = sign_up_traced(traced)
    [skill] = traced.client.get("/skills", params={"limit": 1}).json()["items"]
    listed = [{"skill_id": skill["id"], "intent": "teach"}]

    answer = traced.client.put("/users/me/skills", json=listed, headers=ada.headers)

    assert answer.status_code == 200
    spans = traced.exporter.get_finished_spans()
    assert not [span for span in spans if span.name == "skills_list_changed"]


def test_statements_outside_any_request_are_not_recorded(
    settings: Settings, traced_app: TracedApp
) -> None:
    traced = traced_app(settings)
    traced.exporter.clear()
    with Platform.of(traced.app).session_factory() as db:
        db.execute(text("SELECT 1"))

    assert traced.exporter.get_finished_spans() == ()


def test_a_stopped_app_takes_its_listeners_off_the_engines_it_shared(
    settings: Settings, shared_engines: SharedEngines
) -> None:
    engines = shared_engines.for_settings(settings)
    earlier = create_app(settings, engines=engines, span_exporter=InMemorySpanExporter())
    start_modules(earlier)
    listeners = list(Platform.of(earlier).state_of(AppTracing).listeners)

    stop_modules(earlier)

    assert {engine for engine, _event, _function in listeners} >= {
        engines.engine,
        engines.read_engine,
    }
    assert not any(event.contains(*listener) for listener in listeners)


def test_tracing_is_off_by_default(
    app: FastAPI, client: TestClient, sign_up: Callable[..., Account]
) -> None:
    ada = sign_up()

    assert client.get(f"/users/{ada.id}", headers=ada.headers).status_code == 200

    assert Platform.of(app).settings.tracing == "off"
    assert Platform.of(app).find_state(AppTracing) is None
    # Nor does it set up the process's provider: a span started anywhere records nothing.
    assert not trace.get_tracer("a library").start_span("anything").is_recording()


def test_tracing_on_says_so_in_one_line(
    settings: Settings, traced_app: TracedApp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hobbymatch"):
        traced_app(settings)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("tracing on")]
    assert lines == [
        "tracing on: requests and SQL statements are spans, exported to the "
        "InMemorySpanExporter given"
    ]


def test_tracing_on_without_the_extra_stops_startup_naming_the_setting(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "core.traces", raising=False)
    monkeypatch.delattr(core, "traces", raising=False)
    monkeypatch.setitem(sys.modules, "opentelemetry.instrumentation.fastapi", None)

    with pytest.raises(SettingsError) as raised:
        create_app(settings.model_copy(update={"tracing": "otlp"}))

    assert str(raised.value) == (
        "HOBBYMATCH_TRACING=otlp needs OpenTelemetry, which is not installed "
        "(opentelemetry.instrumentation.fastapi): install the tracing extra "
        "(pip install 'hobbymatch[tracing]'), or unset HOBBYMATCH_TRACING"
    )

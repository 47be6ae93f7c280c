"""The spans of :mod:`core.tracing`, made with OpenTelemetry (the ``tracing`` extra), which
only that file imports, once tracing is on.

- Requests: FastAPI's instrumentation, one server span per request named after its method
  and route template (``GET /users/{user_id}``).
- SQL: SQLAlchemy's, a client span per statement on every engine of the app. A statement run
  outside any span is not recorded: the background threads' polling (the index's sync, the
  replicas' checks, the streams' revocation checks) would otherwise drown the requests.
- Hooks (with ``HOBBYMATCH_TRACE_HOOKS=1``): a span per hook call through pluggy's hook call
  monitoring, named after the hook, listing the modules that answered; what runs inside it
  (SQL, nested hook calls) is its child.
"""

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pluggy
from fastapi import FastAPI
from opentelemetry import context, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpUpDownCounter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
)
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from sqlalchemy import Engine

from core.engine import EngineListener
from core.platform import Platform

TRACER_NAME = "hobbymatch"
# The attribute of a hook call's span listing the modules whose implementations ran, in order.
HOOK_MODULES_ATTRIBUTE = "hobbymatch.hook.modules"


def trace_app(
    app: FastAPI, platform: Platform, exporter: SpanExporter | None
) -> tuple[TracerProvider, list[EngineListener]]:
    """Trace ``app``'s requests, the statements of its engines and (with
    ``HOBBYMATCH_TRACE_HOOKS``) its hook calls, into ``exporter`` span by span, or else into
    the exporter that ``HOBBYMATCH_TRACING`` names, in batches; return the provider, and the
    listeners added to the engines (to take off when the app stops)."""
    provider = tracer_provider(platform.settings.tracing, exporter)
    FastAPIInstrumentor.instrument_app(
        app, tracer_provider=provider, exclude_spans=["receive", "send"]
    )
    tracer = provider.get_tracer(TRACER_NAME)
    listeners = [
        listener
        for engine in _engines_of(platform)
        for listener in trace_statements(tracer, engine)
    ]
    if platform.settings.trace_hooks:
        spans = HookSpans(tracer)
        platform.registry.plugin_manager.add_hookcall_monitoring(spans.before, spans.after)
    return provider, listeners


def tracer_provider(wanted: str, exporter: SpanExporter | None) -> TracerProvider:
    """A provider of the service ``OTEL_SERVICE_NAME`` (``hobbymatch``) that records every
    span but a statement's without a parent, exporting to ``exporter`` or as ``wanted``."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", TRACER_NAME)}),
        sampler=ParentBased(root=RootsOutsideStatements()),
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif wanted == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    else:
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


class RootsOutsideStatements(Sampler):
    """The sampler of the spans that have no parent: a SQL statement's (a client span) is
    dropped, any other (a request, a hook call) recorded."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """Drop a statement's span; record every other."""
        if kind == SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)

    def get_description(self) -> str:
        """The sampler's name, as OpenTelemetry's samplers give theirs."""
        return "RootsOutsideStatements"


def _engines_of(platform: Platform) -> list[Engine]:
    engines = [platform.engine, platform.read_engine]
    if platform.replicas is not None:
        engines += [replica.engine for replica in platform.replicas.replicas]
    return engines


def trace_statements(tracer: trace.Tracer, engine: Engine) -> list[EngineListener]:
    """Give each statement on ``engine`` a span; return the listeners added, to take off.

    SQLAlchemy's instrumentor is process-wide (it would trace every engine the process ever
    makes, for every app); its tracer of one engine is used instead, and the listeners it
    registers are taken out of its process-wide list, to be removed with this app's tracing.
    """
    registered: list[tuple[Any, str, Callable[..., Any]]]
    registered = EngineTracer._remove_event_listener_params
    first = len(registered)
    # The connections are counted by the Prometheus metrics (core.metrics), not by a meter.
    EngineTracer(tracer, engine, NoOpUpDownCounter("db.client.connections.usage"))  # type: ignore[no-untyped-call]
    added = registered[first:]
    del registered[first:]
    return [(engine, identifier, function) for _target, identifier, function in added]


class HookSpans:
    """A span per hook call (pluggy's ``add_hookcall_monitoring``), current while the
    implementations run."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer
        self._open = threading.local()

    def before(
        self, hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]
    ) -> None:
        """Start the call's span and make it current (calls nest within a thread, so a stack
        per thread suffices)."""
        # pluggy runs the implementations from the last registered to the first.
        called = [impl.plugin_name for impl in reversed(hook_impls)]
        span = self._tracer.start_span(hook_name, attributes={HOOK_MODULES_ATTRIBUTE: called})
        token = context.attach(trace.set_span_in_context(span))
        stack: list[tuple[trace.Span, object]] = self._open.__dict__.setdefault("stack", [])
        stack.append((span, token))

    def after(
        self,
        outcome: pluggy.Result[Any],
        hook_name: str,
        hook_impls: Sequence[pluggy.HookImpl],
        kwargs: Mapping[str, Any],
    ) -> None:
        """End the call's span, with the exception it raised, if any."""
        span, token = self._open.__dict__["stack"].pop()
        context.detach(token)
        if outcome.exception is not None:
            span.record_exception(outcome.exception)
            span.set_status(Status(StatusCode.ERROR, type(outcome.exception).__name__))
        span.end()

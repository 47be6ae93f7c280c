"""OpenTelemetry traces, an optional extra (``pip install 'hobbymatch[tracing]'``), off by
default (``HOBBYMATCH_TRACING``).

On, each request is a server span named after its method and route template, each SQL
statement a child span of what runs it, on every engine of the app (the primary, the
autocommit reads, each replica), and, with ``HOBBYMATCH_TRACE_HOOKS=1`` too, each hook call a
span named after the hook (:mod:`core.traces` makes them). ``otlp`` sends the spans in batches
over OTLP/HTTP to the endpoint of the standard variables (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``...; ``http://localhost:4318`` by default); ``console`` prints
them to stdout, for development. ``OTEL_SERVICE_NAME`` names the service (``hobbymatch``).

This file imports no OpenTelemetry: without the extra the core runs as before, and asking for
traces stops startup with one line naming the setting.
"""

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy import event

from core.engine import EngineListener
from core.exceptions import SettingsError
from core.platform import Platform

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger("hobbymatch")

SETTING = "HOBBYMATCH_TRACING"


@dataclass
class AppTracing:
    """One app's tracing, kept on its platform: its tracer provider, and the listeners that
    trace the statements of the app's engines."""

    provider: "TracerProvider"
    listeners: list[EngineListener] = field(default_factory=list)

    def stop(self) -> None:
        """Take the listeners off the engines (which may serve another app next), then send
        the spans still buffered and stop exporting."""
        for engine, identifier, function in self.listeners:
            if event.contains(engine, identifier, function):
                event.remove(engine, identifier, function)
        self.listeners.clear()
        self.provider.shutdown()


def install_tracing(app: FastAPI, exporter: "SpanExporter | None" = None) -> AppTracing | None:
    """Trace ``app`` when ``HOBBYMATCH_TRACING`` is on or ``exporter`` is given, and keep its
    :class:`AppTracing` on its platform; ``None`` when tracing is off.

    :param exporter: where the spans go, each as it ends, whatever the setting says (tests
        give an in-memory exporter); by default, the one the setting names, in batches.
    :raises SettingsError: tracing is on but the ``tracing`` extra is not installed.
    """
    platform = Platform.of(app)
    wanted = platform.settings.tracing
    if exporter is None and wanted == "off":
        return None
    try:
        from core import traces
    except ImportError as error:
        if not (error.name or "").startswith("opentelemetry"):
            raise
        raise SettingsError(
            f"{SETTING}={wanted} needs OpenTelemetry, which is not installed ({error.name}): "
            f"install the tracing extra (pip install 'hobbymatch[tracing]'), or unset {SETTING}"
        ) from None
    provider, listeners = traces.trace_app(app, platform, exporter)
    tracing = AppTracing(provider, listeners)
    platform.keep(tracing)
    traced = "requests, SQL statements and hook calls"
    if not platform.settings.trace_hooks:
        traced = "requests and SQL statements"
    source, destination = _source_and_destination(wanted, exporter)
    logger.info("tracing on%s: %s are spans, %s", source, traced, destination)
    return tracing


def stop_tracing(platform: Platform) -> None:
    """Stop the tracing of ``platform``'s app, if it has any."""
    tracing = platform.forget(AppTracing)
    if tracing is not None:
        tracing.stop()


def _source_and_destination(wanted: str, exporter: "SpanExporter | None") -> tuple[str, str]:
    """What turned tracing on, for the log line, and where the spans go."""
    if exporter is not None:
        return "", f"exported to the {type(exporter).__name__} given"
    if wanted == "console":
        return f" ({SETTING}=console)", "printed to stdout"
    # Never the endpoint itself: like a setting's value, it may hold credentials.
    destination = "sent over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (localhost:4318 if unset)"
    return f" ({SETTING}=otlp)", destination

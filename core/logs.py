"""Log lines: readable text in development, one JSON object per line in production
(``HOBBYMATCH_LOG_FORMAT=json``). Every line logged while a request is answered, in the event
loop or in a worker thread, carries the request's id (``X-Request-ID``) and, once routing has
chosen, the module and the route template answering it; the access line adds the method, the
path, the status and the duration.

No secret reaches a line: a request is named by its path without the query string (where
mailed links and stream tickets carry their tokens), and no line holds a body, a header or a
setting's value.
"""

import logging
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter

from core.platform import Platform

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The handler configure_logging adds, found again by its name on a later call.
_HANDLER_NAME = "hobbymatch"

# The ASGI scope of the request being answered in this context: anyio copies the context
# into the worker threads of `def` routes, so their lines find it too.
_current_request: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "hobbymatch_request", default=None
)


@contextmanager
def request_context(scope: MutableMapping[str, Any]) -> Iterator[None]:
    """Attach the lines logged in this block to the request of ``scope``."""
    token = _current_request.set(scope)
    try:
        yield
    finally:
        _current_request.reset(token)


def route_of(scope: MutableMapping[str, Any]) -> tuple[str | None, str | None]:
    """The module (``core`` for the core's own routes) and the route template that answer
    ``scope``; ``None`` before routing, or when no route matched."""
    route = scope.get("route")
    if route is None:
        return None, None
    # The module whose package defines the route's function.
    defined_in = getattr(getattr(route, "endpoint", None), "__module__", None) or ""
    owner = None
    if defined_in.split(".")[0] == "core":
        owner = "core"
    elif "app" in scope:
        for module in Platform.of(scope["app"]).registry.modules:
            package = module.plugin.__name__
            if defined_in == package or defined_in.startswith(f"{package}."):
                owner = module.name
                break
    return owner, getattr(route, "path", None)


class RequestContextFilter(logging.Filter):
    """Give each line logged during a request the request's id, module and route template
    (``request_id``, ``module``, ``route``), unless the line brings its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the fields; never drops a line."""
        scope = _current_request.get()
        if scope is None:
            return True
        if not hasattr(record, "request_id"):
            record.request_id = scope.get("state", {}).get("request_id")
        if not hasattr(record, "route"):
            # LogRecord has a `module` of its own (the Python file's): the formatter renames.
            record.hobbymatch_module, record.route = route_of(scope)
        return True


def log_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing to ``stream`` (stderr by default) in ``log_format`` (``text`` or
    ``json``), with the request's fields on every line."""
    handler = logging.StreamHandler(stream)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(_formatter(log_format))
    return handler


def _formatter(log_format: str) -> logging.Formatter:
    if log_format != "json":
        return logging.Formatter(TEXT_FORMAT)
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger", "hobbymatch_module": "module"},
        timestamp=True,
    )


def configure_logging(level: str, log_format: str = "text") -> None:
    """Send log lines to stderr in ``log_format``, HobbyMatch's from ``level`` up.

    Unless something else configured logging first (a test's log capture): the root logger
    then keeps its handlers, and only the level is set.
    """
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if handler.get_name() == _HANDLER_NAME]
    if ours:
        ours[0].setFormatter(_formatter(log_format))
    elif not root.handlers:
        root.addHandler(log_handler(log_format))
    logging.getLogger("hobbymatch").setLevel(level)
    if log_format == "json":
        # Uvicorn's own lines (a worker started, a worker died) then go through the same
        # handler, as JSON too (`hobbymatch serve` gives Uvicorn no logging of its own).
        logging.getLogger("uvicorn").setLevel(level)

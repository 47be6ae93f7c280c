"""The app factory.

``create_app(settings)`` builds the app's :class:`~core.platform.Platform` (modules, hooks,
settings, database), mounts the modules' routers and returns the FastAPI app; its lifespan
creates their tables and runs their startup hooks. ``core.main:app`` is built on first access,
so that ``uvicorn core.main:app --reload`` works and importing this file costs nothing.
"""

import asyncio
import gc
import json
import logging
import math
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from anyio.to_thread import current_default_thread_limiter
from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi_offline import FastAPIOffline
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from core import __version__
from core.config import Settings, load_settings
from core.engine import (
    apply_session_defaults,
    check_database,
    describe_database,
    existing_tables,
    init_db,
    is_connection_error,
    schema_lock,
    session_defaults,
    session_defaults_differ,
)
from core.exceptions import DatabaseUnavailableError, DomainError, StartupError
from core.jobs import CORE_TABLES
from core.logs import configure_logging
from core.metrics import AppMetrics, install_metrics
from core.middleware import (
    BodyReadMiddleware,
    InFlightLimitMiddleware,
    RejectNulInQueryMiddleware,
    RequestDeadlineMiddleware,
    RequestLogMiddleware,
    SecurityHeadersMiddleware,
)
from core.migrations import (
    core_tables_missing,
    modules_without_tables,
    require_core_head,
    require_heads,
    stamp_core,
    stamp_created_modules,
)
from core.platform import Engines, Platform, create_platform
from core.replicas import ReadRoutingMiddleware
from core.routing import body_limited_copy
from core.schemas import MAX_REPORTED_ERRORS
from core.tracing import install_tracing, stop_tracing
from core.worker import JobRunner

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter

logger = logging.getLogger("hobbymatch")


def create_app(
    settings: Settings | None = None,
    *,
    engines: Engines | None = None,
    span_exporter: "SpanExporter | None" = None,
) -> FastAPI:
    """Build the HobbyMatch app with the modules that ``settings`` enable.

    :param settings: the configuration; read from the environment and ``.env`` when omitted.
    :param engines: engines on the settings' database, made by
        :func:`~core.platform.create_engines`, for the app to use instead of new ones; it
        leaves them open when it stops, for their maker to close or to give to the next app
        (the test kit does, between test apps).
    :param span_exporter: trace the app into this OpenTelemetry exporter, span by span,
        whatever ``HOBBYMATCH_TRACING`` says (tests give an in-memory one; core.tracing).
    :raises StartupError: an invalid setting or a module that cannot load (one line).
    """
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)
    platform = create_platform(settings, engines)
    if settings.is_default_database:
        logger.info(
            "HOBBYMATCH_DATABASE_URL is unset: using the embedded %s",
            describe_database(platform.engine.url),
        )
    app = FastAPIOffline(
        title="HobbyMatch",
        version=__version__,
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        static_url=OFFLINE_DOCS_ASSETS,
    )
    _add_documentation_pages(app)
    app.state.platform = platform
    install_tracing(app, span_exporter)
    metrics = install_metrics(app)
    _add_middleware(app, settings, metrics)
    _add_exception_handlers(app)
    app.include_router(_core_router(), tags=["core"])
    _include_module_routers(app, platform)
    _document_body_errors(app, settings.max_body_bytes)
    return app


def _include_module_routers(app: FastAPI, platform: Platform) -> None:
    # Routes are tried in order and the first whose path matches answers, valid or not: one
    # module's `/users/{user_id}` would answer another's `/users/nearby` with a 422. A literal
    # path is never meant to be shadowed by a parameter, so every module's literal paths are
    # mounted first, then every module's paths with parameters, each in load order. Each route
    # is mounted as a BodyLimitedRoute: a StrictBody over its model's limit is refused 413
    # before it is parsed (core.routing).
    literal: list[tuple[str, APIRouter]] = []
    parametrised: list[tuple[str, APIRouter]] = []
    for module in platform.registry.modules:
        for router in module.routers:
            with_literal_paths, with_parameters = APIRouter(), APIRouter()
            for route in router.routes:
                has_parameters = "{" in str(getattr(route, "path", ""))
                mounted = body_limited_copy(route)
                (with_parameters if has_parameters else with_literal_paths).routes.append(mounted)
            literal.append((module.name, with_literal_paths))
            parametrised.append((module.name, with_parameters))
    for name, router in [*literal, *parametrised]:
        if router.routes:
            app.include_router(router, tags=[name])


def _document_body_errors(app: FastAPI, max_bytes: int) -> None:
    # Every operation that reads a body answers 400 to one that does not parse and 413 to one
    # over the limit, before any module's code runs. The schema says so, or clients (and the
    # stateful fuzzing phase) meet status codes it never mentions.
    errors = {
        "400": {"description": "The body cannot be parsed (not UTF-8, or nested too deeply)"},
        "413": {
            "description": f"The body is larger than {max_bytes} bytes, or than the "
            "operation's kind of body may be (64 KiB for an object)"
        },
    }
    build = app.openapi

    def openapi() -> dict[str, Any]:
        first_build = app.openapi_schema is None
        schema = build()
        for operation in _operations(schema) if first_build else ():
            if "requestBody" in operation:
                for status_code, response in errors.items():
                    operation["responses"].setdefault(status_code, response)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path in schema.get("paths", {}).values():
        yield from path.values()


def start_modules(app: FastAPI) -> None:
    """Prepare the schema (:func:`prepare_database`), then run the enabled modules' startup
    hooks in load order; an app started already is left as it is.

    :raises DatabaseUnavailableError: the database does not answer.
    :raises MigrationError: in migrations mode, a module is not at its head.
    """
    platform = Platform.of(app)
    if platform.started:
        # Started already (a test app, then a TestClient's lifespan): a second start would
        # run every startup hook again, and leave the first one's background threads behind.
        return
    prepare_database(platform)
    with platform.session_factory() as db:
        platform.hook.hobbymatch_startup(app=app, settings=platform.settings, db=db)
        db.commit()
    if platform.replicas is not None:
        platform.replicas.start()
    platform.started = True


def prepare_database(platform: Platform) -> None:
    """Check that the database answers, then prepare its schema: create the missing tables
    (stamped at their modules' migration heads), or with ``HOBBYMATCH_SCHEMA=migrations``
    require every head. No module's startup hook runs (a command's session needs none).

    :raises DatabaseUnavailableError: the database does not answer.
    :raises MigrationError: in migrations mode, a module is not at its head.
    """
    check_database(platform.engine)
    timeout = platform.settings.database_statement_timeout
    if platform.settings.schema_mode == "migrations":
        require_heads(platform.registry, platform.engine)
        require_core_head(platform.registry, platform.engine)
        if session_defaults_differ(platform.engine, timeout):
            logger.warning(
                "this database role's sessions do not start with %s: run `hobbymatch db "
                "upgrade`, which sets them (docs/operations.md, Session settings)",
                ", ".join(f"{name} = {value}" for name, value in session_defaults(timeout).items()),
            )
    else:
        # One worker at a time: two that both saw no tables would both create them.
        with schema_lock(platform.engine):
            apply_session_defaults(platform.engine, timeout)
            existing = existing_tables(platform.engine)
            created = modules_without_tables(platform.registry, existing)
            core_created = core_tables_missing(existing)
            init_db(platform.engine, [*CORE_TABLES, *platform.registry.tables], existing=existing)
            stamp_created_modules(platform.registry, platform.engine, created)
            if core_created:
                stamp_core(platform.registry, platform.engine)


# Threads per process for `def` routes and sync dependencies: HOBBYMATCH_WORKER_THREADS, 4 by
# default (Starlette's default is 40). The GIL runs one at a time; four still overlap one
# request's database round trip with another's Python work. More only queue for the GIL, and
# under overload a thread preempted while holding it stalls them all: with 40, two workers and
# 256 connections on a 2-core machine, some requests waited over 5 s; with 4, none over 0.6 s,
# at the same throughput (docs/performance.md, "Performance, measured"). Requests beyond them
# wait in the event loop, holding no thread and no connection (the in-flight limit).


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    await run_in_threadpool(start_modules, app)
    platform = Platform.of(app)
    current_default_thread_limiter().total_tokens = platform.settings.worker_threads
    if platform.settings.runs_jobs_in_process:
        start_jobs(app)
    yield
    stop_modules(app)


def start_jobs(app: FastAPI, concurrency: int = 1) -> JobRunner:
    """Run ``app``'s jobs in this process, in ``concurrency`` threads, until
    :func:`stop_modules`; the app must be started."""
    platform = Platform.of(app)
    runner = JobRunner(platform, concurrency=concurrency)
    platform.keep(runner)
    runner.start()
    if not platform.registry.jobs:
        logger.info("no enabled module declares a job: no worker runs in this process")
        return runner
    logger.info(
        "running jobs in this process (%d at a time) on %s",
        concurrency,
        describe_database(platform.engine.url),
    )
    return runner


def stop_modules(app: FastAPI) -> None:
    """Let the jobs running in this process finish, run the enabled modules' shutdown hooks in
    load order, then close the database (unless the app was given its engines)."""
    platform = Platform.of(app)
    runner = platform.forget(JobRunner)
    if runner is not None:
        runner.stop()
    platform.hook.hobbymatch_shutdown(app=app)
    metrics = platform.find_state(AppMetrics)
    if metrics is not None:
        metrics.pools.unwatch()
    stop_tracing(platform)
    platform.close()
    platform.started = False


# /docs and /redoc load Swagger UI and ReDoc from the installed fastapi-offline package, which
# serves them here, never from a CDN: the documentation works on a machine without internet.
# The pages are this module's functions, which read the app from the request, rather than
# fastapi-offline's: those close over their app, and FastAPI keeps the endpoints it has seen in
# caches 4,096 long, which kept every app a process had made alive (168 in tests/users).
OFFLINE_DOCS_ASSETS = "/static-offline-docs"


def _add_documentation_pages(app: FastAPI) -> None:
    app.add_api_route("/docs", _swagger_ui_page, include_in_schema=False)
    if app.swagger_ui_oauth2_redirect_url:
        app.add_api_route(
            app.swagger_ui_oauth2_redirect_url, _swagger_ui_redirect, include_in_schema=False
        )
    app.add_api_route("/redoc", _redoc_page, include_in_schema=False)


async def _swagger_ui_page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    app: FastAPI = request.app
    return get_swagger_ui_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} - Swagger UI",
        oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
        swagger_js_url=f"{root}{OFFLINE_DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{OFFLINE_DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{OFFLINE_DOCS_ASSETS}/favicon.png",
        swagger_ui_parameters=app.swagger_ui_parameters,
    )


async def _swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


async def _redoc_page(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    app: FastAPI = request.app
    return get_redoc_html(
        openapi_url=f"{root}{app.openapi_url}",
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{root}{OFFLINE_DOCS_ASSETS}/redoc.standalone.js",
        with_google_fonts=False,
        redoc_favicon_url=f"{root}{OFFLINE_DOCS_ASSETS}/favicon.png",
    )


def _core_router() -> APIRouter:
    router = APIRouter()
    probe = _ReadinessProbe()

    @router.get("/", summary="What this server is and which modules it runs")
    async def describe(request: Request) -> dict[str, Any]:
        return {
            "name": "HobbyMatch",
            "version": __version__,
            "modules": Platform.of(request).registry.names,
        }

    @router.get("/health", summary="Liveness: the process answers (the database is not touched)")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/ready",
        summary="Readiness: the database answers",
        responses={503: {"description": "The database does not answer"}},
    )
    async def ready(request: Request) -> JSONResponse:
        if not await probe.database_answers(Platform.of(request).engine):
            return JSONResponse(
                {"status": "unavailable", "detail": "the database does not answer"}, status_code=503
            )
        return JSONResponse({"status": "ready"})

    return router


# /ready answers within this many seconds, whatever the database does: a load balancer's
# readiness check must not hang on a frozen database.
READY_TIMEOUT = 1.5


class _ReadinessProbe:
    """One ``SELECT 1`` at a time per app, each waited for at most ``READY_TIMEOUT``: checks
    that arrive while one is running share its answer, so that a database that hangs holds
    one worker thread, not one per check."""

    def __init__(self) -> None:
        self._check: asyncio.Task[bool] | None = None

    async def database_answers(self, engine: Engine) -> bool:
        """Whether ``SELECT 1`` answers within ``READY_TIMEOUT`` seconds."""
        check = self._check
        if check is None or check.done():
            check = self._check = asyncio.ensure_future(
                run_in_threadpool(_database_answers, engine)
            )
        done, _pending = await asyncio.wait({check}, timeout=READY_TIMEOUT)
        return bool(done) and check.result()


def _database_answers(engine: Engine) -> bool:
    try:
        check_database(engine)
    except DatabaseUnavailableError:
        return False
    return True


def _add_middleware(app: FastAPI, settings: Settings, metrics: AppMetrics) -> None:
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    # Inside the in-flight limit: a read answered again keeps its slot.
    app.add_middleware(
        ReadRoutingMiddleware,
        cookie_seconds=math.ceil(settings.replica_max_lag) + 1,
        replicas=bool(settings.replica_urls),
        exempt=frozenset({"/health", "/ready"}),
    )
    # No more requests at once than worker threads: a request holding a transaction then never
    # waits for a thread, so a pooler's server pool smaller than the app pools slows requests
    # down but never freezes them (docs/operations.md, "Behind PgBouncer").
    app.add_middleware(
        InFlightLimitMiddleware, limit=settings.requests_in_flight, exempt=frozenset({"/health"})
    )
    # Outside the in-flight limit, so that waiting for a slot counts too; /ready bounds its own.
    app.add_middleware(
        RequestDeadlineMiddleware,
        timeout=settings.request_timeout,
        exempt=frozenset({"/health", "/ready"}),
    )
    app.add_middleware(
        BodyReadMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout=settings.body_read_timeout,
    )
    app.add_middleware(RejectNulInQueryMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestLogMiddleware, metrics=metrics.http)
    if settings.trusted_proxies:
        # Outermost, so that the log line and every module see the forwarded client. Only the
        # named proxies are believed: a client's own X-Forwarded-For would otherwise let it
        # choose its address, and with it the per-address login throttle's key.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)


def _add_exception_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, error: DomainError) -> JSONResponse:
        body = {"detail": error.detail, **error.extra}
        return JSONResponse(body, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: DBAPIError) -> JSONResponse:
        if is_connection_error(error):
            return JSONResponse(
                {"detail": "the database is unavailable; try again shortly"},
                status_code=503,
                headers={"Retry-After": "5"},
            )
        if isinstance(error, IntegrityError):
            return JSONResponse(
                {"detail": "the request conflicts with existing data"}, status_code=409
            )
        return await _internal_error(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        allowed = _methods_of_path(app, request.url.path) if error.status_code == 405 else None
        if not allowed:
            return await http_exception_handler(request, error)
        # Starlette's Allow names the methods of the first route on the path; a path served
        # by several routes (GET, PUT and POST /users/me/skills) allows all of theirs.
        headers = {"Allow": ", ".join(sorted(allowed))}
        return JSONResponse({"detail": error.detail}, status_code=405, headers=headers)

    # A plain function: Starlette runs it in the thread pool, so that rendering even a long
    # list of errors never holds the event loop (which serves /health and every other request).
    @app.exception_handler(RequestValidationError)
    def validation_error(_request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": public_errors(error.errors())}, status_code=422)

    app.add_exception_handler(Exception, _internal_error)


def _methods_of_path(app: FastAPI, path: str) -> set[str]:
    # Read from the schema: the routes of included routers are not public in FastAPI.
    methods: set[str] = set()
    for template, operations in app.openapi()["paths"].items():
        if compile_path(template)[0].match(path):
            methods |= {method.upper() for method in operations if method.upper() in _METHODS}
    return methods


_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


def public_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """FastAPI's validation errors without what the client sent: no ``input`` (it may be a
    password) and no ``ctx``, and any text made encodable (a lone surrogate in a field name
    would otherwise make the answer itself fail).

    Bounded whatever was sent: the first ``MAX_REPORTED_ERRORS`` errors that fit in
    ``MAX_ERROR_BYTES`` (each with its texts cut short), then, if any were left out, one entry
    of type ``too_many_errors`` saying so.
    """
    shown: list[dict[str, Any]] = []
    size = 0
    for error in errors[:MAX_REPORTED_ERRORS]:
        entry = _public_error(error)
        size += len(json.dumps(entry, ensure_ascii=False).encode("utf-8"))
        if shown and size > MAX_ERROR_BYTES:
            break
        shown.append(entry)
    if len(errors) > len(shown):
        listed = f"only the first {len(shown)} errors are listed"
        shown.append({"type": "too_many_errors", "loc": [], "msg": listed})
    return shown


# What the errors of one 422 may take, in bytes of JSON; each loc part and message is cut to
# a length that keeps one error well below it.
MAX_ERROR_BYTES = 4096
_MAX_LOC_PARTS = 6
_MAX_TEXT = 80


def _public_error(error: Any) -> dict[str, Any]:
    loc = [_cut(part) if isinstance(part, str) else part for part in error["loc"]]
    return {"type": error["type"], "loc": loc[:_MAX_LOC_PARTS], "msg": _cut(error["msg"], 200)}


def _cut(text: str, length: int = _MAX_TEXT) -> str:
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= length else f"{text[: length - 1]}…"


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    logger.error("unhandled error in request %s", request_id, exc_info=error)
    return JSONResponse(
        {"detail": "internal server error", "request_id": request_id}, status_code=500
    )


def serveable(
    app: FastAPI,
) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Wrap ``app`` for serving: a ``StartupError`` in the lifespan is reported as its one
    line, and once startup is complete the heap it built is frozen out of garbage collection.

    Starlette reports a failed startup with the whole traceback; Uvicorn prints it. The message
    is replaced while the error is being handled, which is when Starlette sends it.
    """

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return

        async def send_one_line(message: Message) -> None:
            error = sys.exc_info()[1]
            if message["type"] == "lifespan.startup.failed" and isinstance(error, StartupError):
                message = {**message, "message": f"hobbymatch: {error}"}
            if message["type"] == "lifespan.startup.complete":
                freeze_startup_heap()
            await send(message)

        await app(scope, receive, send_one_line)

    return asgi


def freeze_startup_heap() -> None:
    """Collect the garbage of startup, then move every object left (the modules' code, routes,
    schemas, tables: about 190,000 objects with the in-tree modules) out of the collector's
    reach for the life of the process.

    Every full collection walks every tracked object. Left in, they made each one take 90 to
    160 ms on this 2-core machine, holding the GIL and so the event loop, several times in the
    first second of serving and every 3 s under load: that was the served app's p99
    (docs/performance.md, "The tail"). Frozen, a full collection walks what requests left
    behind, in about 3 ms. Done once, in a served process only: a test process making many
    apps would keep each one's objects for good.
    """
    gc.collect()
    gc.freeze()


def _build_served_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    try:
        return serveable(create_app())
    except StartupError as error:
        print(f"hobbymatch: {error}", file=sys.stderr)
        raise SystemExit(1) from None


def __getattr__(name: str) -> Any:
    """Build ``core.main:app`` on first access (this is what Uvicorn imports)."""
    if name == "app":
        served = _build_served_app()
        globals()["app"] = served
        return served
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

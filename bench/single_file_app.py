"""Baseline (b) of bench/http_load.py: HobbyMatch's endpoint code in one hand-written app.

The users module's router, ``core.database.get_db`` with the same engine and pool, the same
thread pool, middleware and error handlers — but no app factory, no other module and no hook
called per request. The difference between this and ``hobbymatch serve`` is what the module
system costs per request.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio.to_thread import current_default_thread_limiter
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from core.config import load_settings
from core.exceptions import DomainError
from core.metrics import HttpMetrics
from core.middleware import (
    BodyReadMiddleware,
    InFlightLimitMiddleware,
    RejectNulInQueryMiddleware,
    RequestLogMiddleware,
)
from core.platform import create_platform
from modules.users.router import router


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """The same thread pool as HobbyMatch's."""
    current_default_thread_limiter().total_tokens = SETTINGS.worker_threads
    yield


app = FastAPI(lifespan=lifespan)
# The users router reads its database and settings from the app's platform; no module hook runs.
SETTINGS = load_settings(modules=["users"])
app.state.platform = create_platform(SETTINGS)
app.add_middleware(
    InFlightLimitMiddleware, limit=SETTINGS.requests_in_flight, exempt=frozenset({"/health"})
)
app.add_middleware(BodyReadMiddleware, max_bytes=1_048_576, timeout=10.0)
app.add_middleware(RejectNulInQueryMiddleware)
app.add_middleware(RequestLogMiddleware, metrics=HttpMetrics())
app.include_router(router)


@app.exception_handler(DomainError)
async def domain_error(_request: object, error: DomainError) -> JSONResponse:
    """The same answer as HobbyMatch's to a domain error (404 for an unknown user)."""
    body = {"detail": error.detail, **error.extra}
    return JSONResponse(body, status_code=error.status_code, headers=error.headers)


@app.get("/health")
async def health() -> dict[str, str]:
    """Liveness, as HobbyMatch answers it."""
    return {"status": "ok"}

"""Baseline (b) of bench/http_load.py: HobbyMatch's endpoint code in one hand-written app.

The users module's router, ``core.database.get_db`` with the same engine and pool, the same
thread pool, middleware and error handlers — but no settings object, no discovery, no pluggy,
no hooks. The difference between this and ``hobbymatch serve`` is what the module system costs
per request.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio.to_thread import current_default_thread_limiter
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from core.database import POOL_SIZE, configure_engine
from core.exceptions import DomainError
from core.main import WORKER_THREADS
from core.middleware import (
    BodySizeLimitMiddleware,
    InFlightLimitMiddleware,
    RejectNulInQueryMiddleware,
    RequestLogMiddleware,
)
from modules.users.router import router

configure_engine(os.environ["HOBBYMATCH_DATABASE_URL"])


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """The same thread pool as HobbyMatch's."""
    current_default_thread_limiter().total_tokens = WORKER_THREADS
    yield


app = FastAPI(lifespan=lifespan)
app.add_middleware(InFlightLimitMiddleware, limit=POOL_SIZE, exempt=frozenset({"/health"}))
app.add_middleware(BodySizeLimitMiddleware, max_bytes=1_048_576)
app.add_middleware(RejectNulInQueryMiddleware)
app.add_middleware(RequestLogMiddleware)
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

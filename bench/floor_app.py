"""Baseline (a) of bench/http_load.py, the floor: GET /users/{id} as a bare Starlette endpoint with
one raw psycopg query on an async pool of 4 autocommit connections, and GET /health. No ORM, no
validation, no thread hops: the fastest these are served from Python here.
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

pool = AsyncConnectionPool(
    os.environ["BENCH_DSN"], min_size=4, max_size=4, open=False, kwargs={"autocommit": True}
)
QUERY = "SELECT id::text, display_name, bio, created_at FROM users WHERE id = %s AND is_active"


async def read_user(request: Request) -> Response:
    """One user's public profile, or 404."""
    async with pool.connection() as connection:
        cursor = await connection.execute(QUERY, (request.path_params["user_id"],))
        row = await cursor.fetchone()
    if row is None:
        return Response(
            b'{"detail":"user not found"}', status_code=404, media_type="application/json"
        )
    body = {"id": row[0], "display_name": row[1], "bio": row[2], "created_at": row[3].isoformat()}
    return Response(json.dumps(body), media_type="application/json")


async def health(_request: Request) -> Response:
    """Liveness, as HobbyMatch answers it."""
    return Response(b'{"status":"ok"}', media_type="application/json")


@asynccontextmanager
async def lifespan(_app: Starlette) -> AsyncIterator[None]:
    """Open the pool with the app, close it with the app."""
    await pool.open()
    yield
    await pool.close()


app = Starlette(
    routes=[Route("/users/{user_id}", read_user), Route("/health", health)], lifespan=lifespan
)

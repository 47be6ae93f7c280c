"""The hot read path: for the few ``GET`` endpoints that dominate traffic.

An ordinary route (``def`` route, ``db: Session = Depends(get_db)``, ORM models,
``response_model``) costs several thread-pool hops and an ORM session per request. A route
decorated with :func:`hot_read` instead runs its function once, in one worker thread, on a
SQLAlchemy Core connection in autocommit (one round trip per statement: no BEGIN, no
ROLLBACK, no ping), and serializes the answer to JSON bytes in the same thread with
pydantic-core; the event loop only sends the bytes. The route keeps its ``response_model``
for the documentation::

    @router.get("/users/{user_id}", response_model=UserPublic, dependencies=[ReadsFromReplica])
    @hot_read
    def read_user(connection: Connection, user_id: uuid.UUID) -> UserPublic:
        return service.public_profile(connection, user_id=user_id)

The function's first parameter receives the connection; the others are the route's
parameters, as FastAPI reads them (path, query, plain dependencies). Its return annotation is
what is serialized. It must only read. A connection found dead is replaced and the function
run once more; a route that opts in with ``ReadsFromReplica`` reads from a fresh replica like
an ordinary one.
"""

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, get_type_hints

from fastapi import Request, Response
from pydantic import TypeAdapter
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from core.database import read_engine_for, read_failed
from core.engine import is_connection_error

_REQUEST_PARAMETER = "hot_read_request"


def hot_read(function: Callable[..., Any]) -> Callable[..., Awaitable[Response]]:
    """Turn ``function(connection, **parameters) -> Model`` into a route endpoint answering
    its result as JSON, read and serialized in one worker-thread hop (see the module's
    documentation)."""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if not parameters:
        raise TypeError(f"{function.__qualname__}: the first parameter takes the connection")
    adapter: TypeAdapter[Any] = TypeAdapter(get_type_hints(function)["return"])

    @functools.wraps(function)
    async def endpoint(**arguments: Any) -> Response:
        request: Request = arguments.pop(_REQUEST_PARAMETER)
        read = functools.partial(_read_as_json, request, function, adapter, arguments)
        return Response(await run_in_threadpool(read), media_type="application/json")

    request_parameter = inspect.Parameter(
        _REQUEST_PARAMETER, inspect.Parameter.KEYWORD_ONLY, annotation=Request
    )
    route_parameters = [
        parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY) for parameter in parameters[1:]
    ]
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[request_parameter, *route_parameters], return_annotation=Response
    )
    del endpoint.__wrapped__  # FastAPI must read the new signature, not the function's
    return endpoint


def _read_as_json(
    request: Request,
    function: Callable[..., Any],
    adapter: TypeAdapter[Any],
    arguments: dict[str, Any],
) -> bytes:
    engine, replica = read_engine_for(request)
    try:
        return _run(engine, function, adapter, arguments)
    except DBAPIError as error:
        # A pooled connection that died (a restarted server, a dropped link) is found here,
        # not by a ping before every use; the pool then replaces every connection as old. A
        # replica that failed is skipped, and the primary answers.
        if not is_connection_error(error):
            raise
    return _run(read_failed(request, replica), function, adapter, arguments)


def _run(
    engine: Engine,
    function: Callable[..., Any],
    adapter: TypeAdapter[Any],
    arguments: dict[str, Any],
) -> bytes:
    with engine.connect() as connection:
        result = function(connection, **arguments)
    return adapter.dump_json(result)

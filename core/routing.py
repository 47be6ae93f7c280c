"""The one-hop path for ordinary routes.

FastAPI runs each sync dependency, a ``def`` endpoint and the validation of its answer in a
thread-pool turn of its own: ``GET /users/me`` made three hops (``current_user``, the
endpoint, the response), each a wait for a worker thread and for the event loop again. The
core mounts every module's route as a :class:`OneHopRoute`, which serves an eligible route in
ONE worker-thread hop: the body is read on the event loop, then one thread runs FastAPI's own
request handler for the route to the end — its dependencies, the endpoint, the response's
validation and serialization to bytes — closes the request's database sessions, and hands the
event loop a finished response.

That handler is a coroutine; it can be driven to completion in a thread because, on a
rewritten copy of the route's dependency tree, nothing in it waits for the event loop:

- each sync dependency and the endpoint are called through an ``async def`` that calls them
  directly (we are already in a worker thread), so FastAPI awaits them instead of sending
  them to the thread pool, and validates the answer in place;
- :func:`core.database.get_db` becomes a plain dependency that opens the session; the hop
  closes it (rolling back what was not committed) before the response leaves;
- async dependencies are kept only if their code holds no ``await``, ``async for`` or
  ``async with`` (FastAPI's security schemes, ``ReadsFromReplica``): they cannot suspend.

Decided once, when the route is built. A route with anything else — an ``async def``
endpoint, a streaming answer, a form body, another dependency with ``yield``, an async
dependency that awaits, a concurrency limit — keeps FastAPI's ordinary handler, and so does any
request while the app has dependency overrides. Errors leave the hop as exceptions and are
answered by the app's exception handlers, as before.
"""

import copy
import dataclasses
import dis
import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from anyio import to_thread
from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, get_request_handler
from fastapi.sse import EventSourceResponse
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute

from core.database import RequestSession, get_db
from core.schemas import StrictBody

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# Where a request served in one hop keeps the sessions its get_db opened, for the hop to close.
_SESSIONS = "hobbymatch.one_hop_sessions"

# The opcodes by which a coroutine can suspend: await, async for, async with.
_SUSPENDING_OPCODES = frozenset({"GET_AWAITABLE", "GET_AITER", "GET_ANEXT", "BEFORE_ASYNC_WITH"})


class OneHopRoute(APIRoute):
    """An ``APIRoute`` that serves a ``def`` route in one worker-thread hop when its
    dependencies allow it (see the module's documentation), and as FastAPI does otherwise."""

    def get_route_handler(self) -> Handler:
        """FastAPI's handler, or one that runs it in a single worker-thread hop.

        The one-hop handler solves a copy of this route's own dependency tree: the core
        includes module routers with no prefix and no dependencies of its own, so that tree is
        the one FastAPI would solve for the included route."""
        handler = super().get_route_handler()
        dependant = self._one_hop_dependant()
        if dependant is None:
            return handler
        in_thread = get_request_handler(
            dependant=dependant,
            body_field=self.body_field,
            status_code=self.status_code,
            response_class=self.response_class,
            response_field=self.response_field,
            response_model_include=self.response_model_include,
            response_model_exclude=self.response_model_exclude,
            response_model_by_alias=self.response_model_by_alias,
            response_model_exclude_unset=self.response_model_exclude_unset,
            response_model_exclude_defaults=self.response_model_exclude_defaults,
            response_model_exclude_none=self.response_model_exclude_none,
            embed_body_fields=self._embed_body_fields,
            strict_content_type=self.strict_content_type,
            form_limits=self.form_limits,
        )
        reads_body = self.body_field is not None
        body_limit = _body_limit(self.body_field)

        async def one_hop(request: Request) -> Response:
            if getattr(request.app, "dependency_overrides", None):
                return await handler(request)
            if reads_body:
                # On the event loop, so that nothing in the hop waits for it (the body is
                # already buffered by the core's BodyReadMiddleware).
                body = await request.body()
                if body_limit is not None and len(body) > body_limit:
                    return _body_too_large(body_limit)
            return await to_thread.run_sync(_serve_in_one_hop, in_thread, request)

        return one_hop

    def _one_hop_dependant(self) -> Dependant | None:
        endpoint = self.dependant.call
        if (
            endpoint is None
            or inspect.iscoroutinefunction(endpoint)
            or self.is_json_stream
            or self.is_sse_stream
            or _is_streaming(self.response_class)
            or (self.body_field is not None and isinstance(self.body_field.field_info, params.Form))
        ):
            return None
        return _rewritten(self.dependant, {})


def _body_limit(body_field: Any) -> int | None:
    # The StrictBody model's own limit, when the body is one.
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    if isinstance(model, type) and issubclass(model, StrictBody):
        return model.max_body_bytes
    return None


def _body_too_large(limit: int) -> Response:
    # Refused before the JSON is parsed: parsing holds the GIL throughout, about 20 ms for
    # 1 MB of small members, and every other request of the process waits meanwhile.
    return JSONResponse({"detail": f"request body is larger than {limit} bytes"}, status_code=413)


def _is_streaming(response_class: Any) -> bool:
    actual = getattr(response_class, "value", response_class)
    return inspect.isclass(actual) and issubclass(actual, (StreamingResponse, EventSourceResponse))


def one_hop_copy(route: BaseRoute) -> BaseRoute:
    """``route`` as the source of a :class:`OneHopRoute`, for ``include_router``: a shallow
    copy whose class is ``OneHopRoute``. FastAPI builds each included route anew, of the class
    of its source, from the source's options; building it once there, and not here as well,
    keeps an app's construction as cheap as before (each build analyses the route's
    dependencies). Any other route (a module's own route class, a mount, a websocket) is
    returned unchanged."""
    if type(route) is not APIRoute:
        return route
    source = copy.copy(route)
    source.__class__ = OneHopRoute
    return source


def _rewritten(
    dependant: Dependant, direct_calls: dict[Callable[..., Any], Callable[..., Any]]
) -> Dependant | None:
    # A copy of the tree that never leaves the thread, or None if some part of it must.
    call = dependant.call
    if call is None or dependant.concurrency is not None:
        return None
    if call is get_db:
        new_call: Callable[..., Any] = _session_in_one_hop
    elif inspect.isasyncgenfunction(call) or _is_generator(call):
        return None
    elif _is_async(call):
        if not _never_suspends(call):
            return None
        new_call = call
    else:
        # One wrapper per function, so that FastAPI's per-request cache (keyed by the call)
        # still runs a dependency used twice once.
        new_call = direct_calls.setdefault(call, _called_directly(call))
    dependencies = [_rewritten(sub, direct_calls) for sub in dependant.dependencies]
    if any(sub is None for sub in dependencies):
        return None
    return dataclasses.replace(
        dependant, call=new_call, dependencies=[sub for sub in dependencies if sub is not None]
    )


def _is_generator(call: Callable[..., Any]) -> bool:
    return inspect.isgeneratorfunction(call) or inspect.isgeneratorfunction(
        getattr(call, "__call__", None)  # noqa: B004
    )


def _is_async(call: Callable[..., Any]) -> bool:
    if inspect.isclass(call):
        return False
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004
    )


def _never_suspends(call: Callable[..., Any]) -> bool:
    function = call if inspect.isfunction(call) or inspect.ismethod(call) else call.__call__  # type: ignore[operator]
    function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    return not any(
        instruction.opname in _SUSPENDING_OPCODES for instruction in dis.get_instructions(code)
    )


def _called_directly(call: Callable[..., Any]) -> Callable[..., Coroutine[Any, Any, Any]]:
    async def direct(**arguments: Any) -> Any:
        return call(**arguments)

    # The function's names for FastAPI's error messages and traces; no __wrapped__, which
    # would make FastAPI see the sync function again.
    direct.__name__ = getattr(call, "__name__", direct.__name__)
    direct.__qualname__ = getattr(call, "__qualname__", direct.__qualname__)
    direct.__module__ = getattr(call, "__module__", direct.__module__)
    return direct


async def _session_in_one_hop(connection: HTTPConnection) -> Any:
    # get_db inside the hop: opens the session; _serve_in_one_hop closes it.
    request_session = RequestSession.open(connection)
    connection.scope[_SESSIONS].append(request_session)
    return request_session.session


def _serve_in_one_hop(handler: Handler, request: Request) -> Response:
    sessions: list[RequestSession] = []
    request.scope[_SESSIONS] = sessions
    try:
        response = _run_to_completion(handler(request))
    except Exception as error:
        for request_session in sessions:
            request_session.failed(error)
        raise
    finally:
        for request_session in sessions:
            request_session.close()
    return response


def _run_to_completion(coroutine: Coroutine[Any, Any, Response]) -> Response:
    # Every await in the rewritten handler finishes at once: it never yields to an event loop.
    try:
        coroutine.send(None)
    except StopIteration as finished:
        response: Response = finished.value
        return response
    coroutine.close()
    raise RuntimeError("a one-hop route waited for the event loop; it must not be one-hop")

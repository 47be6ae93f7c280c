"""The route class the core mounts every module's route with.

:class:`BodyLimitedRoute` is FastAPI's ``APIRoute`` with one addition: a route whose body is a
:class:`core.schemas.StrictBody` refuses a body over the model's ``max_body_bytes`` with a 413
before the JSON is parsed. Parsing holds the GIL throughout (about 20 ms for 1 MB of small
members) and every other request of the process waits meanwhile; the app's own
``max_body_bytes`` is far larger, for the bodies of other kinds.

The core wraps a module's handler, through FastAPI's documented ``get_route_handler``; it
calls no private part of FastAPI.
"""

import copy
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from core.schemas import StrictBody

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class BodyLimitedRoute(APIRoute):
    """An ``APIRoute`` that answers 413 to a body over its ``StrictBody`` model's limit,
    unparsed; any other route is served exactly as FastAPI serves it."""

    def get_route_handler(self) -> Handler:
        """FastAPI's handler, behind the body's size check when the body is a StrictBody."""
        handler = super().get_route_handler()
        limit = _body_limit(self.body_field)
        if limit is None:
            return handler

        async def limited(request: Request) -> Response:
            # The body is already buffered by the core's BodyReadMiddleware: reading it here
            # costs nothing, and FastAPI reads the same bytes again.
            if len(await request.body()) > limit:
                return _body_too_large(limit)
            return await handler(request)

        return limited


def body_limited_copy(route: BaseRoute) -> BaseRoute:
    """``route`` as the source of a :class:`BodyLimitedRoute`, for ``include_router``: a
    shallow copy whose class is ``BodyLimitedRoute``. FastAPI builds each included route anew,
    of the class of its source, from the source's options; building it once there, and not
    here as well, keeps an app's construction as cheap as before. Any other route (a module's
    own route class, a mount, a websocket) is returned unchanged."""
    if type(route) is not APIRoute:
        return route
    source = copy.copy(route)
    source.__class__ = BodyLimitedRoute
    return source


def _body_limit(body_field: Any) -> int | None:
    # The StrictBody model's own limit, when the body is one.
    model = getattr(getattr(body_field, "field_info", None), "annotation", None)
    if isinstance(model, type) and issubclass(model, StrictBody):
        return model.max_body_bytes
    return None


def _body_too_large(limit: int) -> Response:
    return JSONResponse({"detail": f"request body is larger than {limit} bytes"}, status_code=413)

"""The in-flight limit: requests beyond it wait; an event stream gives its slot back as it
starts, so that open streams never starve ordinary requests."""

import asyncio

from starlette.types import Message, Receive, Scope, Send

from core.middleware import InFlightLimitMiddleware


def http_scope(path: str) -> Scope:
    return {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}


async def never_disconnects() -> Message:
    await asyncio.sleep(3600)
    return {"type": "http.disconnect"}


class StreamingApp:
    """``/stream`` answers with an event stream that stays open until ``closing`` is set;
    ``/slow`` answers plain JSON once ``closing`` is set; anything else answers at once."""

    def __init__(self) -> None:
        self.closing = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = b"text/event-stream" if scope["path"] == "/stream" else b"application/json"
        if scope["path"] == "/slow":
            await self.closing.wait()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", kind)]}
        )
        if scope["path"] == "/stream":
            await send({"type": "http.response.body", "body": b": hello\n\n", "more_body": True})
            await self.closing.wait()
        await send({"type": "http.response.body", "body": b"{}"})


async def call(app: InFlightLimitMiddleware, path: str) -> list[Message]:
    sent: list[Message] = []

    async def record(message: Message) -> None:
        sent.append(message)

    await app(http_scope(path), never_disconnects, record)
    return sent


def test_open_streams_leave_room_for_requests() -> None:
    async def scenario() -> None:
        inner = StreamingApp()
        limited = InFlightLimitMiddleware(inner, limit=2)
        streams = [asyncio.create_task(call(limited, "/stream")) for _ in range(5)]
        await asyncio.sleep(0.05)
        answered = await asyncio.wait_for(call(limited, "/plain"), timeout=2)
        assert answered[0]["status"] == 200
        inner.closing.set()
        await asyncio.gather(*streams)

    asyncio.run(scenario())


def test_ordinary_requests_beyond_the_limit_wait() -> None:
    async def scenario() -> None:
        inner = StreamingApp()
        limited = InFlightLimitMiddleware(inner, limit=2)
        slow = [asyncio.create_task(call(limited, "/slow")) for _ in range(2)]
        await asyncio.sleep(0.05)
        waiting = asyncio.create_task(call(limited, "/plain"))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        inner.closing.set()
        assert (await asyncio.wait_for(waiting, timeout=2))[0]["status"] == 200
        await asyncio.gather(*slow)

    asyncio.run(scenario())

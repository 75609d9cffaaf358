"""Starlette (and FastAPI) integration: a response class for a relay, routes for a hub, and the
browser client as a route. Needs the ``web`` extra (``pip install 'partialjson-stream[web]'``).

One connection, one response — the response is cancelled when the browser goes away::

    from partialjson.web.starlette import RelayResponse

    async def answer(request):
        source = await client.responses.create(..., stream=True)
        return RelayResponse(partialjson.stream(source, Invoice))

Resumable responses (reconnects with ``Last-Event-ID``, second viewers, a Stop button)::

    hub = RelayHub()

    async def ask(request):
        key = hub.start(partialjson.stream(await client.responses.create(..., stream=True)))
        return JSONResponse({"events": f"/relay/{key}", "cancel": f"/relay/{key}/cancel"})

    app = Starlette(routes=[Route("/ask", ask, methods=["POST"]), *relay_routes(hub),
                            client_route()])

    >>> [route.path for route in relay_routes(RelayHub())]
    ['/relay/{key}', '/relay/{key}/cancel']
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, Optional

try:
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route
    from starlette.types import Receive, Scope, Send
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "partialjson.web.starlette needs Starlette: pip install 'partialjson-stream[web]'"
    ) from error

from .hub import RelayHub
from .moderation import Moderator
from .protocols import protocol_headers
from .relay import _acancel, _cancel, arelay, relay
from .store import StoreUnavailableError, UnknownStreamError

__all__ = ["SSE_HEADERS", "RelayResponse", "client_route", "client_script", "relay_routes"]

#: Headers for an event stream: never cached, never buffered by a proxy.
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class RelayResponse(StreamingResponse):
    """A response stream relayed as SSE (sync or async stream). The options are
    :func:`~partialjson.web.relay.relay` 's: ``protocol="ag-ui"`` or ``"ai-sdk"`` serves that
    protocol, with its headers (``x-vercel-ai-ui-message-stream: v1`` for the AI SDK) and
    its writer's options (``thread_id``, ``run_id``, ``name``...). When the client
    disconnects, the response is cancelled and the upstream connection closed.

    >>> import partialjson
    >>> done = {"index": 0, "delta": {"content": "[1]"}, "finish_reason": "stop"}
    >>> response = RelayResponse(partialjson.stream([{"choices": [done]}]), protocol="ai-sdk")
    >>> response.headers["x-vercel-ai-ui-message-stream"], response.media_type
    ('v1', 'text/event-stream')
    """

    def __init__(
        self,
        updates: Any,
        *,
        status_code: int = 200,
        headers: Optional[Mapping[str, str]] = None,
        heartbeat: Optional[float] = 15.0,
        max_rate: Optional[float] = None,
        moderation: Optional[Moderator] = None,
        hold_until_complete: Iterable[str] = (),
        protocol: str = "partialjson",
        **protocol_options: Any,
    ) -> None:
        options: dict[str, Any] = {
            "heartbeat": heartbeat,
            "max_rate": max_rate,
            "moderation": moderation,
            "hold_until_complete": hold_until_complete,
            "protocol": protocol,
            **protocol_options,
        }
        protocol_headers(protocol)  # an unknown protocol fails here, not mid-response
        self._updates = updates
        content: Any = (
            arelay(updates, **options)
            if hasattr(updates, "__aiter__")
            else relay(updates, **options)
        )
        self._content = content
        super().__init__(
            content,
            status_code=status_code,
            headers={**SSE_HEADERS, **_extra_headers(protocol), **(headers or {})},
            media_type="text/event-stream",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            state = getattr(self._updates, "state", None)
            if state is None or not state.terminal:  # the client went away mid-stream
                if hasattr(self._updates, "__aiter__"):
                    await _acancel(self._updates)
                    await self._content.aclose()
                else:
                    _cancel(self._updates)  # thread-safe: the relay may be reading on a thread
                    with contextlib.suppress(ValueError):  # still running on its thread:
                        self._content.close()  # it ends on its own, the upstream closed


def _extra_headers(protocol: str) -> dict[str, str]:
    """A protocol's headers beyond the content type (set by ``media_type``) and
    :data:`SSE_HEADERS`."""
    skip = {"content-type", "cache-control", "x-accel-buffering"}
    return {k: v for k, v in protocol_headers(protocol).items() if k not in skip}


def _last_event_id(request: Request) -> Optional[str]:
    return request.headers.get("last-event-id") or request.query_params.get("last_event_id")


def relay_routes(hub: RelayHub, path: str = "/relay") -> list[Route]:
    """``GET {path}/{key}``: the events of a run, from ``Last-Event-ID`` (header, or the
    ``last_event_id`` query parameter) on; ``POST {path}/{key}/cancel``: cancel it. A key the
    store does not know: ``404 {"error": "unknown_stream"}``; a shared store that cannot be
    reached (:class:`~partialjson.web.store.StoreUnavailableError`): ``503 {"error":
    "resume_unavailable"}``."""

    async def missing(key: str) -> Optional[Response]:
        """The error response for a key the hub cannot serve, or ``None``."""
        try:
            await hub.check(key)
        except StoreUnavailableError:  # a shared store is down: it may exist, unreachable
            return JSONResponse({"error": "resume_unavailable"}, status_code=503)
        except UnknownStreamError:
            return JSONResponse({"error": "unknown_stream"}, status_code=404)
        return None

    async def events(request: Request) -> Response:
        key = request.path_params["key"]
        error = await missing(key)
        if error is not None:
            return error
        return StreamingResponse(
            hub.events(key, _last_event_id(request)),
            media_type="text/event-stream",
            headers=SSE_HEADERS,
        )

    async def cancel(request: Request) -> Response:
        key = request.path_params["key"]
        error = await missing(key)
        if error is not None:
            return error
        cancelled = await hub.cancel(key)
        return JSONResponse({"cancelled": cancelled}, status_code=202)

    return [
        Route(path + "/{key}", events, methods=["GET"]),
        Route(path + "/{key}/cancel", cancel, methods=["POST"]),
    ]


def client_script() -> str:
    """The browser client, ``partialjson.js`` (an ES module, no dependencies)."""
    return resources.files(__package__).joinpath("static/partialjson.js").read_text("utf-8")


def client_route(path: str = "/partialjson.js") -> Route:
    """A route serving :func:`client_script` (``import {...} from "/partialjson.js"``)."""
    script = client_script()

    async def serve(request: Request) -> Response:
        return Response(
            script,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    return Route(path, serve, methods=["GET"])

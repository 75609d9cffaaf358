"""The live form's server: a Starlette app that relays a response stream to the page.

By default it replays the bundled stream ``ticket.sse`` at a realistic pace (no key, no
network); with ``OPENAI_API_KEY`` set it asks the OpenAI Responses API instead. Each
"Generate" starts a run on a :class:`~partialjson.web.hub.RelayHub`: the page reads it from
``/runs/{key}`` (reconnecting with ``Last-Event-ID``), and Stop posts ``/runs/{key}/cancel``,
which cancels the upstream call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Optional

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

import partialjson
from partialjson.web.hub import RelayHub
from partialjson.web.starlette import client_route, relay_routes

from .model import PROMPT, LookupOrder, Ticket

HERE = Path(__file__).parent
RECORDING = HERE / "ticket.sse"
TOOLS = {"lookup_order": LookupOrder}


class Replay:
    """A recorded SSE stream played back event by event, ``pace`` seconds apart, like an
    upstream HTTP body. ``closed``: whether it was closed (at its end, or by a cancel)."""

    def __init__(self, path: Path, pace: float) -> None:
        self.events = [e + b"\n\n" for e in path.read_bytes().split(b"\n\n") if e.strip()]
        self.pace = pace
        self.closed = False
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for event in self.events:
            if self.closed:
                raise ConnectionError("the connection was closed")
            self.sent += 1
            yield event
            await asyncio.sleep(self.pace)

    async def aclose(self) -> None:
        self.closed = True


def openai_source() -> Any:  # pragma: no cover - needs a key and the network
    from openai import AsyncOpenAI

    from partialjson import text_format

    client = AsyncOpenAI()
    tool = {
        "type": "function",
        "name": "lookup_order",
        "description": "Look an order up by its id.",
        "parameters": LookupOrder.model_json_schema(),
    }

    async def create() -> Any:
        return await client.responses.create(
            model=os.environ.get("OPENAI_MODEL", "gpt-4o-2024-08-06"),
            input=PROMPT,
            text={"format": text_format(Ticket)},
            tools=[tool],
            stream=True,
        )

    return create


def create_app(
    pace: float = 0.025,
    recording: Optional[Path] = None,
    live: Optional[bool] = None,
    linger: float = 5.0,
) -> Starlette:
    """The app. ``pace``: seconds between replayed events; ``live``: call the OpenAI API
    (default: when ``OPENAI_API_KEY`` is set); ``linger``: seconds a run goes on with nobody
    watching before it is cancelled."""
    hub = RelayHub(linger=linger, heartbeat=10.0, max_rate=30)
    live = bool(os.environ.get("OPENAI_API_KEY")) if live is None else live
    runs: dict[str, Any] = {}  # key -> (source, response stream): the tests look at them

    async def index(request: Request) -> Response:
        return FileResponse(HERE / "static" / "index.html", headers={"Cache-Control": "no-cache"})

    async def schema(request: Request) -> Response:
        return JSONResponse({"schema": Ticket.model_json_schema(), "prompt": PROMPT, "live": live})

    async def start(request: Request) -> Response:
        if live:  # pragma: no cover - needs a key and the network
            source = await openai_source()()
        else:
            source = Replay(recording or RECORDING, pace)
        response = partialjson.stream(source, Ticket, tools=TOOLS)
        key = hub.start(response)
        runs[key] = (source, response)
        return JSONResponse({"key": key, "events": f"/runs/{key}"})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await hub.aclose()  # cancel what is still running at shutdown

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/schema", schema),
            Route("/runs", start, methods=["POST"]),
            *relay_routes(hub, "/runs"),
            client_route("/partialjson.js"),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.runs = runs
    return app


def expected_ticket() -> Any:
    """The final value the bundled stream carries, as JSON."""
    from .make_recording import TICKET

    return json.loads(TICKET.model_dump_json())

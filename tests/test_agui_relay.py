"""relay(..., protocol=...) and arelay: the same bytes as the protocol encoders, the native
relay's options checked, early close cancelling upstream; RelayResponse with each protocol's
headers (the AI SDK's too: the dispatch is one piece of code for both)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

import partialjson
from partialjson.web.agui import agui_events
from partialjson.web.aisdk import ui_message_stream
from partialjson.web.starlette import RelayResponse

from .js.cases import chat, sources

NAMES = ["openai__chat__two-parallel-tools.sse", "reasoning-then-answer", "truncated"]


@pytest.mark.parametrize("name", NAMES)
def test_relay_speaks_each_protocol_as_its_encoder_does(name: str) -> None:
    source = sources()[name]
    agui = dict(thread_id="t", run_id="r", heartbeat=None)
    assert b"".join(partialjson.relay(source(), protocol="ag-ui", **agui)) == b"".join(
        agui_events(source(), **agui)
    )
    aisdk = dict(name="answer", heartbeat=None)
    assert b"".join(partialjson.relay(source(), protocol="ai-sdk", **aisdk)) == b"".join(
        ui_message_stream(source(), **aisdk)
    )


def test_arelay_speaks_each_protocol_as_the_sync_relay_does() -> None:
    pieces = ['{"a": "he', 'llo"}']

    async def source() -> AsyncIterator[dict[str, Any]]:
        for chunk in chat(pieces):
            yield chunk

    async def relayed(protocol: str, options: dict[str, Any]) -> bytes:
        sent = partialjson.arelay(partialjson.stream(source()), protocol=protocol, **options)
        return b"".join([chunk async for chunk in sent])

    for protocol, options in (
        ("ag-ui", {"thread_id": "t", "run_id": "r"}),
        ("ai-sdk", {"name": "answer", "message_id": "m"}),
    ):
        sync = partialjson.relay(partialjson.stream(chat(pieces)), protocol=protocol, **options)
        assert asyncio.run(relayed(protocol, options)) == b"".join(sync)
    with pytest.raises(TypeError):  # run_id is AG-UI's
        asyncio.run(relayed("ai-sdk", {"run_id": "r"}))


def test_closing_the_async_protocol_relay_cancels_the_response() -> None:
    async def source() -> AsyncIterator[dict[str, Any]]:
        yield chat(['{"a": 1'])[0]
        await asyncio.sleep(30)

    async def main() -> str:
        stream = partialjson.stream(source())
        sent = partialjson.arelay(stream, protocol="ai-sdk", heartbeat=None)
        async for _chunk in sent:
            break
        await sent.aclose()  # type: ignore[attr-defined]
        return stream.state.value

    assert asyncio.run(main()) == "cancelled"


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"protocol": "graphql"}, ValueError),
        ({"protocol": "ag-ui", "max_rate": 5.0}, ValueError),
        ({"protocol": "ai-sdk", "store": partialjson.web.MemoryStore(), "key": "k"}, ValueError),
        ({"protocol": "ag-ui", "key": "k"}, ValueError),  # a key without a store: never silent
        ({"store": partialjson.web.MemoryStore()}, ValueError),
        ({"thread_id": "t"}, TypeError),  # a protocol's option without the protocol
    ],
)
def test_options_that_do_not_fit_the_protocol_are_refused_when_called(
    options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):  # at the call, before the first event is asked for
        partialjson.relay(partialjson.stream(chat(["[1]"])), **options)

    async def main() -> None:
        partialjson.arelay(partialjson.stream(_aiter(chat(["[1]"]))), **options)

    with pytest.raises(error):
        asyncio.run(main())


async def _aiter(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


def test_relay_response_serves_each_protocol_with_its_headers() -> None:
    async def answer(request: Any) -> RelayResponse:
        protocol = request.query_params["protocol"]
        return RelayResponse(partialjson.stream(chat(["[1, 2]"])), protocol=protocol)

    app = Starlette(routes=[Route("/answer", answer)])
    with TestClient(app) as client:
        aisdk = client.get("/answer", params={"protocol": "ai-sdk"})
        agui = client.get("/answer", params={"protocol": "ag-ui"})
    assert aisdk.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert aisdk.headers["content-type"].startswith("text/event-stream")
    assert aisdk.content.endswith(b"data: [DONE]\n\n")
    assert "x-vercel-ai-ui-message-stream" not in agui.headers
    assert b'"type":"RUN_FINISHED"' in agui.content
    with pytest.raises(ValueError):
        RelayResponse(partialjson.stream(chat(["[1]"])), protocol="graphql")

"""The real client path: the official openai and anthropic SDKs, pointed with ``base_url`` at a
local server streaming recorded responses, consumed through partialjson — sync and async,
including cancelling mid-stream."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import anthropic
import openai
import pytest

import partialjson
from partialjson import Cancelled, PartialUpdate, ResponseState, ToolCallProgress

from .provider_cases import CASES, sse_body
from .sse_server import Script, serving
from .streams import EXPECTED

KEY = "sk-test-not-a-real-key"


def openai_client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0)


def test_openai_responses_tool_call() -> None:
    name = "openai__responses__agents-long-nested-args.sse"
    with serving(Script(name)) as base:
        source = openai_client(base).responses.create(model="m", input="hi", stream=True)
        response = partialjson.stream(source).until_done()
    [channel] = EXPECTED[name]["channels"]
    assert response.state is ResponseState.COMPLETED
    [call] = response.tool_calls
    assert (call.call_id, call.name) == (channel["call_id"], channel["name"])
    assert call.arguments == json.loads(channel["final_text"])


def test_openai_chat_structured_output() -> None:
    name = "openai__chat__json-object-unicode-nested.sse"
    with serving(Script(name, chunk=17)) as base:
        source = openai_client(base).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        response = partialjson.stream(source)
        partials = [u for u in response if isinstance(u, PartialUpdate)]
    assert response.state is ResponseState.COMPLETED and partials
    assert response.final == json.loads(EXPECTED[name]["channels"][0]["final_text"])


def test_anthropic_parallel_tools() -> None:
    name = "anthropic__messages__two-parallel-tools.sse"
    with serving(Script(name)) as base:
        client = anthropic.Anthropic(base_url=base, api_key=KEY, max_retries=0)
        source = client.messages.create(
            model="m", max_tokens=100, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        response = partialjson.stream(source).until_done()
    assert response.state is ResponseState.COMPLETED and response.reason == "tool_use"
    assert [c.name for c in response.tool_calls] == ["get_weather", "get_time"]


def test_async_openai_chat() -> None:
    name = "openai__chat__two-parallel-tools.sse"

    async def main(base: str) -> Any:
        client = openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0)
        source = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        response = partialjson.stream(source)
        assert isinstance(response, partialjson.AsyncResponseStream)
        return await response.until_done()

    with serving(Script(name)) as base:
        response = asyncio.run(main(base))
    assert response.state is ResponseState.COMPLETED
    assert [c.call_id for c in response.tool_calls] == [
        c["call_id"] for c in EXPECTED[name]["channels"]
    ]


def test_cancelling_mid_stream_closes_the_connection() -> None:
    script = Script("openai__responses__agents-long-nested-args.sse", chunk=200, pause=0.02)
    with serving(script) as base:
        source = openai_client(base).responses.create(model="m", input="hi", stream=True)
        response = partialjson.stream(source)
        updates = []
        for update in response:
            updates.append(update)
            if isinstance(update, ToolCallProgress):
                response.cancel()
        assert script.closed_by_client.wait(5), "the server never saw the connection close"
    assert isinstance(updates[-1], Cancelled)
    assert response.state is ResponseState.CANCELLED and response.tool_calls == []
    with pytest.raises(partialjson.FinalValueError, match="cancelled"):
        _ = response.final


def test_async_cancel_from_another_task_while_a_read_waits() -> None:
    script = Script("openai__chat__json-object-unicode-nested.sse", stall_after=3000)

    async def main(base: str) -> tuple[Any, list[Any]]:
        client = openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0)
        source = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        response = partialjson.stream(source)
        updates: list[Any] = []
        first = asyncio.Event()

        async def consume() -> None:
            async for update in response:
                updates.append(update)
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        await asyncio.sleep(0.2)  # the reader is now waiting on a stalled connection
        await response.cancel()
        await asyncio.wait_for(task, 5)
        return response, updates

    with serving(script) as base:
        response, updates = asyncio.run(main(base))
        assert script.closed_by_client.wait(5), "the server never saw the connection close"
    assert response.state is ResponseState.CANCELLED and isinstance(updates[-1], Cancelled)


def test_plain_httpx_responses_sync_and_async() -> None:
    import httpx

    name = "anthropic__messages__structured-int-array.sse"
    with serving(Script(name, chunk=5)) as base:
        with httpx.stream("POST", f"{base}/v1/messages", json={}) as http_response:
            response = partialjson.stream(http_response).until_done()
        assert response.final == [12345, 67890]

        async def main() -> Any:
            async with httpx.AsyncClient() as client:  # noqa: SIM117 - Python 3.9 has no (a, b) form
                async with client.stream("POST", f"{base}/v1/messages", json={}) as http_response:
                    streamed = partialjson.stream(http_response)
                    assert isinstance(streamed, partialjson.AsyncResponseStream)
                    return await streamed.until_done()

        assert asyncio.run(main()).final == [12345, 67890]


def test_server_tools_and_reasoning_through_the_official_clients() -> None:
    case = CASES["openai_responses__mcp-call"]
    with serving(Script(raw=sse_body(case["provider"], case["events"]), chunk=13)) as base:
        source = openai_client(base).responses.create(model="m", input="hi", stream=True)
        response = partialjson.stream(source).until_done()
    assert response.state is ResponseState.COMPLETED and response.tool_calls == []
    [mcp] = response.server_tool_calls
    assert (mcp.kind, mcp.status, mcp.arguments) == (
        "mcp_call",
        "completed",
        {"repoName": "openai/codex"},
    )

    case = CASES["anthropic__thinking-and-signature"]
    with serving(Script(raw=sse_body(case["provider"], case["events"]), chunk=11)) as base:
        client = anthropic.Anthropic(base_url=base, api_key=KEY, max_retries=0)
        source = client.messages.create(
            model="m", max_tokens=100, messages=[{"role": "user", "content": "hi"}], stream=True
        )
        response = partialjson.stream(source).until_done()
    assert response.final == [1, 2] and response.reasoning == "Let me solve this."


def test_a_stalled_connection_times_out_and_is_closed() -> None:
    name = "openai__responses__agents-long-nested-args.sse"
    script = Script(name, stall_after=2000)
    with serving(script) as base:
        source = openai_client(base).responses.create(model="m", input="hi", stream=True)
        started = time.monotonic()
        response = partialjson.stream(source, idle_timeout=0.5).until_done()
        assert time.monotonic() - started < 5
        assert (response.state.value, response.reason) == ("failed", "timeout")
        assert response.tool_calls == []
        assert script.closed_by_client.wait(5)  # the connection was dropped


def test_a_stalled_connection_times_out_async() -> None:
    name = "openai__chat__json-object-unicode-nested.sse"
    script = Script(name, stall_after=1500)

    async def run(base: str) -> Any:
        client = openai.AsyncOpenAI(base_url=f"{base}/v1", api_key=KEY, max_retries=0)
        source = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        return await partialjson.stream(source, idle_timeout=0.5).until_done()

    with serving(script) as base:
        response = asyncio.run(run(base))
        assert (response.state.value, response.reason) == ("failed", "timeout")
        assert response.partial is not None  # what arrived stays readable
        assert script.closed_by_client.wait(5)


def test_cancel_from_another_thread_while_a_sync_read_waits() -> None:
    script = Script("openai__chat__json-object-unicode-nested.sse", stall_after=3000)
    with serving(script) as base:
        source = openai_client(base).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        response = partialjson.stream(source)
        updates: list[Any] = []
        reader = threading.Thread(target=lambda: updates.extend(response))
        reader.start()
        deadline = time.monotonic() + 5
        while not updates and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # the reader now waits on a stalled connection
        response.cancel()
        reader.join(5)
        assert not reader.is_alive(), "the blocked read never ended"
        assert script.closed_by_client.wait(5)
    assert response.state is ResponseState.CANCELLED and isinstance(updates[-1], Cancelled)

"""The AI SDK UI message stream from response streams: the chunk sequence, a data part that
is the partial value after every update (no coalescing) and linear bytes (coalescing), tools
released only whole, display data only, cancel on disconnect, the async twin, the useObject
text."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partialjson
from partialjson import Parser, PartialUpdate
from partialjson.web.aisdk import (
    UIMessageStreamWriter,
    aobject_text_stream,
    aui_message_stream,
    object_text_stream,
    ui_message_stream,
)
from partialjson.web.patches import jsonable

from .js.cases import chat, generated, sources, split
from .streams import body


def chunks_of(raw: bytes) -> list[Any]:
    blocks = [b for b in raw.decode().split("\n\n") if b]
    assert blocks[-1] == "data: [DONE]"
    return [json.loads(b[6:]) for b in blocks[:-1] if not b.startswith(":")]


def test_a_refusal_is_text_then_an_error_then_finish() -> None:
    raw = b"".join(
        ui_message_stream(partialjson.stream(body("openai__chat__structured-refusal.sse")))
    )
    types = [c["type"] for c in chunks_of(raw)]
    assert types[:2] == ["start", "text-start"]
    assert types[-3:] == ["text-end", "error", "finish"]


def test_tool_inputs_are_available_only_whole() -> None:
    stream = partialjson.stream(body("anthropic__messages__two-parallel-tools.sse"))
    sent = chunks_of(b"".join(ui_message_stream(stream, heartbeat=None)))
    available = [c for c in sent if c["type"] == "tool-input-available"]
    assert [(c["toolName"], c["input"]) for c in available] == [
        ("get_weather", {"location": "New York, NY"}),
        ("get_time", {"timezone": "America/New_York"}),
    ]
    for chunk in available:  # its start, then its raw argument deltas, then the input
        mine = [c for c in sent if c.get("toolCallId") == chunk["toolCallId"]]
        assert mine[0]["type"] == "tool-input-start" and mine[-1] is chunk
        assert {c["type"] for c in mine[1:-1]} == {"tool-input-delta"} and len(mine) > 3
        text = "".join(c["inputTextDelta"] for c in mine[1:-1])
        assert json.loads(text) == chunk["input"]


def test_provider_messages_and_ids_stay_on_the_server() -> None:
    name = "openai__responses__insufficient-quota-error-then-failed.sse"
    raw = b"".join(ui_message_stream(partialjson.stream(body(name))))
    assert {"type": "error", "errorText": "failed: insufficient_quota"} in chunks_of(raw)
    assert b"exceeded your current quota" not in raw and b"resp_" not in raw


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_without_coalescing_the_data_part_is_the_partial_value_after_every_update(
    doc_seed: int, split_seed: int
) -> None:
    text = json.dumps(generated(doc_seed))
    writer = UIMessageStreamWriter(growth=0, max_delay=None)
    parser = Parser()
    shown: Any = None
    for piece in split(text, split_seed):
        events = parser.feed(piece)
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        if changed:
            sent = [json.loads(c[6:]) for c in writer.feed(PartialUpdate(parser.value, changed))]
            for chunk in sent:
                if chunk["type"] == "data-object":
                    shown = chunk["data"]["value"]
            assert shown == jsonable(parser.value)


def wire_bytes(size: int) -> int:
    text = json.dumps({"items": [{"n": i, "s": "lorem ipsum " * 4} for i in range(size // 70)]})
    writer = UIMessageStreamWriter(max_delay=None)
    parser = Parser()
    total = 0
    for i in range(0, len(text), 4):
        events = parser.feed(text[i : i + 4])
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        if changed:
            total += sum(map(len, writer.feed(PartialUpdate(parser.value, changed))))
    return total // len(text)


def test_data_parts_cost_linear_bytes() -> None:
    small, large = wire_bytes(10_000), wire_bytes(100_000)
    assert small <= 12 and large <= 12
    assert large <= small + 1


def test_closing_early_cancels_the_response() -> None:
    def slow() -> Any:
        for chunk in chat(['{"a": "x', "y", "z", '"}']):
            yield chunk
            time.sleep(0.2)

    stream = partialjson.stream(slow())
    chunks = ui_message_stream(stream, heartbeat=None)
    next(chunks)
    chunks.close()
    assert stream.state.value == "cancelled"


def test_the_async_twins_send_the_same_bytes() -> None:
    pieces = chat(['{"a": "x', "y", '"}'])

    async def source() -> AsyncIterator[Any]:
        for chunk in pieces:
            yield chunk

    async def collect(encode: Any, **kw: Any) -> list[bytes]:
        return [c async for c in encode(partialjson.stream(source()), **kw)]

    sync = list(ui_message_stream(partialjson.stream(pieces), heartbeat=None, max_delay=None))
    assert asyncio.run(collect(aui_message_stream, heartbeat=None, max_delay=None)) == sync
    text = list(object_text_stream(partialjson.stream(pieces)))
    assert asyncio.run(collect(aobject_text_stream)) == text
    assert b"".join(text) == b'{"a": "xy"}'


def test_the_text_mode_needs_a_response_stream() -> None:
    with pytest.raises(TypeError, match="ResponseStream"):
        list(object_text_stream(iter([])))


def test_unfinished_tool_inputs_end_in_error() -> None:
    stream = sources()["anthropic__messages__max-tokens-mid-tool-args.sse"]()
    sent = chunks_of(b"".join(ui_message_stream(stream, heartbeat=None)))
    errors = [c for c in sent if c["type"] == "tool-input-error"]
    assert [e["errorText"] for e in errors] == ["interrupted"]
    assert not any(c["type"] == "tool-input-available" for c in sent)


def test_the_documented_endpoints_serve_the_chat_and_the_object() -> None:
    from pathlib import Path

    from starlette.routing import Route
    from starlette.testclient import TestClient

    doc = (Path(__file__).parent.parent / "docs" / "ai-sdk.md").read_text()
    blocks = [b.split("```")[0] for b in doc.split("```python\n")[1:]]
    scope: dict[str, Any] = {}
    for block in blocks:  # in order, as a reader pastes them
        exec(compile(block, "docs/ai-sdk.md", "exec"), scope)
    app = scope["app"]
    app.router.routes.append(Route("/api/invoice", scope["invoice"], methods=["POST"]))
    with TestClient(app) as client:
        chat = client.post("/api/chat", json={"id": "c", "messages": []})
        text = client.post("/api/invoice", json={})
    assert chat.headers["x-vercel-ai-ui-message-stream"] == "v1"
    sent = chunks_of(chat.content)
    data = [c for c in sent if c["type"] == "data-invoice"]
    assert (
        data[-1]["data"]["status"] == "completed" and data[-1]["data"]["value"]["total"] == 224.99
    )
    assert [c["type"] for c in sent if c["type"].startswith("tool-input-a")] == [
        "tool-input-available"
    ]
    assert json.loads(text.content)["total"] == 224.99


def test_the_documented_resumable_endpoints_serve_a_run_again() -> None:
    from pathlib import Path

    from starlette.testclient import TestClient

    doc = (Path(__file__).parent.parent / "docs" / "ai-sdk.md").read_text()
    scope: dict[str, Any] = {}
    for block in [b.split("```")[0] for b in doc.split("```python\n")[1:]]:
        exec(compile(block, "docs/ai-sdk.md", "exec"), scope)
    with TestClient(scope["resumable_app"]) as client:
        assert client.get("/api/chat/c1/stream").status_code == 204  # nothing running
        first = client.post("/api/chat", json={"id": "c1", "messages": []})
    assert first.headers["x-vercel-ai-ui-message-stream"] == "v1"
    data = [c for c in chunks_of(first.content) if c["type"] == "data-invoice"]
    assert data[-1]["data"]["status"] == "completed"
    assert data[-1]["data"]["value"]["total"] == 224.99

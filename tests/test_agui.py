"""AG-UI events from response streams: every event valid for ag-ui-protocol, state deltas
that rebuild the value (RFC 6902, applied with jsonpatch), coalesced string re-sends with
linear bytes, display data only, cancel on disconnect, the async twin."""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import jsonpatch
import pytest
from ag_ui.core import Event
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import partialjson
from partialjson import Parser, PartialUpdate, Started
from partialjson.web.agui import AGUIWriter, aagui_events, agui_events
from partialjson.web.patches import jsonable

from .js.cases import chat, expected, sources, split
from .streams import body

EVENT = TypeAdapter(Event)


def parsed(raw: bytes) -> list[dict[str, Any]]:
    """The events of an AG-UI SSE body, each validated by ag-ui-protocol."""
    out = []
    for block in raw.decode().split("\n\n"):
        lines = [line[6:] for line in block.split("\n") if line.startswith("data: ")]
        if lines:
            data = json.loads("\n".join(lines))
            EVENT.validate_python(data)
            out.append(data)
    return out


def state_of(events: list[dict[str, Any]]) -> Any:
    state: Any = None
    for event in events:
        if event["type"] == "STATE_SNAPSHOT":
            state = copy.deepcopy(event["snapshot"])
        elif event["type"] == "STATE_DELTA":
            state = jsonpatch.apply_patch(state, event["delta"])
    return state


@pytest.mark.parametrize("name", list(sources()))
def test_every_event_is_valid_and_the_state_is_the_final_value(name: str) -> None:
    source = sources()[name]
    events = parsed(b"".join(agui_events(source(), heartbeat=None)))
    want = expected(source)
    assert events[0]["type"] == "RUN_STARTED"
    assert [e["type"] for e in events].count("STATE_SNAPSHOT") <= 1
    ops = {op["op"] for e in events if e["type"] == "STATE_DELTA" for op in e["delta"]}
    assert ops <= {"add", "replace"}
    assert state_of(events) == (want["value"] if want["has_value"] else None)
    last = events[-1]
    if want["status"] == "completed":
        pending = [call_id for call_id, _, _ in want["tool_calls"]]
        outcome = {"type": "success", **({"pendingToolCallIds": pending} if pending else {})}
        assert last["type"] == "RUN_FINISHED" and last["outcome"] == outcome
    else:
        assert last["type"] == "RUN_ERROR"


def updates_of(text: str, pieces: list[str]) -> list[PartialUpdate]:
    parser = Parser()
    out = []
    for piece in pieces:
        events = parser.feed(piece)
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        if changed:
            out.append(PartialUpdate(parser.value, changed))
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_without_coalescing_the_state_is_the_partial_value_after_every_update(
    doc_seed: int, split_seed: int
) -> None:
    from .js.cases import generated

    text = json.dumps(generated(doc_seed))
    writer = AGUIWriter(thread_id="t", run_id="r", growth=0, max_delay=None)
    parser = Parser()
    state: Any = None
    for piece in split(text, split_seed):
        events = parser.feed(piece)
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        if not changed:
            continue
        sent = [json.loads(e[6:]) for e in writer.feed(PartialUpdate(parser.value, changed))]
        state = state_of([{"type": "STATE_SNAPSHOT", "snapshot": state}, *sent])
        assert state == jsonable(parser.value)


def wire_bytes(size: int) -> int:
    text = json.dumps({"title": "t", "body": "lorem ipsum dolor " * (size // 18)})
    writer = AGUIWriter(thread_id="t", run_id="r", max_delay=None)
    parser = Parser()
    total = 0
    for i in range(0, len(text), 4):
        events = parser.feed(text[i : i + 4])
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        if changed:
            total += sum(map(len, writer.feed(PartialUpdate(parser.value, changed))))
    return total // len(text)


def test_a_growing_string_costs_linear_bytes() -> None:
    small, large = wire_bytes(10_000), wire_bytes(100_000)
    assert small <= 12 and large <= 12
    assert large <= small + 1  # flat: not growing with the answer


def test_a_string_waiting_past_max_delay_goes_out() -> None:
    now = [0.0]
    writer = AGUIWriter(thread_id="t", run_id="r", max_delay=0.5, clock=lambda: now[0])
    value: dict[str, Any] = {"a": "x" * 100}
    writer.feed(PartialUpdate(value, ((), ("a",))))
    value["a"] += "y"
    assert writer.feed(PartialUpdate(value, (("a",),))) == []  # 1 of 100: waits
    assert writer.due() == 0.5
    now[0] = 0.6
    (chunk,) = writer.flush_due()
    assert json.loads(chunk[6:])["delta"] == [{"op": "replace", "path": "/a", "value": value["a"]}]


def test_provider_messages_and_ids_stay_on_the_server() -> None:
    name = "openai__responses__insufficient-quota-error-then-failed.sse"
    raw = b"".join(agui_events(partialjson.stream(body(name)), thread_id="t", run_id="r"))
    events = parsed(raw)
    assert events[-1]["type"] == "RUN_ERROR" and events[-1]["code"] == "insufficient_quota"
    assert b"exceeded your current quota" not in raw and b"resp_" not in raw


def test_a_refusal_is_a_text_message_then_a_run_error() -> None:
    events = parsed(
        b"".join(agui_events(partialjson.stream(body("openai__chat__structured-refusal.sse"))))
    )
    types = [e["type"] for e in events]
    assert types[:2] == ["RUN_STARTED", "TEXT_MESSAGE_START"]
    assert types[-2:] == ["TEXT_MESSAGE_END", "RUN_ERROR"]
    text = "".join(e["delta"] for e in events if e["type"] == "TEXT_MESSAGE_CONTENT")
    assert text.startswith("I'm sorry")


def test_tool_calls_stream_their_raw_argument_deltas() -> None:
    stream = partialjson.stream(body("openai__chat__two-parallel-tools.sse"))
    events = parsed(b"".join(agui_events(stream, heartbeat=None)))
    by_call: dict[str, list[str]] = {}
    for event in events:
        if event["type"].startswith("TOOL_CALL"):
            by_call.setdefault(event["toolCallId"], []).append(event["type"])
    for types in by_call.values():  # START, the deltas as the model wrote them, END
        assert types[0] == "TOOL_CALL_START" and types[-1] == "TOOL_CALL_END"
        assert set(types[1:-1]) == {"TOOL_CALL_ARGS"} and len(types) > 4
    args = {
        call_id: json.loads(
            "".join(
                e["delta"]
                for e in events
                if e["type"] == "TOOL_CALL_ARGS" and e["toolCallId"] == call_id
            )
        )
        for call_id in by_call
    }
    assert list(args.values()) == [{"location": "Seattle, WA"}, {"location": "San Francisco, CA"}]


def test_reasoning_is_a_reasoning_message() -> None:
    events = parsed(b"".join(agui_events(sources()["reasoning-then-answer"]())))
    types = [e["type"] for e in events]
    assert types[1:4] == ["REASONING_START", "REASONING_MESSAGE_START", "REASONING_MESSAGE_CONTENT"]
    assert types.index("REASONING_END") < types.index("STATE_SNAPSHOT")


def test_closing_early_cancels_the_response() -> None:
    def slow() -> Any:
        for chunk in chat(['{"a": "x', "y", "z", '"}']):
            yield chunk
            time.sleep(0.2)

    stream = partialjson.stream(slow())
    events = agui_events(stream, heartbeat=None)
    next(events)
    events.close()
    assert stream.state.value == "cancelled"


def test_a_cancelled_response_finishes_with_the_cancelled_outcome() -> None:
    writer = AGUIWriter(thread_id="t", run_id="r")
    sent = writer.feed(Started(None, None)) + writer.feed(partialjson.Cancelled())
    assert json.loads(sent[-1][6:])["outcome"] == {"type": "cancelled"}
    assert writer.ended and writer.feed(Started(None, None)) == []


def test_the_async_twin_sends_the_same_bytes_and_heartbeats() -> None:
    chunks = chat(['{"a": "x', "y", '"}'])

    async def slow() -> AsyncIterator[Any]:
        for chunk in chunks:
            await asyncio.sleep(0.05)
            yield chunk

    async def collect(**kw: Any) -> list[bytes]:
        stream = partialjson.stream(slow())
        return [c async for c in aagui_events(stream, thread_id="t", run_id="r", **kw)]

    sync = list(agui_events(partialjson.stream(chunks), thread_id="t", run_id="r", heartbeat=None))
    assert asyncio.run(collect(heartbeat=None, max_delay=None)) == sync
    beating = asyncio.run(collect(heartbeat=0.01, max_delay=None))
    assert b": keep-alive\n\n" in beating
    assert [c for c in beating if not c.startswith(b":")] == sync


def test_the_documented_endpoint_serves_a_valid_run() -> None:
    from pathlib import Path

    from starlette.testclient import TestClient

    doc = (Path(__file__).parent.parent / "docs" / "agui.md").read_text()
    code = doc.split("```python\n")[1].split("```")[0]
    scope: dict[str, Any] = {}
    exec(compile(code, "docs/agui.md", "exec"), scope)
    with TestClient(scope["app"]) as client:
        response = client.post("/agent", json={"threadId": "t", "runId": "r", "messages": []})
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parsed(response.content)
    assert events[-1]["type"] == "RUN_FINISHED"
    assert state_of(events)["total"] == 224.99
    tools = [e["type"] for e in events if e["type"].startswith("TOOL")]
    assert tools[0] == "TOOL_CALL_START" and tools[-1] == "TOOL_CALL_END"
    assert set(tools[1:-1]) == {"TOOL_CALL_ARGS"}


def test_a_held_field_appears_whole_when_it_completes() -> None:
    stream = partialjson.stream(chat(['{"secret": "ab', 'cd", "other": "x', 'y"}']))
    events = parsed(b"".join(agui_events(stream, hold_until_complete=["/secret"], heartbeat=None)))
    states = []
    state: Any = None
    for event in events:
        state = state_of([{"type": "STATE_SNAPSHOT", "snapshot": state}, event])
        states.append(copy.deepcopy(state))
    seen = [s["secret"] for s in states if isinstance(s, dict) and "secret" in s]
    assert seen and set(seen) == {"abcd"}  # never half-written
    assert state == {"secret": "abcd", "other": "xy"}


def test_a_source_that_raises_ends_the_run_with_a_safe_error() -> None:
    def broken() -> Any:
        yield Started(None, None)
        raise RuntimeError("secret upstream detail")

    raw = b"".join(agui_events(broken(), thread_id="t", run_id="r", heartbeat=None))
    events = parsed(raw)
    assert events[-1] == {
        "type": "RUN_ERROR",
        "message": "The answer failed.",
        "code": "relay_error",
    }
    assert b"secret" not in raw

    async def abroken() -> AsyncIterator[Any]:
        yield Started(None, None)
        raise RuntimeError("secret upstream detail")

    async def collect() -> bytes:
        return b"".join([c async for c in aagui_events(abroken(), thread_id="t", run_id="r")])

    assert asyncio.run(collect()) == raw

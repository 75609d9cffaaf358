"""Broken streams (issue 14): cut inside every delta, duplicated, dropped and reordered events,
an error in the middle of a tool call, a source that raises, cancel() racing the last event, a
stalled source. Each ends in the right terminal state, releases no tool call with incomplete
arguments, hands out no validated value, and keeps exactly what had arrived."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import partialjson
from partialjson import (
    Cancelled,
    Completed,
    Failed,
    FinalValueError,
    Incomplete,
    ParseError,
    Parser,
    Refused,
    ResponseState,
    ToolCallProgress,
)

from .streams import EXPECTED, body, events

TERMINALS = (Completed, Incomplete, Refused, Failed, Cancelled)
RESPONSES = sorted(n for n, e in EXPECTED.items() if e["provider_api"] == "openai-responses")
TOOL_STREAM = "openai__responses__dotnet-function-call.sse"
DELTA_TYPES = (
    b"response.output_text.delta",
    b"response.function_call_arguments.delta",
    b"input_json_delta",
    b"text_delta",
    b'"delta":{"content"',
    b'"arguments":"',
    b'"refusal":"',
)


def complete_calls(name: str) -> dict[str, str]:
    return {
        c["call_id"]: c["final_text"]
        for c in EXPECTED[name]["channels"]
        if c["kind"] == "tool_args" and c["closed"] and c["json_valid"]
    }


def arrived(text: str) -> Any:
    """The partial value of exactly this text."""
    parser = Parser()
    with contextlib.suppress(ParseError):
        parser.feed(text)
    return parser.value


def check(response: Any, updates: list[Any], name: str) -> None:
    """The invariants every broken stream keeps."""
    terminals = [u for u in updates if isinstance(u, TERMINALS)]
    assert terminals == [updates[-1]] and response.state.terminal
    for call in response.tool_calls:  # released calls have all their arguments
        assert call.arguments_json == complete_calls(name)[call.call_id]
    if response.state is not ResponseState.COMPLETED:
        with pytest.raises(FinalValueError):
            _ = response.final
    if response.choices[0].error is None:
        assert response.partial == arrived(response.text)


def delta_cuts(raw: bytes) -> list[int]:
    """One cut inside every delta event's data (mid-JSON, mid-text)."""
    cuts = []
    start = 0
    while True:
        end = raw.find(b"\n\n", start)
        if end < 0:
            return cuts
        event = raw[start:end]
        if any(marker in event for marker in DELTA_TYPES):
            cuts.append(start + len(event) * 3 // 4)
        start = end + 2


WITH_DELTAS = [n for n in sorted(EXPECTED) if delta_cuts(body(n).replace(b"\r\n", b"\n"))]


def test_most_recordings_have_deltas_to_cut() -> None:
    assert len(WITH_DELTAS) >= len(EXPECTED) - 2


@pytest.mark.parametrize("name", WITH_DELTAS)
def test_cut_inside_every_delta(name: str) -> None:
    raw = body(name).replace(b"\r\n", b"\n")
    cuts = delta_cuts(raw)
    for cut in cuts[:: max(1, len(cuts) // 40)]:
        response = partialjson.stream(raw[:cut])
        updates = list(response)
        check(response, updates, name)
        assert (response.state.value, response.reason) == ("failed", "interrupted")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_event_duplicated(name: str) -> None:
    stream_events = events(name)
    doubled = [e for event in stream_events for e in (event, event)]
    response = partialjson.stream(doubled)
    updates = list(response)
    assert [u for u in updates if isinstance(u, TERMINALS)] == [updates[-1]]
    if all("sequence_number" in e for e in stream_events):  # duplicates are recognised
        single = partialjson.stream(stream_events).until_done()
        check(response, updates, name)
        assert (response.state, response.text) == (single.state, single.text)
        assert response.tool_calls == single.tool_calls
    else:  # no sequence numbers: nothing tells a copy from a new delta; never a broken call
        for call in response.tool_calls:
            assert json.loads(call.arguments_json) == call.arguments


@pytest.mark.parametrize("name", RESPONSES)
def test_any_one_event_dropped(name: str) -> None:
    stream_events = events(name)
    step = max(1, len(stream_events) // 60)
    for i in range(0, len(stream_events), step):
        dropped = stream_events[:i] + stream_events[i + 1 :]
        response = partialjson.stream(dropped)
        updates = list(response)
        check(response, updates, name)  # the done event's whole arguments beat a lost delta


@pytest.mark.parametrize("name", RESPONSES)
def test_neighbours_swapped(name: str) -> None:
    stream_events = events(name)
    step = max(1, len(stream_events) // 60)
    for i in range(0, len(stream_events) - 1, step):
        swapped = list(stream_events)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        response = partialjson.stream(swapped)
        updates = list(response)
        check(response, updates, name)
        late = swapped[i + 1]["sequence_number"] < swapped[i]["sequence_number"]
        assert response.metrics.duplicate_events == (1 if late and not _ended_at(swapped, i) else 0)


def _ended_at(stream_events: list[dict[str, Any]], i: int) -> bool:
    return stream_events[i]["type"] in ("response.completed", "response.failed", "error")


def test_an_error_in_the_middle_of_a_tool_call() -> None:
    stream_events = events(TOOL_STREAM)
    middle = next(
        i
        for i, e in enumerate(stream_events)
        if e["type"] == "response.function_call_arguments.delta" and i > 5
    )
    error = {"type": "error", "code": "server_error", "message": "boom", "sequence_number": -1}
    broken = [*stream_events[:middle], error, *stream_events[middle:]]
    broken = [{**e, "sequence_number": n} for n, e in enumerate(broken)]
    response = partialjson.stream(broken)
    updates = list(response)
    assert (response.state.value, response.reason) == ("failed", "server_error")
    assert response.tool_calls == []  # the done event after the error is never applied
    assert any(isinstance(u, ToolCallProgress) for u in updates)
    check(response, updates, TOOL_STREAM)

    claude = events("anthropic__messages__two-parallel-tools.sse")
    middle = next(i for i, e in enumerate(claude) if "input_json_delta" in json.dumps(e))
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    response = partialjson.stream([*claude[:middle], overloaded, *claude[middle:]])
    updates = list(response)
    assert (response.state.value, response.reason) == ("failed", "overloaded_error")
    assert response.tool_calls == []


@pytest.mark.parametrize("position", [0, 1, 3, 7, 12])
def test_the_source_raising_mid_iteration(position: int) -> None:
    stream_events = events(TOOL_STREAM)

    def source() -> Iterator[dict[str, Any]]:
        yield from stream_events[:position]
        raise ConnectionResetError("peer went away")

    response = partialjson.stream(source())
    updates = list(response)
    assert (response.state.value, response.reason) == ("failed", "interrupted")
    assert isinstance(updates[-1], Failed) and isinstance(updates[-1].error, ConnectionResetError)
    check(response, updates, TOOL_STREAM)

    async def asource() -> AsyncIterator[dict[str, Any]]:
        for event in stream_events[:position]:
            yield event
        raise ConnectionResetError("peer went away")

    async def run() -> Any:
        return await partialjson.stream(asource()).until_done()

    assert asyncio.run(run()).reason == "interrupted"


def test_cancel_racing_the_last_event() -> None:
    stream_events = events(TOOL_STREAM)
    outcomes = set()
    for attempt in range(40):
        response = partialjson.stream(iter(stream_events))
        updates: list[Any] = []
        last = len(stream_events) - 1

        def consume(response: Any = response, updates: list[Any] = updates) -> None:
            updates.extend(response)

        reader = threading.Thread(target=consume)
        reader.start()
        while response.metrics.events < last - (attempt % 3):
            time.sleep(0)
        response.cancel()
        reader.join(5)
        terminals = [u for u in updates if isinstance(u, TERMINALS)]
        assert terminals == [updates[-1]]  # exactly one end, whoever won
        assert response.state.value == type(updates[-1]).__name__.lower()
        outcomes.add(response.state)
        if response.state is ResponseState.CANCELLED:
            with pytest.raises(FinalValueError):
                _ = response.final
        for call in response.tool_calls:
            assert call.arguments_json == complete_calls(TOOL_STREAM)[call.call_id]
    assert outcomes <= {ResponseState.CANCELLED, ResponseState.COMPLETED}


def test_a_stalled_source_times_out() -> None:
    release = threading.Event()

    def stalled() -> Iterator[dict[str, Any]]:
        yield from events(TOOL_STREAM)[:6]
        release.wait(10)  # the network stops sending
        yield from events(TOOL_STREAM)[6:]

    started = time.monotonic()
    response = partialjson.stream(stalled(), idle_timeout=0.3)
    updates = list(response)
    release.set()
    assert time.monotonic() - started < 5
    assert (response.state.value, response.reason) == ("failed", "timeout")
    assert isinstance(updates[-1], Failed) and "0.3 seconds" in (updates[-1].message or "")
    assert response.tool_calls == []
    check(response, updates, TOOL_STREAM)


def test_a_stalled_async_source_times_out() -> None:
    async def stalled() -> AsyncIterator[dict[str, Any]]:
        for event in events(TOOL_STREAM)[:6]:
            yield event
        await asyncio.sleep(10)
        yield events(TOOL_STREAM)[6]

    async def run() -> Any:
        response = partialjson.stream(stalled(), idle_timeout=0.2)
        updates = [u async for u in response]
        return response, updates

    started = time.monotonic()
    response, updates = asyncio.run(run())
    assert time.monotonic() - started < 5
    assert (response.state.value, response.reason) == ("failed", "timeout")
    assert isinstance(updates[-1], Failed) and response.tool_calls == []


def test_a_source_that_keeps_sending_does_not_time_out() -> None:
    def slow() -> Iterator[dict[str, Any]]:
        for event in events(TOOL_STREAM):
            time.sleep(0.002)
            yield event

    response = partialjson.stream(slow(), idle_timeout=2).until_done()
    assert response.state is ResponseState.COMPLETED and len(response.tool_calls) == 1
    with pytest.raises(ValueError, match="idle_timeout"):
        partialjson.stream([], idle_timeout=0)

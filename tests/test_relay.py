"""Relaying a response to a browser: SSE with ids, minimal patches, display data only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

import partialjson
from partialjson import (
    Completed,
    Failed,
    PartialUpdate,
    SSEDecoder,
    Started,
    Update,
    arelay,
    encode_update,
    relay,
)
from partialjson.web.patches import apply_patch

from .streams import body, events


def decoded(chunks: list[bytes]) -> list[tuple[str, Any]]:
    decoder = SSEDecoder()
    out = [e for chunk in chunks for e in decoder.feed(chunk)] + decoder.close()
    return [(e.event, e.json()) for e in out]


def rebuilt(sent: list[tuple[str, Any]]) -> Any:
    value = None
    for kind, data in sent:
        if kind == "patch":
            value = apply_patch(value, data)
    return value


def chat(pieces: list[str], finish: str = "stop") -> list[dict[str, Any]]:
    chunks = [{"id": "c", "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    chunks.append({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    return chunks


def test_tool_calls_and_the_terminal_state_reach_the_browser() -> None:
    stream = partialjson.stream(body("openai__chat__two-parallel-tools.sse"))
    sent = decoded(list(relay(stream, heartbeat=None)))
    kinds = [kind for kind, _ in sent]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    ready = [data for kind, data in sent if kind == "tool_call_ready"]
    assert [(c["name"], c["arguments"]) for c in ready] == [
        ("get_current_weather", {"location": "Seattle, WA"}),
        ("get_current_weather", {"location": "San Francisco, CA"}),
    ]
    assert "tool_call_progress" in kinds


def test_every_event_has_an_increasing_id() -> None:
    raw = b"".join(relay(partialjson.stream(chat(['{"a": "x', 'y"}'])), heartbeat=None))
    decoder = SSEDecoder()
    ids = [e.id for e in decoder.feed(raw) + decoder.close()]
    assert ids == [str(n) for n in range(1, len(ids) + 1)]


def test_provider_error_messages_are_not_relayed() -> None:
    name = "openai__responses__insufficient-quota-error-then-failed.sse"
    sent = decoded(list(relay(partialjson.stream(body(name)), heartbeat=None)))
    assert sent[-1] == ("failed", {"reason": "insufficient_quota"})
    assert "exceeded your current quota" not in json.dumps(sent)
    assert "resp_" not in json.dumps(sent)  # nor the provider's ids


def test_typed_partial_views_are_rebuilt_from_patches() -> None:
    from partialjson.samples import Customer

    chunks = chat(['{"name": "Zo', 'ë", "email": "z@x", "vip": true}'])
    sent = decoded(list(relay(partialjson.stream(chunks, Customer), heartbeat=None)))
    first = next(data for kind, data in sent if kind == "patch")
    assert apply_patch(None, first) == {"name": "Zo", "email": None, "vip": None}
    assert rebuilt(sent) == {"name": "Zoë", "email": "z@x", "vip": True}
    assert sent[-1] == (
        "completed",
        {"value": {"name": "Zoë", "email": "z@x", "vip": True}, "reason": "stop"},
    )


def test_a_long_string_is_never_resent() -> None:
    pieces = ['{"text": "'] + ["word "] * 2000 + ['"}']
    sent = decoded(list(relay(partialjson.stream(chat(pieces)), heartbeat=None)))
    appends = [op for kind, data in sent if kind == "patch" for op in data]
    assert all(op["op"] == "append" for op in appends[1:])
    assert rebuilt(sent) == {"text": "word " * 2000}


def test_unknown_update_types_are_not_relayed() -> None:
    class ReasoningDelta(Update):  # a type added later, unknown to this relay
        __slots__ = ("delta",)

        def __init__(self, delta: str) -> None:
            self.delta = delta

    updates: list[Update] = [
        Started("resp_secret", "m"),
        ReasoningDelta("thinking about the secret"),
        PartialUpdate({"a": 1}, ((), ("a",))),
        Completed({"a": 1}, "stop"),
    ]
    sent = decoded(list(relay(updates, heartbeat=None)))
    assert [k for k, _ in sent] == ["started", "patch", "completed"]
    assert "secret" not in json.dumps(sent)


def test_reasons_that_are_not_codes_are_not_relayed() -> None:
    updates = [Started(None, None), Failed("Your key sk-abc is invalid", message="m")]
    assert decoded(list(relay(updates, heartbeat=None)))[-1] == ("failed", {"reason": "error"})


def test_a_source_without_a_terminal_update_ends_failed() -> None:
    updates = [Started(None, None), PartialUpdate([1], ((),))]
    assert decoded(list(relay(updates, heartbeat=None)))[-1] == (
        "failed",
        {"reason": "interrupted"},
    )


def test_a_source_that_raises_ends_failed_without_the_message() -> None:
    def updates() -> Iterator[Update]:
        yield Started(None, None)
        raise RuntimeError("secret prompt text")

    for heartbeat in (None, 5.0):
        sent = decoded(list(relay(updates(), heartbeat=heartbeat)))
        assert sent[-1] == ("failed", {"reason": "relay_error"})
        assert "secret" not in json.dumps(sent)


def test_encode_update_alone_replaces_the_whole_value() -> None:
    chunk = encode_update(PartialUpdate({"a": "x"}, (("a",),)))
    assert decoded([chunk]) == [("patch", [{"op": "replace", "path": "", "value": {"a": "x"}}])]
    assert encode_update(Started("resp_1", "m")) == b"event: started\ndata: {}\n\n"


def test_async_relay() -> None:
    async def source() -> AsyncIterator[dict[str, Any]]:
        for event in events("openai__responses__dotnet-function-call.sse"):
            yield event

    async def main() -> list[bytes]:
        return [chunk async for chunk in arelay(partialjson.stream(source()))]

    sent = decoded(asyncio.run(main()))
    assert [kind for kind, _ in sent][-2:] == ["tool_call_ready", "completed"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"s": "a\\ud800b"}', {"s": "a\ufffdb"}),  # a lone surrogate
        ('{"n": 1e400, "m": [-1e999]}', {"n": None, "m": [None]}),  # beyond the float range
        ("[" * 300 + "]" * 300, json.loads("[" * 300 + "]" * 300)),  # deeper than 255
    ],
)
def test_values_json_cannot_carry_never_break_the_wire(text: str, expected: Any) -> None:
    pieces = [text[i : i + 7] for i in range(0, len(text), 7)]
    for heartbeat in (None, 1.0):
        raw = list(relay(partialjson.stream(chat(pieces)), heartbeat=heartbeat))
        for chunk in raw:
            chunk.decode("utf-8")  # strict: no lone surrogates
            for line in chunk.split(b"\n"):
                if line.startswith(b"data: "):
                    json.loads(line[6:], parse_constant=pytest.fail)  # no Infinity, NaN
        sent = decoded(raw)
        assert rebuilt(sent) == expected
        assert sent[-1] == ("completed", {"value": expected, "reason": "stop"})

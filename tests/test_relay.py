"""Relaying a response to a browser: SSE with display data only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import partialjson
from partialjson import SSEDecoder, arelay, relay

from .streams import body, events


def decoded(chunks: list[bytes]) -> list[tuple[str, Any]]:
    decoder = SSEDecoder()
    out = [e for chunk in chunks for e in decoder.feed(chunk)] + decoder.close()
    return [(e.event, e.json()) for e in out]


def test_tool_calls_and_the_terminal_state_reach_the_browser() -> None:
    sent = decoded(list(relay(partialjson.stream(body("openai__chat__two-parallel-tools.sse")))))
    kinds = [kind for kind, _ in sent]
    assert kinds[0] == "started" and kinds[-1] == "completed"
    ready = [data for kind, data in sent if kind == "tool_call_ready"]
    assert [(c["name"], c["arguments"]) for c in ready] == [
        ("get_current_weather", {"location": "Seattle, WA"}),
        ("get_current_weather", {"location": "San Francisco, CA"}),
    ]
    assert "tool_call_progress" in kinds


def test_provider_error_messages_are_not_relayed() -> None:
    name = "openai__responses__insufficient-quota-error-then-failed.sse"
    sent = decoded(list(relay(partialjson.stream(body(name)))))
    assert sent[-1] == ("failed", {"reason": "insufficient_quota"})
    assert "exceeded your current quota" not in json.dumps(sent)


def test_typed_partial_views_are_serialized() -> None:
    chunks = [
        {"id": "c", "choices": [{"index": 0, "delta": {"content": '{"name": "Zo'}}]},
        {
            "id": "c",
            "choices": [
                {
                    "index": 0,
                    "delta": {"content": 'ë", "email": "z@x", "vip": true}'},
                    "finish_reason": "stop",
                }
            ],
        },
    ]
    from partialjson.samples import Customer

    sent = decoded(list(relay(partialjson.stream(chunks, Customer))))
    partials = [data["value"] for kind, data in sent if kind == "partial"]
    assert partials[0] == {"name": "Zo", "email": None, "vip": None}
    assert sent[-1] == (
        "completed",
        {"value": {"name": "Zoë", "email": "z@x", "vip": True}, "reason": "stop"},
    )


def test_async_relay() -> None:
    async def source() -> AsyncIterator[dict[str, Any]]:
        for event in events("openai__responses__dotnet-function-call.sse"):
            yield event

    async def main() -> list[bytes]:
        return [chunk async for chunk in arelay(partialjson.stream(source()))]

    sent = decoded(asyncio.run(main()))
    assert [kind for kind, _ in sent][-2:] == ["tool_call_ready", "completed"]

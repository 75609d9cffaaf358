"""The relay reads a response stream's source itself (web/reads.py, "fused"): each item read is
made into updates by the stream, with no async generator between. What it sends, and what the
stream reports after, must be what reading the stream's own iterator gives: compared on every
recorded provider stream, delivered whole and in small chunks, for the SSE relay and the
protocol encoders, against the stream's iterator stepped the same way (a stream with an idle
timeout) and read plainly (no heartbeat)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Optional

import pytest

import partialjson
from partialjson import arelay

from .streams import EXPECTED, body

NAMES = sorted(EXPECTED)
#: How the relay reads: the source itself (the default), the stream's iterator stepped by
#: hand (an idle timeout runs there), the stream's iterator awaited (no heartbeat: no steps).
WAYS: dict[str, dict[str, Any]] = {
    "fused": {},
    "stepped": {"idle_timeout": 60.0},
    "plain": {"heartbeat": None},
}


async def chunks_of(data: bytes, size: Optional[int]) -> AsyncIterator[bytes]:
    step = size or len(data)
    for start in range(0, len(data), step):
        await asyncio.sleep(0)
        yield data[start : start + step]


def relayed(name: str, size: Optional[int], way: str, protocol: str) -> tuple[Any, ...]:
    options = dict(WAYS[way])
    idle_timeout = options.pop("idle_timeout", None)

    async def main() -> tuple[Any, ...]:
        response = partialjson.stream(chunks_of(body(name), size), idle_timeout=idle_timeout)
        if protocol == "ai-sdk":
            options["max_delay"] = None  # values sent by growth alone, not by the clock
        sent = [chunk async for chunk in arelay(response, protocol=protocol, **options)]

        return b"".join(sent), response.state, response.reason, response.text

    return asyncio.run(main())


@pytest.mark.parametrize("protocol", ["partialjson", "ai-sdk"])
@pytest.mark.parametrize("size", [None, 7])
@pytest.mark.parametrize("name", NAMES)
def test_the_relay_reading_the_source_sends_what_reading_the_stream_sends(
    name: str, size: Optional[int], protocol: str
) -> None:
    fused = relayed(name, size, "fused", protocol)
    assert fused == relayed(name, size, "stepped", protocol)
    assert fused == relayed(name, size, "plain", protocol)


def test_relaying_a_stream_read_before_is_relayed_as_failed_as_before() -> None:
    async def source() -> AsyncIterator[bytes]:
        yield body(NAMES[0])

    async def main(**options: Any) -> bytes:
        response = partialjson.stream(source())
        async for _ in response:
            pass
        return b"".join([chunk async for chunk in arelay(response, **options)])

    fused, plain = asyncio.run(main()), asyncio.run(main(heartbeat=None))
    assert b"event: failed" in fused
    assert fused == plain

"""A response read to its end leaves no reference cycle: reference counting alone frees it.

Why it matters: under load the cyclic garbage collector's pauses set a server's latency tail
(docs/benchmarks.md, "Many streams at once"), and the way to shorten them — ``gc.freeze()``
after start-up, higher collection thresholds — is only safe if what each response leaves
behind does not wait for a collection to be freed. So every way of reading a response, sync and
async, typed or not, relayed or not, ended in each way a stream ends, is checked here with the
collector off: once the response is dropped, a collection finds nothing.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from typing import Any, Callable

import pytest
from pydantic import BaseModel

import partialjson
from partialjson import arelay, relay

from .streams import FIXTURES, body

#: A recording read as if the connection dropped halfway (the source raises).
DROPPED = " (connection dropped)"
STREAMS = sorted(path.name for path in FIXTURES.glob("*.sse"))
STREAMS += [f"{name}{DROPPED}" for name in STREAMS if "two-parallel-tools" in name]


def _chunks(name: str, size: int = 97) -> Iterator[bytes]:
    raw = body(name.removesuffix(DROPPED))
    end = len(raw) // 2 if name.endswith(DROPPED) else len(raw)
    for i in range(0, end, size):
        yield raw[i : min(i + size, end)]
    if end < len(raw):
        raise ConnectionResetError("the connection dropped")


async def _source(name: str) -> AsyncIterator[bytes]:
    for chunk in _chunks(name):
        await asyncio.sleep(0)  # a real wait on the loop, as a network read
        yield chunk


def _read_sync(name: str) -> None:
    with suppress(ConnectionResetError):  # raised again where the stream says so
        for _ in partialjson.stream(_chunks(name)):
            pass


def _relay_sync(name: str) -> None:
    for _ in relay(partialjson.stream(_chunks(name)), heartbeat=None):
        pass


def _read_async(name: str) -> None:
    async def main() -> None:
        with suppress(ConnectionResetError):
            async for _ in partialjson.stream(_source(name)):
                pass

    asyncio.run(main())


def _relay_async(name: str) -> None:
    async def main() -> None:
        async for _ in arelay(partialjson.stream(_source(name))):
            pass

    asyncio.run(main())


def _relay_async_heartbeat(name: str) -> None:
    async def main() -> None:  # the relay's reads stepped by hand (web/reads.py)
        async for _ in arelay(partialjson.stream(_source(name)), heartbeat=15.0):
            pass

    asyncio.run(main())


class Weather(BaseModel):
    temperature: str
    condition: str


class Report(BaseModel):
    location: str
    weather: Weather


class Strict(BaseModel):  # what the recorded answer is not: its final value fails validation
    location: int


#: Typed: (the recording, the type), relayed; the answers' text read through the typed view.
TYPED = {
    "typed view": ("openai__chat__json-object-unicode-nested.sse", Report),
    "typed view, fails validation": ("openai__chat__json-object-unicode-nested.sse", Strict),
    "typed view, truncated": ("openai__chat__structured-length-truncated.sse", Report),
    "typed list": ("anthropic__messages__structured-int-array.sse", list[int]),
}


def _relay_typed(case: str) -> None:
    name, model = TYPED[case]

    async def main() -> None:
        async for _ in arelay(partialjson.stream(_source(name), model)):
            pass

    asyncio.run(main())
    for _ in relay(partialjson.stream(_chunks(name), model), heartbeat=None):
        pass


READERS: dict[str, Callable[[str], None]] = {
    "stream": _read_sync,
    "relay": _relay_sync,
    "async stream": _read_async,
    "arelay": _relay_async,
    "arelay with heartbeats": _relay_async_heartbeat,
}


def _garbage_after(read: Callable[[], None]) -> list[Any]:
    """What a collection finds once ``read()`` returned, the collector off meanwhile."""
    read()  # once first: imports, caches and templates made on first use are not its garbage
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        read()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        if enabled:
            gc.enable()


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", STREAMS)
def test_a_response_read_to_its_end_is_freed_without_the_collector(reader: str, name: str) -> None:
    garbage = _garbage_after(lambda: READERS[reader](name))
    kinds = sorted({type(item).__name__ for item in garbage})
    assert not garbage, f"{len(garbage)} objects left in cycles: {kinds}"


@pytest.mark.parametrize("case", TYPED)
def test_a_typed_response_read_to_its_end_is_freed_without_the_collector(case: str) -> None:
    garbage = _garbage_after(lambda: _relay_typed(case))
    kinds = sorted({type(item).__name__ for item in garbage})
    assert not garbage, f"{len(garbage)} objects left in cycles: {kinds}"

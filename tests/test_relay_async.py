"""arelay() in motion, the async twin of the sync relay's behaviour: heartbeats while the
upstream is quiet, coalescing, a live value encoded before the stream moves on, a source that
raises, a slow browser, and the same bytes with and without the reading task."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any, Optional

import pytest

import partialjson
from partialjson import Completed, PartialUpdate, ResponseState, SSEDecoder, arelay, relay
from partialjson.web.patches import apply_patch


def sse_chunk(text: str, finish: Optional[str] = None) -> bytes:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return b"data: " + json.dumps({"id": "c", "choices": [choice]}).encode() + b"\n\n"


async def slow_source(pieces: list[str], pause: float) -> AsyncIterator[bytes]:
    for i, piece in enumerate(pieces):
        yield sse_chunk(piece, "stop" if i == len(pieces) - 1 else None)
        await asyncio.sleep(pause)


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


async def collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


def test_async_heartbeats_while_the_upstream_is_quiet() -> None:
    source = slow_source(['{"a": 1', "}"], pause=0.35)
    chunks = asyncio.run(collect(arelay(partialjson.stream(source), heartbeat=0.1)))
    assert b": keep-alive\n\n" in chunks
    assert decoded(chunks)[-1][0] == "completed"


@pytest.mark.parametrize("heartbeat", [None, 15.0])
def test_async_relay_sends_what_the_sync_relay_sends(heartbeat: Optional[float]) -> None:
    pieces = ['{"title": "Q', "uarterly", ' report", "n": [1, ', "2, 3]", "}"]
    expected = list(relay(partialjson.stream([sse_chunk(p) for p in pieces]), heartbeat=None))
    source = slow_source(pieces, pause=0)
    sent = asyncio.run(collect(arelay(partialjson.stream(source), heartbeat=heartbeat)))
    # the sync body ends without a finish reason (interrupted); the async one says stop
    assert sent[:-1] == expected[:-1]
    assert rebuilt(decoded(sent)) == {"title": "Quarterly report", "n": [1, 2, 3]}


def test_async_coalesced_relay_sends_fewer_events() -> None:
    pieces = ['{"a": "', *["x"] * 200, '"}']

    async def main() -> tuple[list[bytes], list[bytes]]:
        plain = await collect(arelay(partialjson.stream(slow_source(pieces, 0.001))))
        source = slow_source(pieces, 0.001)
        coalesced = await collect(arelay(partialjson.stream(source), max_rate=20))
        return plain, coalesced

    plain, coalesced = (decoded(chunks) for chunks in asyncio.run(main()))
    assert len(coalesced) < len(plain) / 2
    assert rebuilt(plain) == rebuilt(coalesced) == {"a": "x" * 200}
    assert coalesced[-1][0] == "completed"


def test_async_a_live_value_is_encoded_before_the_stream_moves_on() -> None:
    async def source() -> AsyncIterator[Any]:
        value = {"a": "x"}
        yield PartialUpdate(value, (("a",),))
        value["a"] = "xyz"  # the parser moves on: the same live object changes
        value["b"] = list(range(1000))
        yield PartialUpdate(value, (("a",), ("b",)))
        yield Completed(value)

    for heartbeat in (None, 1.0):
        sent = decoded(asyncio.run(collect(arelay(source(), heartbeat=heartbeat))))
        patches = [data for kind, data in sent if kind == "patch"]
        assert apply_patch(None, patches[0]) == {"a": "x"}
        assert sent[-1][0] == "completed"


@pytest.mark.parametrize("heartbeat", [None, 15.0])
def test_async_a_source_that_raises_is_relayed_as_failed_without_its_message(
    heartbeat: Optional[float],
) -> None:
    async def source() -> AsyncIterator[Any]:
        yield PartialUpdate({"a": 1}, (("a",),))
        raise RuntimeError("secret detail")

    chunks = asyncio.run(collect(arelay(source(), heartbeat=heartbeat)))
    assert decoded(chunks)[-1] == ("failed", {"reason": "relay_error"})
    assert b"secret" not in b"".join(chunks)


@pytest.mark.parametrize("heartbeat", [None, 15.0])
def test_async_a_source_that_ends_without_a_terminal_update_fails_interrupted(
    heartbeat: Optional[float],
) -> None:
    async def source() -> AsyncIterator[Any]:
        yield PartialUpdate({"a": 1}, (("a",),))

    chunks = asyncio.run(collect(arelay(source(), heartbeat=heartbeat)))
    assert decoded(chunks)[-1] == ("failed", {"reason": "interrupted"})


def test_async_a_slow_browser_holds_the_reader_back_and_loses_nothing() -> None:
    pieces = ['{"a": [', *[f"{i}, " for i in range(300)], "300]}"]

    async def main() -> tuple[list[bytes], partialjson.AsyncResponseStream]:
        response = partialjson.stream(slow_source(pieces, 0))
        sent = []
        async for chunk in arelay(response):
            sent.append(chunk)
            await asyncio.sleep(0)  # the browser is slower than the model
        return sent, response

    sent, response = asyncio.run(main())
    assert rebuilt(decoded(sent)) == {"a": list(range(301))}
    assert response.state is ResponseState.COMPLETED


def test_async_cancel_from_another_task_while_the_consumer_waits_on_the_source() -> None:
    """Without an idle timeout the consuming task reads the source itself; cancel() from
    another task interrupts that read and the iteration ends with Cancelled, not an error."""

    async def stalled() -> AsyncIterator[bytes]:
        yield sse_chunk('{"a": ')
        await asyncio.sleep(60)
        yield sse_chunk("1}")

    async def main() -> tuple[partialjson.AsyncResponseStream, list[Any], bool]:
        response = partialjson.stream(stalled())
        updates: list[Any] = []

        async def consume() -> None:
            async for update in response:
                updates.append(update)

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.05)
        await response.cancel()
        await asyncio.wait_for(task, 5)
        return response, updates, task.cancelled()

    response, updates, cancelled = asyncio.run(main())
    assert not cancelled
    assert response.state is ResponseState.CANCELLED
    assert type(updates[-1]).__name__ == "Cancelled"


def test_async_the_consuming_task_cancelled_while_it_reads_cancels_the_response() -> None:
    async def stalled() -> AsyncIterator[bytes]:
        yield sse_chunk('{"a": ')
        await asyncio.sleep(60)

    async def main() -> partialjson.AsyncResponseStream:
        response = partialjson.stream(stalled())

        async def consume() -> None:
            async for _ in response:
                pass

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return response

    assert asyncio.run(main()).state is ResponseState.CANCELLED


def test_async_a_reader_that_dies_of_a_cancellation_ends_the_relay_instead_of_hanging() -> None:
    async def source() -> AsyncIterator[Any]:
        yield PartialUpdate({"a": 1}, (("a",),))
        raise asyncio.CancelledError  # e.g. something the source awaited was cancelled

    async def main() -> list[bytes]:
        return await asyncio.wait_for(collect(arelay(source(), heartbeat=0.05)), 5)

    assert decoded(asyncio.run(main()))[-1] == ("failed", {"reason": "interrupted"})


class _EchoWriter:
    """A protocol writer (as ``adrive`` runs one): a chunk per update, ``b"end"`` at the end."""

    def __init__(self) -> None:
        self.ended = False

    def feed(self, update: Any) -> list[bytes]:
        if update == "last":
            self.ended = True
            return [b"last", b"end"]
        return [str(update).encode()]

    def end(self, error: Optional[BaseException] = None) -> list[bytes]:
        if self.ended:
            return []
        self.ended = True
        return [b"end"]

    def cancel(self) -> list[bytes]:
        self.ended = True
        return []

    def due(self) -> Optional[float]:
        return None

    def flush_due(self) -> list[bytes]:
        return []


def test_adrive_sends_what_the_writer_made_after_it_ended_while_the_reader_waited() -> None:
    # The pump reads the stream in a task of its own: it may end the writer while the reader
    # of adrive() is busy with the chunk before; the last chunks must still go out.
    from partialjson.web.protocols import adrive

    async def updates() -> AsyncIterator[str]:
        yield "first"
        await asyncio.sleep(0)
        yield "last"

    async def main() -> list[bytes]:
        sent = []
        async for chunk in adrive(_EchoWriter(), updates(), heartbeat=15.0):
            sent.append(chunk)
            await asyncio.sleep(0)  # the browser's socket takes its time
        return sent

    assert asyncio.run(main()) == [b"first", b"last", b"end"]


@pytest.mark.parametrize("heartbeat", [15.0, None])
def test_async_a_relayed_response_that_ended_closes_its_updates_at_once(
    heartbeat: Optional[float],
) -> None:
    # Not left to the garbage collector: asyncio's finalizer hook would close the generator in a
    # task of its own, woken through the event loop's self-pipe, once per response.
    closed: list[bool] = []

    async def updates() -> AsyncIterator[Any]:
        try:
            yield Completed(value={"a": 1}, reason="stop")
            yield Completed(value={"a": 2}, reason="stop")  # after the end: never read
        finally:
            closed.append(True)

    async def main() -> list[bytes]:
        source = updates()  # held here: only the relay can have closed it
        chunks = [chunk async for chunk in arelay(source, heartbeat=heartbeat)]
        assert closed == [True]
        return chunks

    chunks = asyncio.run(main())
    assert [kind for kind, _ in decoded(chunks)] == ["completed"]

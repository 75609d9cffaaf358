"""arelay() and adrive() reading a response stream in the consuming task itself (no pump task):
heartbeats and coalesced batches while a read waits, cancel() from another task reaching the
read and the upstream, the consuming task cancelled or the relay closed while a read waits,
errors — for a read that waits on a plain asyncio future (the task waits on it itself), on a
future of another kind (the task waits on a gate) and on a bare yield."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from typing import Any, Optional

import pytest

import partialjson
from partialjson import ResponseState, SSEDecoder, arelay

relay_module = sys.modules["partialjson.web.relay"]  # (the package's ``relay`` is the function)


class _OtherFuture(asyncio.Future):  # type: ignore[type-arg]
    """A future of another kind than asyncio's own: the relay waits on a gate for it."""


WAITS = ["future", "other-future", "bare-yields"]


async def wait(kind: str, seconds: float) -> None:
    """Wait as a network read does: on a future that a callback completes (or by polling)."""
    loop = asyncio.get_running_loop()
    if kind == "bare-yields":
        end = loop.time() + seconds
        while loop.time() < end:
            await asyncio.sleep(0)
        return
    future: asyncio.Future[None] = (
        loop.create_future() if kind == "future" else _OtherFuture(loop=loop)
    )
    handle = loop.call_later(seconds, lambda: future.done() or future.set_result(None))
    try:
        await future
    finally:
        handle.cancel()


def sse_chunk(text: str, finish: Optional[str] = None) -> bytes:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return b"data: " + json.dumps({"id": "c", "choices": [choice]}).encode() + b"\n\n"


class Upstream:
    """A source that records what happened to it: a read cancelled, closed."""

    def __init__(self, kind: str, pause: float = 0.3, error: Optional[BaseException] = None):
        self.kind, self.pause, self.error = kind, pause, error
        self.cancelled = False
        self.closed = False
        self.resumed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            yield sse_chunk('{"a": "x')
            try:
                await wait(self.kind, self.pause)
            except asyncio.CancelledError:
                self.cancelled = True
                raise
            self.resumed = True
            if self.error is not None:
                raise self.error
            yield sse_chunk('y"}', "stop")
        finally:
            self.closed = True


def decoded(chunks: list[bytes]) -> list[tuple[str, Any]]:
    decoder = SSEDecoder()
    out = [e for chunk in chunks for e in decoder.feed(chunk)] + decoder.close()
    return [(e.event, e.json()) for e in out]


HEARTBEAT = b": keep-alive\n\n"


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="before 3.11 a pump reads (see relay._reads)"
)
def test_a_response_stream_is_read_without_a_pump(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pump(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a response stream needs no pump")

    monkeypatch.setattr(relay_module, "_AsyncPump", no_pump)

    async def main() -> list[bytes]:
        upstream = Upstream("future", pause=0.01)
        return [c async for c in arelay(partialjson.stream(upstream.chunks()), heartbeat=5)]

    assert decoded(asyncio.run(main()))[-1][0] == "completed"


@pytest.mark.parametrize("kind", WAITS)
@pytest.mark.parametrize("protocol", ["partialjson", "ai-sdk"])
def test_heartbeats_while_a_read_waits_then_the_rest(kind: str, protocol: str) -> None:
    async def main() -> tuple[list[bytes], Upstream]:
        upstream = Upstream(kind, pause=0.35)
        response = partialjson.stream(upstream.chunks())
        chunks = [c async for c in arelay(response, heartbeat=0.1, protocol=protocol)]
        return chunks, upstream

    chunks, upstream = asyncio.run(main())
    first_wait = chunks.index(HEARTBEAT)
    assert chunks.count(HEARTBEAT) >= 2
    assert upstream.resumed and upstream.closed and not upstream.cancelled
    if protocol == "partialjson":  # the same events as without heartbeats, in order
        sent = decoded([c for c in chunks if c != HEARTBEAT])
        assert sent[-1] == ("completed", {"value": {"a": "xy"}, "reason": "stop"})
        assert [kind for kind, _ in decoded(chunks[:first_wait])] == ["started", "patch"]
    else:
        assert chunks[-1] == b"data: [DONE]\n\n"


@pytest.mark.parametrize("kind", WAITS)
def test_a_coalesced_batch_goes_out_while_a_read_waits(kind: str) -> None:
    async def main() -> tuple[list[tuple[str, Any]], Upstream, list[bool]]:
        upstream = Upstream(kind, pause=0.4)
        response = partialjson.stream(upstream.chunks())
        sent: list[bytes] = []
        resumed_when_sent: list[bool] = []
        async for chunk in arelay(response, heartbeat=None, max_rate=10):
            sent.append(chunk)
            resumed_when_sent.append(upstream.resumed)
        return decoded(sent), upstream, resumed_when_sent

    sent, upstream, resumed_when_sent = asyncio.run(main())
    assert upstream.closed and not upstream.cancelled
    patches = [i for i, (kind, _) in enumerate(sent) if kind == "patch"]
    assert not resumed_when_sent[patches[0]]  # the first batch did not wait for the source
    assert sent[-1][0] == "completed"


@pytest.mark.parametrize("kind", WAITS)
@pytest.mark.parametrize("protocol", ["partialjson", "ai-sdk"])
def test_cancel_from_another_task_reaches_the_waiting_read_and_the_upstream(
    kind: str, protocol: str
) -> None:
    async def main() -> tuple[list[bytes], Upstream, Any, asyncio.Task[Any]]:
        upstream = Upstream(kind, pause=30)
        response = partialjson.stream(upstream.chunks())
        sent: list[bytes] = []

        async def consume() -> None:
            async for chunk in arelay(response, heartbeat=0.05, protocol=protocol):
                sent.append(chunk)

        task = asyncio.ensure_future(consume())
        while HEARTBEAT not in sent:  # the read waits (and a heartbeat went out meanwhile)
            await asyncio.sleep(0.01)
        await response.cancel()
        await asyncio.wait_for(asyncio.shield(task), 5)
        return sent, upstream, response, task

    sent, upstream, response, task = asyncio.run(main())
    assert not task.cancelled() and task.exception() is None  # the consumer was not cancelled
    assert upstream.cancelled and upstream.closed
    assert response.state is ResponseState.CANCELLED
    if protocol == "partialjson":
        assert decoded(sent)[-1][0] == "cancelled"


@pytest.mark.parametrize("kind", WAITS)
def test_the_consuming_task_cancelled_while_a_read_waits(kind: str) -> None:
    async def main() -> tuple[Upstream, Any, asyncio.Task[Any]]:
        upstream = Upstream(kind, pause=30)
        response = partialjson.stream(upstream.chunks())
        sent: list[bytes] = []

        async def consume() -> None:
            async for chunk in arelay(response, heartbeat=0.05):
                sent.append(chunk)

        task = asyncio.ensure_future(consume())
        while HEARTBEAT not in sent:
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.wait({task}, timeout=5)
        return upstream, response, task

    upstream, response, task = asyncio.run(main())
    assert task.cancelled()  # the consumer's cancellation is its own, raised as such
    assert upstream.cancelled and upstream.closed
    assert response.state is ResponseState.CANCELLED


@pytest.mark.parametrize("kind", WAITS)
def test_the_consuming_task_cancelled_just_as_the_read_resumes(kind: str) -> None:
    # The task is cancelled while it waits on the read's future (or between two bare yields):
    # the cancellation is raised, whatever step the read was at.
    async def main() -> tuple[Upstream, asyncio.Task[Any]]:
        upstream = Upstream(kind, pause=0.05)
        response = partialjson.stream(upstream.chunks())

        async def consume() -> None:
            async for _ in arelay(response, heartbeat=10):
                pass

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.wait({task}, timeout=5)
        return upstream, task

    upstream, task = asyncio.run(main())
    assert task.cancelled() or task.exception() is None
    assert upstream.closed


@pytest.mark.parametrize("kind", WAITS)
@pytest.mark.parametrize("protocol", ["partialjson", "ai-sdk"])
def test_closing_the_relay_while_a_read_waits_cancels_the_upstream(
    kind: str, protocol: str
) -> None:
    async def main() -> tuple[Upstream, Any]:
        upstream = Upstream(kind, pause=30)
        response = partialjson.stream(upstream.chunks())
        chunks = arelay(response, heartbeat=0.05, protocol=protocol)
        async for chunk in chunks:
            if chunk == HEARTBEAT:  # the read waits: the browser goes away now
                break
        await asyncio.wait_for(chunks.aclose(), 5)  # type: ignore[attr-defined]
        return upstream, response

    upstream, response = asyncio.run(main())
    assert upstream.cancelled and upstream.closed
    assert response.state is ResponseState.CANCELLED


@pytest.mark.parametrize("kind", WAITS)
def test_an_error_after_a_waiting_read_is_relayed_as_failed_without_its_message(
    kind: str,
) -> None:
    async def main() -> tuple[list[bytes], Any]:
        upstream = Upstream(kind, pause=0.15, error=ConnectionResetError("secret prompt"))
        response = partialjson.stream(upstream.chunks())
        return [c async for c in arelay(response, heartbeat=0.05)], response

    chunks, response = asyncio.run(main())
    assert b"secret" not in b"".join(chunks)
    assert decoded(chunks)[-1] == ("failed", {"reason": "interrupted"})
    assert response.state is ResponseState.INCOMPLETE or response.state.terminal


@pytest.mark.parametrize("kind", WAITS)
def test_a_read_that_dies_of_its_own_cancellation_ends_the_relay(kind: str) -> None:
    # Not the consumer's cancellation: the relay ends (as the pump's task did), not its reader.
    async def main() -> list[bytes]:
        upstream = Upstream(kind, pause=0.05, error=asyncio.CancelledError())
        response = partialjson.stream(upstream.chunks())
        return await asyncio.wait_for(_collect(arelay(response, heartbeat=0.02)), 5)

    assert decoded(asyncio.run(main()))[-1] == ("failed", {"reason": "interrupted"})


async def _collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


@pytest.mark.parametrize("heartbeat", [None, 15.0, 0.01])
def test_the_same_bytes_with_and_without_heartbeats(heartbeat: Optional[float]) -> None:
    pieces = ['{"title": "Q', "uarterly", ' report", "n": [1, ', "2, 3]", "}"]

    async def source() -> AsyncIterator[bytes]:
        for i, piece in enumerate(pieces):
            await wait("future", 0.001)
            await asyncio.sleep(0)
            yield sse_chunk(piece, "stop" if i == len(pieces) - 1 else None)

    async def main(beat: Optional[float]) -> list[bytes]:
        chunks = await _collect(arelay(partialjson.stream(source()), heartbeat=beat))
        return [c for c in chunks if c != HEARTBEAT]

    assert asyncio.run(main(heartbeat)) == asyncio.run(main(None))

"""What the protocol encoders share: driving a sans-I/O writer over a response stream (sync and
async, heartbeats, cancel on disconnect), and growth-based coalescing of values that a protocol
can only re-send whole.

Theory of operation
===================

A protocol encoder (:mod:`partialjson.web.agui`, :mod:`partialjson.web.aisdk`) is a sans-I/O
*writer*: updates in, SSE bytes out, with ``end()`` (the source ran dry or raised), ``cancel()``
(the browser went away), ``due()`` / ``flush_due()`` (a coalesced change waits for a deadline)
and ``ended``. :func:`drive` and :func:`adrive` run a writer over a response stream the way
:func:`partialjson.relay` runs the native wire format: a comment as a heartbeat while the
upstream is quiet, and when the generator is closed early the response is cancelled (which
closes the upstream connection).

Some protocols cannot append to a string (AG-UI's RFC 6902 state deltas) or have no patches at
all (an AI SDK data part replaces its whole value). Re-sending a growing value on every delta
costs the square of its size. :class:`Growth` decides when to re-send: once what is waiting
reaches ``growth`` times what the client already has (so the re-sent sizes grow geometrically
and the total stays linear: at most ``1 + 1/growth`` times the final size), or once a change
has waited ``max_delay`` seconds (so a UI never lags more than that), or when the value
completes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Callable, Optional, Protocol

from .moderation import Moderator
from .reads import HEARTBEAT, SOURCE_END, TIMED_OUT, wake_at
from .relay import SourcePump, _acancel, _AsyncPump, _cancel, _reads, wait_time

__all__ = [
    "PROTOCOLS",
    "Growth",
    "ProtocolWriter",
    "adrive",
    "aprotocol_stream",
    "drive",
    "free_text_of",
    "protocol_headers",
    "protocol_stream",
]

#: The wire formats :func:`partialjson.relay` speaks.
PROTOCOLS = ("partialjson", "ag-ui", "ai-sdk")


class ProtocolWriter(Protocol):
    """A sans-I/O protocol encoder, as :func:`drive` runs it."""

    @property
    def ended(self) -> bool: ...

    def feed(self, update: Any) -> list[bytes]: ...

    def end(self, error: Optional[BaseException] = None) -> list[bytes]: ...

    def cancel(self) -> list[bytes]: ...

    def due(self) -> Optional[float]: ...

    def flush_due(self) -> list[bytes]: ...


class Growth:
    """When to re-send a value that can only go out whole (see the module docstring).

    ``growth``: re-send once the change waiting is this fraction of what was sent (``0``: on
    every change). ``max_delay``: re-send a change that has waited this long (``None``: only by
    growth or completion).

    >>> tracker = Growth(growth=0.5, max_delay=None).tracker()
    >>> tracker.add(10)  # the first change: the client has nothing yet
    True
    >>> tracker.sent(10)
    >>> tracker.add(3), tracker.add(2)  # 3 of 10 waits; 5 of 10 is due
    (False, True)
    """

    def __init__(
        self,
        growth: float = 0.25,
        max_delay: Optional[float] = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if growth < 0:
            raise ValueError("growth must not be negative")
        if max_delay is not None and max_delay < 0:
            raise ValueError("max_delay must not be negative")
        self.growth = growth
        self.max_delay = max_delay
        self.clock = clock

    def tracker(self) -> GrowthTracker:
        return GrowthTracker(self)


class GrowthTracker:
    """One value's coalescing state: how much the client has, how much waits and since when."""

    __slots__ = ("_policy", "has", "since", "waiting")

    def __init__(self, policy: Growth) -> None:
        self._policy = policy
        self.has = 0  # the size of the value as the client has it
        self.waiting = 0  # the size of the changes not sent yet
        self.since: Optional[float] = None  # when the oldest waiting change arrived

    @property
    def total(self) -> int:
        return self.has + self.waiting

    def add(self, size: int) -> bool:
        """A change of ``size``: whether the value is due to be re-sent now."""
        self.waiting += size
        if self.since is None:
            self.since = self._policy.clock()
        return self.waiting >= self._policy.growth * self.has or self.overdue()

    def overdue(self) -> bool:
        deadline = self.deadline()
        return deadline is not None and self._policy.clock() >= deadline

    def deadline(self) -> Optional[float]:
        if self.since is None or self._policy.max_delay is None:
            return None
        return self.since + self._policy.max_delay

    def sent(self, size: int) -> None:
        """The value went out whole, ``size`` large."""
        self.has = size
        self.waiting = 0
        self.since = None


def drive(
    writer: ProtocolWriter, updates: Iterable[Any], heartbeat: Optional[float]
) -> Iterator[bytes]:
    """Run ``writer`` over ``updates``: SSE bytes; closing the generator early cancels the
    response. The source is read (and the writer fed) on a helper thread
    (:class:`~partialjson.web.relay.SourcePump`), so the wait for it can time out for
    heartbeats and coalescing deadlines."""
    lock = threading.Lock()

    def feed(update: Any) -> list[bytes]:
        with lock:
            return writer.feed(update)

    pump = SourcePump(iter(updates), feed, done=lambda: writer.ended)
    last_sent = time.monotonic()
    finished = False
    try:
        while not finished:
            with lock:
                timeout = wait_time(writer, heartbeat, last_sent)
            item = pump.get(timeout)
            chunks: list[bytes]
            if item is None:  # a coalesced change is due, or a heartbeat
                with lock:
                    due = writer.due()
                    chunks = (
                        writer.flush_due() if due is not None and due <= time.monotonic() else []
                    )
                if not chunks:
                    if heartbeat is None or time.monotonic() - last_sent < heartbeat:
                        continue
                    chunks = [HEARTBEAT]
            elif item is SOURCE_END or isinstance(item, Exception):
                finished = True
                with lock:
                    chunks = writer.end(None if item is SOURCE_END else item)
            else:
                chunks = item
            for chunk in chunks:
                last_sent = time.monotonic()
                yield chunk
    except GeneratorExit:
        if not finished:  # the browser went away: cancel upstream
            _cancel(updates)
            with lock:
                writer.cancel()
        raise
    finally:
        pump.stop()


async def adrive(
    writer: ProtocolWriter, updates: AsyncIterable[Any], heartbeat: Optional[float]
) -> AsyncIterator[bytes]:
    """The async twin of :func:`drive`: closing it early, or cancelling the task that reads
    it, cancels the response."""
    # A response stream is read in this task, step by step, each update fed to the writer
    # before the next is read (an update's value is live), the wait for a read cut short for
    # heartbeats and coalesced values due (the relay's reads.Reads). Another source is read by one
    # task for the whole response (the relay's pump), not a task per update.
    reads = _reads(updates)
    pump = _AsyncPump(updates.__aiter__(), writer) if reads is None else None
    last_sent = time.monotonic()
    try:
        # Not ``while not writer.ended``: the pump may end the writer while this generator
        # waits for its reader to take a chunk, with the last chunks still in the outbox.
        while not (writer.ended and (pump is None or pump.empty)):
            chunks: Optional[list[bytes]]
            if reads is not None:
                try:
                    update = await reads.next(wake_at(writer, heartbeat, last_sent))
                except Exception as error:  # relayed as failed, without its message
                    chunks = writer.end(error)
                else:
                    if update is TIMED_OUT:
                        chunks = None
                    elif update is SOURCE_END:
                        chunks = writer.end()
                    else:
                        chunks = writer.feed(update)
            else:
                assert pump is not None
                waiter = pump.wait(wake_at(writer, heartbeat, last_sent))
                if waiter is not None:
                    await waiter
                chunks = pump.take()
            if chunks is None:  # a timeout: a coalesced value is due, or a heartbeat
                due = writer.due()
                if due is not None and due <= time.monotonic():
                    chunks = writer.flush_due()
                elif heartbeat is not None and time.monotonic() - last_sent >= heartbeat:
                    chunks = [HEARTBEAT]
                else:
                    continue
            for chunk in chunks:
                last_sent = time.monotonic()
                yield chunk
            if not chunks and writer.ended:
                break
    finally:
        if pump is not None:
            await pump.stop()
        elif reads is not None:
            await reads.stop()
        if not writer.ended:  # the browser went away (closed, or the task was cancelled)
            await _acancel(updates)
            writer.cancel()
        elif reads is not None:
            await reads.close()


def free_text_of(updates: Any) -> Optional[Callable[[], str]]:
    """The raw answer text of a response stream, as a callable (``None`` for a plain iterable
    of updates): an answer that completes as prose rather than JSON is sent as text."""
    if not isinstance(getattr(updates, "text", None), str):
        return None
    return lambda: str(updates.text)


def _writer(
    protocol: str,
    updates: Any,
    max_rate: Optional[float],
    store: Any,
    options: dict[str, Any],
) -> ProtocolWriter:
    """The writer of a protocol other than the native one, with the relay's options checked."""
    if protocol == PROTOCOLS[0]:
        extra = ", ".join(sorted(set(options) - {"moderation", "hold_until_complete"}))
        raise TypeError(f"options the native protocol does not take: {extra}")
    if protocol not in PROTOCOLS[1:]:
        raise ValueError(f"unknown protocol {protocol!r}: one of {', '.join(PROTOCOLS)}")
    if max_rate is not None:
        raise ValueError(
            f"max_rate is for the native protocol; {protocol} coalesces by growth and max_delay"
        )
    if store is not None:
        raise ValueError(
            f"a replay store is for the native protocol: {protocol} runs are not resumable "
            "(see docs/agui.md and docs/ai-sdk.md)"
        )
    writer: Any
    if protocol == "ag-ui":
        from .agui import AGUIWriter

        writer = AGUIWriter(**options)
    else:
        from .aisdk import UIMessageStreamWriter

        writer = UIMessageStreamWriter(**options)
    writer.free_text = free_text_of(updates)
    return writer  # type: ignore[no-any-return]


def protocol_stream(
    protocol: str,
    updates: Iterable[Any],
    *,
    heartbeat: Optional[float] = 15.0,
    max_rate: Optional[float] = None,
    moderation: Optional[Moderator] = None,
    hold_until_complete: Iterable[str] = (),
    store: Any = None,
    **options: Any,
) -> Iterator[bytes]:
    """A response stream as ``ag-ui`` events or an ``ai-sdk`` UI message stream: what
    :func:`partialjson.relay` runs for ``protocol=`` (the other options are the writers':
    :class:`~partialjson.web.agui.AGUIWriter`,
    :class:`~partialjson.web.aisdk.UIMessageStreamWriter`).

    >>> import partialjson
    >>> done = {"index": 0, "delta": {"content": "[1]"}, "finish_reason": "stop"}
    >>> sent = protocol_stream("ai-sdk", partialjson.stream([{"choices": [done]}]))
    >>> next(iter(sent))
    b'data: {"type":"start"}\\n\\n'
    """
    options.update(moderation=moderation, hold_until_complete=hold_until_complete)
    writer = _writer(protocol, updates, max_rate, store, options)
    return drive(writer, updates, heartbeat)


def aprotocol_stream(
    protocol: str,
    updates: AsyncIterable[Any],
    *,
    heartbeat: Optional[float] = 15.0,
    max_rate: Optional[float] = None,
    moderation: Optional[Moderator] = None,
    hold_until_complete: Iterable[str] = (),
    store: Any = None,
    **options: Any,
) -> AsyncIterator[bytes]:
    """The async twin of :func:`protocol_stream`.

    >>> import asyncio, partialjson
    >>> async def source():
    ...     yield {"choices": [{"index": 0, "delta": {"content": "[1]"}, "finish_reason": "stop"}]}
    >>> async def main():
    ...     sent = aprotocol_stream("ai-sdk", partialjson.stream(source()))
    ...     return [chunk async for chunk in sent]
    >>> asyncio.run(main())[-1]
    b'data: [DONE]\\n\\n'
    """
    options.update(moderation=moderation, hold_until_complete=hold_until_complete)
    writer = _writer(protocol, updates, max_rate, store, options)
    return adrive(writer, updates, heartbeat)


def protocol_headers(protocol: str) -> dict[str, str]:
    """The response headers a protocol's stream is served with.

    >>> protocol_headers("ai-sdk")["x-vercel-ai-ui-message-stream"]
    'v1'
    """
    if protocol == "ag-ui":
        from .agui import AGUI_HEADERS

        return dict(AGUI_HEADERS)
    if protocol == "ai-sdk":
        from .aisdk import UI_MESSAGE_STREAM_HEADERS

        return dict(UI_MESSAGE_STREAM_HEADERS)
    if protocol == "partialjson":
        return {
            "content-type": "text/event-stream",
            "cache-control": "no-cache",
            "x-accel-buffering": "no",
        }
    raise ValueError(f"unknown protocol {protocol!r}: one of {', '.join(PROTOCOLS)}")

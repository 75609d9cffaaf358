"""Relay a response stream to browsers as server-sent events: minimal patches, display data only.

Theory of operation
===================

A backend that streams an answer on to a browser wants the browser to see what a UI needs —
what changed in the partial value, fields that became final, tool calls taking shape and
released, the terminal state — and nothing else: not the provider's raw events, ids it did not
choose to expose, or provider error messages (which may quote the prompt).

:class:`RelayWriter` is the sans-I/O part: it takes updates one at a time and returns the
:class:`~partialjson.web.wire.RelayEvent` s to send (the wire format is described in
:mod:`partialjson.web.wire`). The partial value goes out as ``patch`` events from a
:class:`~partialjson.web.patches.PatchEncoder`: each update costs what it changed, and a long
string is never re-sent. Update types it does not know are not relayed. With ``max_rate`` it
*coalesces*: at most that many batches a second, the patches of a batch merged into one
(``append`` s to one string joined), the other events after it in order.

:func:`relay` and :func:`arelay` drive a writer over a response stream and yield SSE bytes for a
``StreamingResponse`` (or use :class:`partialjson.web.starlette.RelayResponse`). They send a
comment as a heartbeat while the upstream is quiet, and when the browser goes away (the
generator is closed) they cancel the response, which closes the upstream connection.

    >>> import partialjson
    >>> choice = {"index": 0, "delta": {"content": '{"a": "hi'}, "finish_reason": None}
    >>> done = {"index": 0, "delta": {"content": ' there"}'}, "finish_reason": "stop"}
    >>> stream = partialjson.stream([{"choices": [choice]}, {"choices": [done]}])
    >>> for chunk in relay(stream, heartbeat=None):
    ...     print(chunk.decode().strip())
    id: 1
    event: started
    data: {}
    id: 2
    event: patch
    data: [{"op":"replace","path":"","value":{"a":"hi"}}]
    id: 3
    event: patch
    data: [{"op":"append","path":"/a","value":" there"}]
    id: 4
    event: field_completed
    data: {"path":"/a","choice":0}
    id: 5
    event: field_completed
    data: {"path":"","choice":0}
    id: 6
    event: completed
    data: {"value":{"a":"hi there"},"reason":"stop"}
"""

from __future__ import annotations

import asyncio
import logging
import math
import queue
import threading
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Callable, Optional

from typing_extensions import Protocol

from ..lifecycle.updates import PartialUpdate, Update
from ..streaming.response import AsyncResponseStream
from .moderation import Moderator
from .patches import dumps
from .reads import (
    HEARTBEAT,
    SOURCE_END,
    Due,
    Reads,
    RelayLoop,
    close_ended,
    set_alarm,
    wake_at,
)
from .store import ReplayStore
from .wire import RelayEvent
from .writer import RelayWriter
from .writer import safe_code as safe_code  # where the protocol writers import it from

__all__ = ["HEARTBEAT", "RelayWriter", "arelay", "encode_update", "relay"]

logger = logging.getLogger("partialjson")


def encode_update(update: Update) -> bytes:
    """One update as an SSE event without an id, on its own (``b""`` for updates that are not
    display data). A :class:`~partialjson.PartialUpdate` becomes a ``patch`` that replaces the
    whole value: use :func:`relay` (or a :class:`RelayWriter`) for minimal patches and ids.

    >>> from partialjson import Completed, encode_update
    >>> encode_update(Completed(value={"a": 1}))
    b'event: completed\\ndata: {"value":{"a":1},"reason":null}\\n\\n'
    """
    writer = RelayWriter()
    events = writer.feed(update)
    if isinstance(update, PartialUpdate) and update.choice == 0:
        data = dumps(
            [{"op": "replace", "path": "", "value": writer._encoder.outgoing(update.value)}]
        )
        events = [RelayEvent("1", "patch", data)]
    return b"".join(b"event: " + e.event.encode() + b"\ndata: " + e.data + b"\n\n" for e in events)


class SourcePump:
    """Reads a sync iterator of updates on a helper thread and encodes each one *there*, so
    that the sending side can wait with a timeout (heartbeats, coalescing) and stop reading when
    the browser goes away. An update's value is live (the parser changes it in place as the
    stream goes on), so only the thread that advances the stream may read it: ``encode`` runs
    before the next update is read. ``done``: stop reading once it says so (the writer has
    ended). Used by :func:`relay` and the protocol encoders' ``drive``.

    The hand-over costs little per update: the encoded items go into a list under a plain lock,
    and the sender takes *all* of them at once; a thread is woken (a token on a
    :class:`queue.SimpleQueue`, in C) only when it waits — the sender for items, or the reader
    for room once ``size`` items wait (memory stays bounded however slow the browser is).
    ``queue.Queue`` paid two condition variables per item, in Python."""

    def __init__(
        self,
        updates: Iterator[Any],
        encode: Callable[[Any], Any],
        done: Callable[[], bool] = lambda: False,
        size: int = 64,
    ) -> None:
        self._updates = updates
        self._encode = encode
        self._done = done
        self._size = size
        self._lock = threading.Lock()
        self._items: list[Any] = []  # encoded, not taken yet (guarded by the lock)
        self._taken: deque[Any] = deque()  # taken by the sender, not returned yet (its own)
        self._waiting = False  # the sender waits for a token on _wake (guarded by the lock)
        self._blocked = False  # the reader waits for a token on _room (guarded by the lock)
        self._wake: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._room: queue.SimpleQueue[None] = queue.SimpleQueue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="partialjson-relay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        item: Any = SOURCE_END
        try:
            for update in self._updates:
                if not self._put(self._encode(update)):
                    return
                if self._done():
                    break
        except Exception as error:  # relayed as failed by the reader, without its message
            item = error
        self._put(item)

    def _put(self, item: Any) -> bool:
        """Hand ``item`` over; False once the pump was stopped (waiting for room)."""
        with self._lock:
            self._items.append(item)
            if self._waiting:
                self._waiting = False
                self._wake.put(None)
            full = self._blocked = len(self._items) >= self._size
        while full:  # the sender is slow: wait until it takes what waits
            if self._stopped.is_set():
                return False
            try:
                self._room.get(timeout=0.1)
                return True
            except queue.Empty:
                with self._lock:
                    full = self._blocked
                if not full:  # the token came as the wait ran out
                    self._room.get_nowait()
        return not self._stopped.is_set()

    def get(self, timeout: Optional[float]) -> Any:
        """What ``encode`` made of the next update, :data:`SOURCE_END`, an exception the source
        raised, or None (timeout)."""
        taken = self._taken
        if taken:
            return taken.popleft()
        with self._lock:
            waiting = self._waiting = not self._items
        if waiting:
            try:
                self._wake.get(timeout=timeout)
            except queue.Empty:
                with self._lock:
                    timed_out = self._waiting
                    self._waiting = False
                if timed_out:
                    return None
                self._wake.get_nowait()  # the token came as the wait ran out
        with self._lock:
            items, self._items = self._items, []
            if self._blocked:
                self._blocked = False
                self._room.put(None)
        taken.extend(items)
        return taken.popleft()

    @property
    def ready(self) -> bool:
        """Whether :meth:`get` has an item without waiting (one it took with others)."""
        return bool(self._taken)

    def stop(self, wait: float = 1.0) -> None:
        self._stopped.set()
        self._thread.join(wait)


def wait_time(writer: Due, heartbeat: Optional[float], last_sent: float) -> Optional[float]:
    """How long a sender may wait for the source, in seconds from now (see :func:`wake_at`)."""
    until = wake_at(writer, heartbeat, last_sent)
    return None if until is None else max(0.0, until - time.monotonic())


def relay(
    updates: Iterable[Update],
    *,
    heartbeat: Optional[float] = 15.0,
    max_rate: Optional[float] = None,
    moderation: Optional[Moderator] = None,
    hold_until_complete: Iterable[str] = (),
    store: Optional[ReplayStore] = None,
    key: Optional[str] = None,
    protocol: str = "partialjson",
    **options: Any,
) -> Iterator[bytes]:
    """A response stream's updates as SSE bytes for a browser.

    ``protocol``: ``"partialjson"`` (this module's wire format), ``"ag-ui"`` (AG-UI 1.0
    events: :mod:`partialjson.web.agui`) or ``"ai-sdk"`` (the AI SDK UI message stream:
    :mod:`partialjson.web.aisdk`); ``options`` go to that protocol's writer (``thread_id``,
    ``run_id``, ``name``...). ``max_rate``, ``store`` and ``key`` are the native protocol's.

    ``heartbeat``: seconds of upstream silence after which a comment is sent (``None``: never;
    with heartbeats or ``max_rate`` the stream is read on a helper thread). ``max_rate``,
    ``moderation``, ``hold_until_complete``: see :class:`RelayWriter`. ``store`` and ``key``:
    every event is also appended to a replay store under ``key``, for readers that reconnect
    (see :class:`partialjson.web.hub.RelayHub`, which serves them).

    Closing the generator early (the browser went away) cancels the response: ``cancel()`` on
    it, which closes the upstream connection.

    >>> import partialjson
    >>> chunks = [  # Chat Completions chunks; any source stream() reads will do
    ...     {"choices": [{"index": 0, "delta": {"content": '{"a": "x'}}]},
    ...     {"choices": [{"index": 0, "delta": {"content": 'y"}'}, "finish_reason": "stop"}]},
    ... ]
    >>> for event in partialjson.relay(partialjson.stream(chunks), heartbeat=None):
    ...     print(event.decode().strip().replace("\\n", " | "))
    id: 1 | event: started | data: {}
    id: 2 | event: patch | data: [{"op":"replace","path":"","value":{"a":"x"}}]
    id: 3 | event: patch | data: [{"op":"append","path":"/a","value":"y"}]
    id: 4 | event: field_completed | data: {"path":"/a","choice":0}
    id: 5 | event: field_completed | data: {"path":"","choice":0}
    id: 6 | event: completed | data: {"value":{"a":"xy"},"reason":"stop"}
    """
    # Checked here, when called: the relay itself is a generator, which would raise only at
    # its first event.
    if protocol != "partialjson" or options:  # another wire format: its encoder
        from .protocols import protocol_stream

        _native_only(protocol, key)
        return protocol_stream(
            protocol, updates, heartbeat=heartbeat, max_rate=max_rate, moderation=moderation,
            hold_until_complete=hold_until_complete, store=store, **options
        )  # fmt: skip
    if (store is None) != (key is None):
        raise ValueError("a store needs a key, and a key a store")
    return _relay(updates, heartbeat, max_rate, moderation, hold_until_complete, store, key)


def _native_only(protocol: str, key: Optional[str]) -> None:
    if key is not None:
        raise ValueError(f"key is for the native protocol's store; {protocol} does not take one")


def _relay(
    updates: Iterable[Update],
    heartbeat: Optional[float],
    max_rate: Optional[float],
    moderation: Optional[Moderator],
    hold_until_complete: Iterable[str],
    store: Optional[ReplayStore],
    key: Optional[str],
) -> Iterator[bytes]:
    writer = RelayWriter(
        max_rate=max_rate, moderation=moderation, hold_until_complete=hold_until_complete
    )
    iterator = iter(updates)
    # With heartbeats or coalescing the stream is read on a helper thread, so that this one can
    # wait with a timeout. That thread also turns each update into events: an update's value is
    # live (the parser mutates it as the stream goes on), so only the thread that advances the
    # stream may read it. The lock keeps the writer whole between the two threads.
    lock = threading.Lock()

    def encode(update: Update) -> list[RelayEvent]:
        with lock:
            return writer.feed(update)

    threaded = heartbeat is not None or max_rate is not None
    pump = SourcePump(iterator, encode) if threaded else None
    storing = store is not None and key is not None
    last_sent = time.monotonic()
    ended = False  # the terminal event was sent (the pump's thread may have ended the writer)
    try:
        while not ended:
            if pump is None:
                try:
                    item: Any = next(iterator, SOURCE_END)
                except Exception as error:  # relayed as failed, without its message
                    item = error
            else:  # the wait is worked out only if nothing was handed over yet
                item = pump.get(None if pump.ready else wait_time(writer, heartbeat, last_sent))
            events: list[RelayEvent]
            if item is None:  # a timeout: a batch is due, or a heartbeat
                with lock:
                    due = writer.due()
                    batch = writer.flush() if due is not None and due <= time.monotonic() else None
                if batch is not None:
                    events = batch
                elif heartbeat is not None and time.monotonic() - last_sent >= heartbeat:
                    last_sent = time.monotonic()
                    yield HEARTBEAT
                    continue
                else:
                    continue
            elif item is SOURCE_END or isinstance(item, BaseException):
                with lock:
                    events = writer.end(None if item is SOURCE_END else item)
            elif pump is not None:  # the events the pump's thread made of one update
                events = item
            else:
                events = writer.feed(item)
            if events:
                last_sent = time.monotonic()
            for event in events:
                if storing:
                    store.append(key, event)  # type: ignore[union-attr,arg-type]
                ended = ended or event.terminal
                yield event.encode()
    except GeneratorExit:
        if not ended:  # the browser went away: cancel upstream
            _cancel(updates)
            with lock:
                cancelled = writer.cancel()
            for event in cancelled:
                if store is not None and key is not None:
                    store.append(key, event)
        raise
    finally:
        if pump is not None:
            pump.stop()


def _cancel(updates: Any) -> None:
    """Cancel a response stream (``cancel()``), or close a plain iterator of updates."""
    cancel = getattr(updates, "cancel", None) or getattr(updates, "close", None)
    if callable(cancel):
        try:
            cancel()
        except Exception:  # e.g. a generator running on the pump's thread: it ends on its own
            logger.debug("cancelling the relayed stream raised", exc_info=True)


async def _acancel(updates: Any) -> None:
    cancel = getattr(updates, "cancel", None) or getattr(updates, "aclose", None)
    if callable(cancel):
        try:
            result = cancel()
            if asyncio.iscoroutine(result):
                await asyncio.shield(result)
        except (Exception, asyncio.CancelledError):
            logger.debug("cancelling the relayed stream raised", exc_info=True)


def arelay(
    updates: AsyncIterable[Update],
    *,
    heartbeat: Optional[float] = 15.0,
    max_rate: Optional[float] = None,
    moderation: Optional[Moderator] = None,
    hold_until_complete: Iterable[str] = (),
    store: Optional[Any] = None,
    key: Optional[str] = None,
    protocol: str = "partialjson",
    **options: Any,
) -> AsyncIterator[bytes]:
    """The async twin of :func:`relay` (``store``: an
    :class:`~partialjson.web.store.AsyncReplayStore`). Closing it early, or cancelling the task
    that reads it, cancels the response.

    >>> import asyncio
    >>> import partialjson
    >>> async def chunks():  # an async source: the official async clients' streams, say
    ...     yield {"choices": [{"index": 0, "delta": {"content": "[1, 2]"}}]}
    ...     yield {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    >>> async def main():
    ...     response = partialjson.stream(chunks())
    ...     return [event async for event in partialjson.arelay(response, heartbeat=None)]
    >>> asyncio.run(main())[-1]
    b'id: 6\\nevent: completed\\ndata: {"value":[1,2],"reason":"stop"}\\n\\n'
    """
    if protocol != "partialjson" or options:  # another wire format: its encoder
        from .protocols import aprotocol_stream

        _native_only(protocol, key)
        return aprotocol_stream(
            protocol, updates, heartbeat=heartbeat, max_rate=max_rate, moderation=moderation,
            hold_until_complete=hold_until_complete, store=store, **options
        )  # fmt: skip
    if (store is None) != (key is None):
        raise ValueError("a store needs a key, and a key a store")
    return _arelay(updates, heartbeat, max_rate, moderation, hold_until_complete, store, key)


async def _arelay(
    updates: AsyncIterable[Update],
    heartbeat: Optional[float],
    max_rate: Optional[float],
    moderation: Optional[Moderator],
    hold_until_complete: Iterable[str],
    store: Optional[Any],
    key: Optional[str],
) -> AsyncIterator[bytes]:
    writer = RelayWriter(
        max_rate=max_rate, moderation=moderation, hold_until_complete=hold_until_complete
    )
    # Without heartbeats or coalescing this task reads the stream itself. With them, a
    # response stream is still read in this task, each read stepped by hand so that a wait for
    # the upstream can be cut short (reads.Reads); another source is read by one task for the whole
    # response that turns each update into events before it reads the next (an update's value
    # is live), this one waiting for them with a timeout (_AsyncPump).
    threaded = heartbeat is not None or max_rate is not None
    storing = store is not None and key is not None
    # Without a store nobody reads the events themselves: the writer hands over their SSE bytes
    # (a delta's patch goes from the update to its bytes in one compiled call).
    sse = not storing
    # A response stream is read here, step by step (see reads.Reads); another source by a pump.
    reads = _reads(updates) if threaded else None
    iterator: Any = updates.__aiter__() if reads is None else None
    pump = _AsyncPump(iterator, writer, sse) if threaded and reads is None else None

    try:
        if reads is not None:  # the loop is compiled (reads.RelayLoop): a response stream
            loop = RelayLoop(reads, writer, heartbeat, max_rate, sse)
            while True:
                item = await loop
                if item is None:
                    break
                if storing and item is not HEARTBEAT:  # an event: stored, then sent
                    await store.append(key, item)  # type: ignore[union-attr]
                    item = item.encode()
                yield item
        last_sent = time.monotonic()
        # Not ``while not writer.ended``: the pump may end the writer while this generator
        # waits for its reader to take an event, with the last events still in the outbox.
        while not (writer.ended and (pump is None or pump.empty)):
            items: Optional[list[Any]]  # SSE bytes, or the events (when storing)
            if pump is not None:
                if max_rate is None:  # nothing is held back: only a heartbeat is ever due
                    until = None if heartbeat is None else last_sent + heartbeat
                else:
                    until = wake_at(writer, heartbeat, last_sent)
                waiter = pump.wait(until)
                if waiter is not None:
                    await waiter
                items = pump.take()
            else:
                try:
                    update = await iterator.__anext__()
                except StopAsyncIteration:
                    items = _sent(writer.end(), storing)
                except Exception as error:  # relayed as failed, without its message
                    items = _sent(writer.end(error), storing)
                else:
                    if sse:
                        items = []
                        writer.feed_sse(update, items)
                    else:
                        items = _sent(writer.feed(update), storing)
            if items is None:  # the pump timed out: a batch is due, or a heartbeat
                due = writer.due()
                if due is not None and due <= time.monotonic():
                    items = _sent(writer.flush(), storing)
                elif heartbeat is not None and time.monotonic() - last_sent >= heartbeat:
                    last_sent = time.monotonic()
                    yield HEARTBEAT
                    continue
                else:
                    continue
            if items:
                last_sent = time.monotonic()
            if storing:
                for event in items:
                    await store.append(key, event)  # type: ignore[union-attr]
                    yield event.encode()
            else:
                for chunk in items:
                    yield chunk
            if not items and writer.ended:
                break  # nothing more will come (a source that went on after its end)
    finally:
        if pump is not None:
            await pump.stop()
        elif reads is not None:
            await reads.stop()
        if not writer.ended:  # the browser went away (closed, or the task was cancelled)
            await _acancel(updates)
            for event in writer.cancel():
                if store is not None and key is not None:
                    await store.append(key, event)
        elif reads is not None:
            await reads.close()
        elif pump is None:
            await close_ended(iterator)


def _sent(events: list[RelayEvent], storing: bool) -> list[Any]:
    """Events as :func:`_arelay` sends them: the events themselves (to be stored), or their
    bytes."""
    return events if storing else [event.encode() for event in events]


def _reads(updates: Any) -> Optional[Reads]:
    """Hand-driven reads of ``updates``, where they can be had (a response stream whose reads
    no one else drives, read in an asyncio task that can tell its own cancellation: Python
    3.11+); otherwise None: a pump reads it. (Elsewhere Reads would wait on a gate future per
    read, which costs more than the pump's task step: 121k instructions per delta against the
    pump's 107k and the direct wait's 99k, compiled, form 10 KB, a source awaiting a future.)"""
    if type(updates) is AsyncResponseStream and updates._interrupter is None:
        task = asyncio.current_task()
        if isinstance(task, asyncio.Task) and hasattr(task, "cancelling"):
            return Reads(updates)
    return None


class _Writer(Protocol):
    """What :class:`_AsyncPump` drives: a :class:`RelayWriter`, or a protocol encoder (see
    :mod:`partialjson.web.protocols`), whose events are bytes."""

    @property
    def ended(self) -> bool: ...

    def feed(self, update: Any) -> list[Any]: ...

    def end(self, error: Optional[BaseException] = None) -> list[Any]: ...


class _AsyncPump:
    """The async twin of :class:`SourcePump`: one task reads the updates and feeds each to the
    writer before it reads the next, and keeps the events in an outbox that :meth:`take`
    empties (after awaiting what :meth:`wait` gives, until a deadline). One task per response,
    not one per update, and one wake-up of the sender per read (however many updates it
    brought). Used by :func:`arelay` and the protocol encoders' ``adrive`` for sources other
    than a response stream (which they read themselves: :class:`~partialjson.web.reads.Reads`).

    ``sse``: the writer is a :class:`RelayWriter` whose :meth:`~RelayWriter.feed_sse` puts an
    update's events in the outbox as SSE bytes (the writer's end too); otherwise the writer's
    ``feed`` gives the events. (A flag, not the bound method: one object fewer for the
    garbage collector to visit per open response.)"""

    def __init__(
        self,
        updates: AsyncIterator[Any],
        writer: _Writer,
        sse: bool = False,
        size: int = 64,
    ):
        self._updates = updates
        self._writer = writer
        self._sse = sse
        self._size = size
        self._outbox: list[Any] = []
        self._done = False
        self._error: Optional[BaseException] = None
        self._loop = asyncio.get_running_loop()
        self._waiter: Optional[asyncio.Future[None]] = None  # the sender waits for events
        self._space: Optional[asyncio.Future[None]] = None  # the reader waits for room
        self._timer: Optional[asyncio.TimerHandle] = None  # wakes the sender (see set_alarm)
        self._rings_at = math.inf  # when that timer rings, on time.monotonic's clock
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        writer, outbox, updates, size = self._writer, self._outbox, self._updates, self._size
        sse_writer: Any = writer if self._sse else None  # a RelayWriter
        try:
            async for update in updates:
                if sse_writer is not None:
                    sse_writer.feed_sse(update, outbox)
                else:
                    events = writer.feed(update)
                    if events:
                        outbox.extend(events)
                if outbox:  # (when it was not empty before, the sender is not waiting)
                    waiter = self._waiter
                    if waiter is not None and not waiter.done():
                        waiter.set_result(None)  # wake the sender
                    if len(outbox) >= size:  # the sender is slow: wait for room
                        self._space = self._loop.create_future()
                        await self._space
                if writer.ended:
                    break
            await close_ended(updates)
        except Exception as error:  # relayed as failed, without its message
            self._error = error
        finally:  # also when cancelled: the sender must not wait for a reader that is gone
            self._done = True
            self._wake()

    @property
    def empty(self) -> bool:
        """Whether every event made so far was taken."""
        return not self._outbox

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def wait(self, until: Optional[float]) -> Optional[asyncio.Future[None]]:
        """What to await before :meth:`take` (``None``: take at once): a future done once
        events come, the updates run dry, or ``until`` passes (on :func:`time.monotonic`'s
        clock; ``None``: as long as it takes). A plain future, not a coroutine: a delta costs
        the sender one wake-up and no frame of its own."""
        if self._outbox or self._done:
            return None
        if until is not None and until < self._rings_at:
            self._timer = set_alarm(self._loop, self._timer, until, self._ring)
            self._rings_at = until
        waiter = self._waiter = self._loop.create_future()
        return waiter

    def take(self) -> Optional[list[Any]]:
        """The events made since the last call; once the updates ran dry, the writer's end; or
        None (the wait ended with nothing: a deadline passed)."""
        self._waiter = None
        outbox = self._outbox
        if outbox:
            events = outbox[:]
            del outbox[:]
            space = self._space
            if space is not None and not space.done():
                space.set_result(None)
            return events
        if self._done:
            ended = self._writer.end(self._error)
            return [event.encode() for event in ended] if self._sse else ended
        return None

    def _ring(self) -> None:
        self._timer = None
        self._rings_at = math.inf
        self._wake()

    async def stop(self) -> None:
        """Stop reading (cancelling a read that waits) and wait until the reader has ended."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._rings_at = math.inf
        if not self._task.done():
            self._task.cancel()
            await asyncio.wait({self._task})

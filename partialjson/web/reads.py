"""A response stream read in the consuming task itself, each read stepped by hand.

What :func:`~partialjson.arelay` and the protocol encoders' ``adrive`` do with an
:class:`~partialjson.AsyncResponseStream` when heartbeats (or coalesced batches) are on: they
must send a heartbeat while a read waits for the upstream, yet a task that ``await``\\ s the read
does not run again until the read is done. Rather than a second task per response that reads
(a pump: two task steps per delta), :class:`Reads` runs each read as a task would — a
``yield from`` by hand, passing what the read yields up to the task — so that it can return
early with :data:`TIMED_OUT` once an alarm rang, the read still under way, and go on with it at
the next call.

What it reads is the source's items, each made into updates by the stream's own steps (the
stream's ``__aiter__`` does the same through an async generator, a layer this skips); a stream
with an idle timeout is read through its own iterator, where the timeout runs.

This module is compiled in the compiled build (``partialjson._build``): the stepping runs for
every delta a relay sends. A compiled generator cannot be awaited as it is (only a Python
generator marked by :func:`types.coroutine` can), so :meth:`Reads.next` returns the reader
itself, an awaitable whose ``__await__`` is that generator.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Generator
from typing import Any, Callable, Final, Optional

from typing_extensions import Protocol

from ..lifecycle.machine import Lifecycle
from ..lifecycle.updates import ResponseState
from ..streaming.reader import Steps
from ..streaming.response import _aclose
from .wire import RelayEvent
from .writer import RelayWriter

__all__ = [
    "HEARTBEAT",
    "SOURCE_END",
    "TIMED_OUT",
    "Due",
    "Reads",
    "RelayLoop",
    "close_ended",
    "set_alarm",
    "wake_at",
]

logger = logging.getLogger("partialjson")

#: What a relay's reader gives once the source ran dry.
SOURCE_END: Final[Any] = object()
#: What :meth:`Reads.next` gives when the alarm rang while the read still waits.
TIMED_OUT: Final[Any] = object()

#: An SSE comment: browsers ignore it; proxies see a live connection.
HEARTBEAT = b": keep-alive\n\n"

#: What stepping a read gives once it returned (see :meth:`Reads._reading`).
_RETURNED: Final[Any] = object()

#: What :meth:`Reads._took` gives for an item that made no update.
_AGAIN: Final[Any] = object()

#: The empty queue of a Reads or RelayLoop that never queued anything: shared, never added to
#: (one is made when there is something to queue).
_NONE_QUEUED: Final[list[Any]] = []

#: The clock of heartbeats and alarms (a module's constant: no lookup of ``time`` per item).
_monotonic: Final = time.monotonic

#: The states of a response not ended yet, compared by identity (a module's constants: no
#: lookup, no hash).
_PENDING: Final = ResponseState.PENDING
_STREAMING: Final = ResponseState.STREAMING

#: The futures a task may wait on itself while a relay reads (see :class:`Reads`).
_FUTURES: Final = (asyncio.Future, asyncio.futures._PyFuture)  # type: ignore[attr-defined]


def set_alarm(loop: Any, timer: Any, until: float, ring: Callable[[], None]) -> Any:
    """The timer that calls ``ring`` at ``until`` (on :func:`time.monotonic`'s clock), in
    place of ``timer`` (cancelled). One timer serves a relay's many waits: it is moved only to
    an earlier time (a heartbeat due later than it rings costs one idle wake-up), so a delta
    costs neither a timer of its own nor a look at the clock."""
    if timer is not None:
        timer.cancel()
    delay = max(0.0, until - time.monotonic())
    return loop.call_at(loop.time() + delay, ring)


class Due(Protocol):
    """What may hold events back until a time: a relay's writer, or a protocol's encoder."""

    def due(self) -> Optional[float]: ...


def wake_at(writer: Due, heartbeat: Optional[float], last_sent: float) -> Optional[float]:
    """When a sender waiting for the source must wake (on :func:`time.monotonic`'s clock): a
    heartbeat or a coalesced batch is due (``None``: it may wait as long as it takes)."""
    until = None if heartbeat is None else last_sent + heartbeat
    due = writer.due()
    if due is not None and (until is None or due < until):
        return due
    return until


async def close_ended(updates: Any) -> None:
    """Close the iterator of a response that ended (an async generator left at the yield of its
    terminal update), now: left to the garbage collector, asyncio's finalizer hook would close
    it in a task of its own, started through the event loop's self-pipe (two system calls and a
    task per response). Closing it runs what the end of the iteration runs: the source is
    closed."""
    aclose = getattr(updates, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:  # the source failed to close: the response has ended all the same
            logger.debug("closing the relayed stream raised", exc_info=True)


class Reads:
    """A response stream read in the consuming task itself, each read stepped by hand (see the
    module's docstring). A delta then costs one task step, not two.

    ``await reads.next(until)`` runs the next read as a task would, passing what the read
    yields up to the task, and gives the next update; :data:`SOURCE_END` once
    the stream ran dry; or :data:`TIMED_OUT` once the alarm rang (``until`` passed) while the
    read waits — the read still under way: the next call goes on with it.

    How the task wakes for the alarm while the read waits on a future: an asyncio task waits
    on that future itself, as it would for the read alone, and the alarm (rarely: after a
    heartbeat interval of silence) moves the task's wake-up from the future to itself
    (:meth:`_wake`). Where that cannot be done (another kind of future or task, or Python
    before 3.11, where a cancelled task cannot be told from a source's own CancelledError),
    the task waits on a *gate*, a future of ours opened when the read's future is done or the
    alarm rings: a callback more per read.

    Cancelling the consuming task while a read waits reaches the read as it does in a task
    (the future it waits on is cancelled, the error thrown in) and is raised once the read has
    ended. ``cancel()`` on the stream, from another task, interrupts the read the same way
    without cancelling the consuming task (which may be sending a heartbeat meanwhile)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        # Fused: the source's items are read here and made into updates by the stream, with
        # no async generator between (a layer less per delta); with an idle timeout, the
        # stream's own iterator is read (the timeout runs there).
        self._fused = stream._idle_timeout is None
        self._iterator: Any = None  # what is read: the source's items, or the stream's updates
        self._next: Any = self._first  # its __anext__, once the first read has begun
        # Held here so that each item's updates are a direct call (both compiled).
        self._steps: Steps = stream._steps
        self._machine: Lifecycle = stream._machine
        # Updates made and not given yet, the next one last; made when an item makes more
        # than one (an object less to keep per open stream until then).
        self._queue: list[Any] = _NONE_QUEUED
        self._ended = False  # the response's last updates are in the queue
        self._loop: Any = asyncio.get_running_loop()
        task: Any = asyncio.current_task()  # the task that reads (as a rule)
        self._task = task
        # Whether the task may wait on the read's futures itself (see the class docstring).
        self._direct: bool = isinstance(task, asyncio.Task) and hasattr(task, "cancelling")
        self._waiting = False  # a task waits on _future itself
        self._read: Any = None  # the read under way: its steps (see _reading)
        self._got: Any = None  # what the read returned (see _reading)
        self._future: Any = None  # what that read waits on
        self._itself = False  # the task waits on that future itself (not on the gate)
        self._gate: Any = None  # what the task waits on, if not the read's future
        self._interrupt_next = False  # interrupt the read at its next step
        self._rang = False  # the alarm rang (and no call of next() has said so yet)
        self._timer: Any = None  # the alarm (see set_alarm)
        self._rings_at = math.inf  # when it rings, on time.monotonic's clock
        self._until: Optional[float] = None  # the deadline of the next await
        stream._set_interrupter(self._interrupt)

    def next(self, until: Optional[float]) -> Reads:
        """Await it for the next update (or :data:`SOURCE_END`, :data:`TIMED_OUT`: see the
        class docstring); ``until`` on :func:`time.monotonic`'s clock, ``None``: never.
        Raises what the read raised."""
        self._until = until
        return self

    def __await__(self) -> Generator[Any, Any, Any]:
        return self._step(self._until)

    def _step(self, until: Optional[float]) -> Generator[Any, Any, Any]:
        if self._rang:
            self._rang = False
            return TIMED_OUT
        if until is not None and until < self._rings_at:
            self._timer = set_alarm(self._loop, self._timer, until, self._ring)
            self._rings_at = until
        queue = self._queue
        if queue:
            return queue.pop()
        if self._ended:
            return SOURCE_END
        read = self._read
        if read is None:
            if self._fused and self._stream._cancel_updates:  # cancel() came between reads
                return self._last(None)
            read = self._start()
        future = self._future
        cancelled: Optional[BaseException] = None  # the task's cancellation, passed on
        thrown: Optional[BaseException] = None  # a future's error, as the task passed it on
        yielded: Any = None
        while True:
            if future is not None:  # the read waits on it: so does the task, or on the alarm
                if not future.done():
                    if self._itself:  # the task waits on it itself
                        self._waiting = True  # (for _ring)
                        future._asyncio_future_blocking = True
                        try:
                            yield future
                        except BaseException as error:  # how the future ended (cancelled):
                            thrown = error  # the read sees it, as the task would show it
                        self._waiting = False
                    else:
                        gate = self._gate = self._loop.create_future()
                        try:
                            yield from gate
                        except BaseException as error:  # the task was cancelled: so is the read
                            cancelled = error
                            future.remove_done_callback(self._open)
                            future.cancel()
                        finally:
                            self._gate = None
                    if thrown is None and cancelled is None and not future.done():
                        self._rang = False  # the alarm rang
                        return TIMED_OUT
                self._future = future = None
            try:
                if cancelled is not None:
                    yielded = read.throw(cancelled)
                elif thrown is not None:
                    yielded, thrown = read.throw(thrown), None
                elif self._interrupt_next:
                    self._interrupt_next = False
                    yielded = read.throw(asyncio.CancelledError())
                else:
                    yielded = next(read, _RETURNED)
            except BaseException as ended:  # the read is over (a throw: StopIteration as a rule)
                self._done()
                outcome = self._outcome(ended, cancelled)
                if outcome is not _AGAIN:
                    return outcome
                read = self._start()  # the item made no update: read the next one
                continue
            if yielded is _RETURNED:  # the read is over, as a rule: its value in self._got
                self._done()
                outcome = self._returned(cancelled)
                if outcome is not _AGAIN:
                    return outcome
                read = self._start()
                continue
            if yielded is None:  # a bare yield: the task steps again at once
                try:
                    yield None
                except BaseException as error:
                    cancelled = error
                else:
                    if self._rang:
                        self._rang = False
                        return TIMED_OUT
            elif getattr(yielded, "_asyncio_future_blocking", None):
                self._future = future = yielded
                self._itself = self._direct and type(yielded) in _FUTURES
                if not self._itself:
                    yielded._asyncio_future_blocking = False  # (as a task takes it)
                    yielded.add_done_callback(self._open)
            else:  # not ours to judge: the task says what it makes of it
                try:
                    yield yielded
                except BaseException as error:
                    cancelled = error

    def _outcome(self, ended: BaseException, cancelled: Optional[BaseException]) -> Any:
        """What the read that ended so (with ``cancelled``, the task's cancellation passed on
        to it) gives: an update, :data:`SOURCE_END`, or :data:`_AGAIN` (read the next item);
        or raises. As a task reading the stream's own iterator would end: the consuming task's
        cancellation is raised once the read has ended (and cancels the response)."""
        if isinstance(ended, StopIteration):  # (the read returned: its value in self._got)
            return self._returned(cancelled)
        if isinstance(ended, StopAsyncIteration):
            if cancelled is not None:
                self._cancel()
                raise cancelled from None
            return self._last(None) if self._fused else SOURCE_END
        if isinstance(ended, asyncio.CancelledError):
            if cancelled is not None or (self._direct and _cancelling()):
                self._cancel()
                raise ended
            if self._fused and self._stream._taken_back(self._task, ended):
                return self._last(None)  # cancel() interrupted the read: its updates
            self._cancel()
            return SOURCE_END  # as the pump's task would have died of it
        if isinstance(ended, Exception) and self._fused:  # the connection dropped, or cancel()
            if cancelled is not None:
                self._cancel()
                raise cancelled from None
            return self._last(self._stream._read_failed(ended))
        raise ended

    def _first(self) -> Any:
        """The first read: it starts reading (a stream read before raises here, as its own
        iterator raises at the first read)."""
        stream = self._stream
        iterator = self._iterator = stream._begin() if self._fused else stream.__aiter__()
        self._next = iterator.__anext__
        return self._next()

    def _returned(self, cancelled: Optional[BaseException]) -> Any:
        """What the read that returned gives (see :meth:`_outcome`)."""
        if cancelled is not None:
            self._cancel()
            raise cancelled from None
        got, self._got = self._got, None
        if not self._fused:
            return got
        update = self._took(got)
        if update is _AGAIN and self._stream._cancel_updates:  # (cancel() from the source)
            return self._last(None)
        return update

    def _start(self) -> Any:
        """Start the next read: the steps of its awaitable."""
        read = self._read = self._reading(self._next().__await__())
        return read

    def _reading(self, read: Any) -> Generator[Any, Any, None]:
        """The steps of ``read``, its value kept in ``self._got`` when it returns. Why: a read
        returns its value in a StopIteration, which stepping it by hand would catch, and mypyc
        gives every exception it catches a traceback entry of its own (a frame made up: ~3k
        instructions, once per delta); ``yield from`` takes the value without one, and this
        generator, stepped with ``next(read, default)``, ends without an exception."""
        self._got = yield from read

    def _done(self) -> None:
        """The read under way ended."""
        self._read = None

    def _took(self, item: Any) -> Any:
        """The first update of an item read (the rest queued), or :data:`_AGAIN` if it made
        none; with the response's last updates if it ended the response (as the stream's own
        iterator ends after such an item)."""
        updates = self._steps.updates(item)
        state = self._machine.state
        if state is not _STREAMING and state is not _PENDING:  # (not .terminal: a Python call)
            return self._last(None, updates)
        if not updates:
            return _AGAIN
        if len(updates) == 1:
            return updates[0]
        return self._queued(updates)

    def _last(self, error: Optional[Exception], before: Optional[list[Any]] = None) -> Any:
        """The reading has ended (``error``: reading the source failed): the response's last
        updates are queued, as the stream's own iterator ends — what ends it, then what
        cancel() made — and the first given."""
        self._ended = True
        stream = self._stream
        updates = [*(before or ()), *stream._closing(error), *stream._cancel_updates]
        if not updates:
            return SOURCE_END
        return self._queued(updates)

    def _queued(self, updates: list[Any]) -> Any:
        """The first of ``updates``, the rest queued to be given next."""
        queue = self._queue
        if queue is _NONE_QUEUED:
            queue = self._queue = []
        queue.extend(reversed(updates))
        return queue.pop()

    def _cancel(self) -> None:
        """The consuming task was cancelled while it read: so is the response (as the
        stream's own iterator does)."""
        if self._fused:
            self._stream._cancel_updates = self._machine.cancel()

    async def close(self) -> None:
        """Close what was read, once the relay has ended: the source (fused), or the stream's
        own iterator (left at the yield of its last update: closing it closes the source, now
        rather than by the garbage collector's hook)."""
        if self._fused:
            await _aclose(self._stream._source)
        else:
            await close_ended(self._iterator)

    def _open(self, _: Any = None) -> None:
        gate = self._gate
        if gate is not None and not gate.done():
            gate.set_result(None)

    def _interrupt(self) -> bool:
        """The stream's cancel(): the read under way raises CancelledError (as it would in a
        cancelled task), not the consuming task; whether there was one (if not, the next read
        sees the cancellation before it begins)."""
        # A read under way: one of the source's (fused), or where the stream's own iterator
        # waits for the source (not where it waits for its idle timeout: that it cancels itself).
        reading = self._read is not None if self._fused else self._stream._reading is not None
        if not reading:
            return False
        future = self._future
        if future is not None and not future.done():
            future.cancel()  # wakes the task: the read sees the cancellation as it resumes
        else:
            self._interrupt_next = True
            self._open()
        return True

    def _ring(self) -> None:
        self._timer = None
        self._rings_at = math.inf
        self._rang = True
        if self._gate is not None:
            self._open()
        elif self._waiting and self._future is not None:
            self._wake(self._future)

    def _wake(self, future: Any) -> None:
        """Wake the task that waits on the read's ``future``, without that future: its
        wake-up is taken off the future and called with one that is done (it steps as after
        any wait; :meth:`next` sees the read's future still pending). The task is the one
        that started the relay, or else the only task waiting on the future."""
        wakeups = [
            callback
            for callback, _ in getattr(future, "_callbacks", None) or ()
            if isinstance(getattr(callback, "__self__", None), asyncio.Task)
        ]
        mine = [callback for callback in wakeups if callback.__self__ is self._task]
        if mine or len(wakeups) == 1:
            callback = (mine or wakeups)[0]
            future.remove_done_callback(callback)
            done = self._loop.create_future()
            done.set_result(None)
            self._loop.call_soon(callback, done)

    async def stop(self) -> None:
        """Stop: a read under way is cancelled (and waited for, as a task's would be)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._stream._set_interrupter(None)
        read, future = self._read, self._future
        self._done()
        self._future = None
        if read is not None:
            if future is not None:
                future.remove_done_callback(self._open)
                future.cancel()
            try:
                await _Finish(read, asyncio.CancelledError())
            except (Exception, asyncio.CancelledError):  # the read's end: it was cancelled
                logger.debug("stopping a read raised", exc_info=True)


class RelayLoop:
    """What :func:`~partialjson.arelay` sends for a response stream read by ``reads``, one item
    per ``await``: the stream's updates encoded by ``writer`` — their SSE bytes (``sse``), or the
    :class:`~partialjson.web.wire.RelayEvent` s themselves (to be stored before they are sent) —
    :data:`HEARTBEAT` while the upstream is quiet, coalesced batches when due; ``None`` once the
    relay has ended. Raises what the read raises that the relay does not relay (the task's
    cancellation).

    It is the relay's loop, compiled with the reads in the compiled build, so that the async
    generator around it runs a few lines an item (the generator stays: it is how a consumer
    that stops early still closes the response, through asyncio's finalizer hook)."""

    def __init__(
        self,
        reads: Reads,
        writer: RelayWriter,
        heartbeat: Optional[float],
        max_rate: Optional[float],
        sse: bool,
    ) -> None:
        self._reads = reads
        self._writer = writer
        self._heartbeat = heartbeat
        self._coalescing = max_rate is not None
        self._sse = sse
        # Made and not given yet, the next one last (made when a step makes more than one).
        self._items: list[Any] = _NONE_QUEUED
        self._last_sent = _monotonic()

    def __await__(self) -> Generator[Any, Any, Any]:
        return self._step()

    def _step(self) -> Generator[Any, Any, Any]:
        queued = self._items
        if queued:
            return queued.pop()
        writer = self._writer
        heartbeat = self._heartbeat
        while not writer.ended:
            if self._coalescing:
                until = wake_at(writer, heartbeat, self._last_sent)
            else:  # nothing is held back: only a heartbeat is ever due
                until = None if heartbeat is None else self._last_sent + heartbeat
            items: list[Any]
            try:
                update = yield from self._reads._step(until)
            except Exception as error:  # relayed as failed, without its message
                items = self._sent(writer.end(error))
            else:
                if update is TIMED_OUT:  # a batch is due, or a heartbeat
                    due = writer.due()
                    if due is not None and due <= _monotonic():
                        items = self._sent(writer.flush())
                    elif heartbeat is not None and _monotonic() - self._last_sent >= heartbeat:
                        self._last_sent = _monotonic()
                        return HEARTBEAT
                    else:
                        continue
                elif update is SOURCE_END:
                    items = self._sent(writer.end())
                elif self._sse:  # (a delta's patch goes from the update to its bytes at once)
                    items = []
                    writer.feed_sse(update, items)
                else:
                    items = self._sent(writer.feed(update))
            if not items:
                continue  # (the loop ends if the writer has: a source that went on after its end)
            self._last_sent = _monotonic()
            if len(items) == 1:
                return items[0]
            if queued is _NONE_QUEUED:
                queued = self._items = []
            items.reverse()
            queued.extend(items)
            return queued.pop()
        return None

    def _sent(self, events: list[RelayEvent]) -> list[Any]:
        """The events as they are given: their bytes, or themselves (to be stored)."""
        return [event.encode() for event in events] if self._sse else list(events)


def _cancelling() -> bool:
    """Whether the current task is being cancelled (Python 3.11+)."""
    task: Any = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class _Finish:
    """Awaited: throws ``error`` into a read under way and runs it to its end, in the awaiting
    task (its yields passed up to the task as they are)."""

    def __init__(self, read: Any, error: BaseException) -> None:
        self._read = read
        self._error = error

    def __await__(self) -> Generator[Any, Any, None]:
        return _finish(self._read, self._error)


def _finish(read: Any, error: BaseException) -> Generator[Any, Any, None]:
    try:
        yielded = read.throw(error)
        while True:
            try:
                sent = yield yielded
            except BaseException as thrown:
                yielded = read.throw(thrown)
            else:
                yielded = read.send(sent)
    except StopIteration:
        return

"""Replay stores: where a relayed response's events wait for readers that (re)connect.

Theory of operation
===================

A relayed response has one *writer* — whoever drives the upstream call — and any number of
*readers*: the browser tab that asked, the same tab after a reconnect (with ``Last-Event-ID``),
a second tab. The writer appends each :class:`~partialjson.web.wire.RelayEvent` under the
response's *key* (:meth:`ReplayStore.append`); a reader reads the events after the last id it
has (:meth:`ReplayStore.read`), waiting ``block`` seconds while there are none, until it has
read the terminal event.

The interface is shaped after Redis Streams so that a store shared by several server instances
is a thin layer over them:

=======================================  ================================================
store                                    Redis Streams
=======================================  ================================================
``append(key, event)``                   ``XADD key MAXLEN ~ maxlen <id>-1 e <name> d <data>``
                                         (the relay's ids are increasing integers ``n``,
                                         so the entry id is ``n-1``)
the terminal event appended              ``EXPIRE key ttl`` (the answer is kept ``ttl``
                                         seconds after it ended, for late reconnects)
``read(key, after, block=)``             ``XREAD BLOCK ms STREAMS key <after>-1``
events evicted by ``maxlen``             a ``snapshot`` stands for them (below)
``request_cancel(key)``                  ``SET key:cancel 1 EX ttl`` (or a control stream)
``cancel_requested(key)``                ``EXISTS key:cancel``
=======================================  ================================================

**Bounded.** A store keeps at most ``maxlen`` events per response (and, in memory, at most
``max_streams`` responses). Events it drops are *folded* into a
:class:`~partialjson.web.wire.ReplayState`: a reader whose ``after`` id is older than what the
store still has (or who starts from the beginning after events were dropped) first gets one
``snapshot`` event — the whole state as of the last dropped event, with that event's id — and
then the events after it. Never a duplicated or missing piece of text: the snapshot ends
exactly where the kept events start. A Redis store can keep the folded state under a second
key (``key:base``, updated when it trims), or trim only after the answer ended.

**Ids.** ``"1"``, ``"2"``, ... per response, assigned by the writer (so every instance and
every store agree). ``read(key, None)`` reads from the start; ``read(key, "0")`` too. An id the
store cannot place (beyond the last one, or not a number) is answered with a snapshot of the
state so far, as for a reader that fell behind.

**Ends.** The terminal event (``completed``, ``incomplete``, ``refused``, ``failed``,
``cancelled``) is the last one; a reader that asks for what follows it gets it once more, at
once (so a reader reconnecting after the end learns that it ended, and a loop that reads until
the terminal event never waits in vain). A key the store does not know (never written, or
expired) raises :class:`UnknownStreamError` (a ``KeyError``).

Sync code uses a :class:`ReplayStore` (:class:`MemoryStore`: thread-safe, readers block on a
condition); async code an :class:`AsyncReplayStore` (:class:`AsyncMemoryStore`: one event
loop). Both keep everything in this process; pass a shared store to serve reconnects that land
on another instance.

    >>> from partialjson.web.wire import RelayEvent
    >>> store = MemoryStore(maxlen=2)
    >>> for n, name in enumerate(["started", "patch", "patch", "completed"], start=1):
    ...     data = b'[{"op":"append","path":"","value":"ab"}]' if name == "patch" else b"{}"
    ...     store.append("r1", RelayEvent(str(n), name, data if n != 2 else
    ...                  b'[{"op":"replace","path":"","value":"x"}]'))
    >>> [(e.id, e.event) for e in store.read("r1", "1")]
    [('2', 'snapshot'), ('3', 'patch'), ('4', 'completed')]
    >>> store.read("r1", "1")[0].json()["value"]
    'x'
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict, deque
from typing import Callable, Optional

from typing_extensions import Protocol, runtime_checkable

from .wire import RelayEvent, ReplayState

__all__ = [
    "AsyncMemoryStore",
    "AsyncReplayStore",
    "MemoryStore",
    "ReplayStore",
    "UnknownStreamError",
]


class UnknownStreamError(KeyError):
    """The store has no response under this key (never written, or expired)."""


@runtime_checkable
class ReplayStore(Protocol):
    """Where a relayed response's events wait for (re)connecting readers; sync, thread-safe."""

    def append(self, key: str, event: RelayEvent) -> None:
        """Add the next event of ``key`` (ids increase). A terminal event ends the response:
        the store keeps it ``ttl`` seconds more, then forgets it."""
        ...

    def read(
        self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
    ) -> list[RelayEvent]:
        """The events after id ``after`` (``None``: from the start), oldest first — a
        ``snapshot`` first if some were dropped. When there are none yet, waits up to ``block``
        seconds (``None``: no wait) for more. After the terminal event: that event again."""
        ...

    def request_cancel(self, key: str) -> None:
        """Ask the writer of ``key`` to cancel the upstream call (from any reader)."""
        ...

    def cancel_requested(self, key: str) -> bool:
        """Whether a cancel was asked for ``key``; the writer checks this."""
        ...


@runtime_checkable
class AsyncReplayStore(Protocol):
    """The async twin of :class:`ReplayStore` (the same methods, awaited)."""

    async def append(self, key: str, event: RelayEvent) -> None: ...

    async def read(
        self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
    ) -> list[RelayEvent]: ...

    async def request_cancel(self, key: str) -> None: ...

    async def cancel_requested(self, key: str) -> bool: ...


class _Log:
    """One response's bounded event log, and the folded state of what it dropped."""

    __slots__ = ("base", "cancel", "ended_at", "events")

    def __init__(self) -> None:
        self.events: deque[RelayEvent] = deque()
        self.base = ReplayState()
        self.ended_at: Optional[float] = None
        self.cancel = False

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def append(self, event: RelayEvent, maxlen: int, now: float) -> None:
        if self.ended:
            raise ValueError("the response already ended: no event can follow the terminal one")
        if self.events and event.seq <= self.events[-1].seq:
            raise ValueError(f"event id {event.id} does not follow {self.events[-1].id}")
        self.events.append(event)
        while len(self.events) > maxlen:
            self.base.fold(self.events.popleft())
        if event.terminal:
            self.ended_at = now

    def after(self, after: Optional[str]) -> list[RelayEvent]:
        events = self.events
        dropped_up_to = _seq(self.base.last_id) or 0  # ids up to this one were folded
        last = events[-1].seq if events else dropped_up_to
        seq = _seq(after) or 0
        if 0 <= seq == last:  # up to date; after the end, the terminal event again
            return [events[-1]] if self.ended and events else []
        if 0 <= seq < last and seq >= dropped_up_to:  # ids are consecutive: all of them kept
            return [e for e in events if e.seq > seq]
        return [self.base.snapshot(), *events]  # fell behind, or an id we cannot place


def _seq(event_id: Optional[str]) -> Optional[int]:
    if event_id is None:
        return None
    try:
        seq = int(event_id)
    except ValueError:
        return -1  # not ours: a snapshot puts the reader right
    return seq if seq >= 0 else -1


class _Logs:
    """The logs of many responses: bounded in count, expired ``ttl`` after they end."""

    def __init__(self, maxlen: int, ttl: float, max_streams: int, clock: Callable[[], float]):
        if maxlen < 1 or max_streams < 1:
            raise ValueError("maxlen and max_streams must be at least 1")
        self.maxlen = maxlen
        self.ttl = ttl
        self.max_streams = max_streams
        self.clock = clock
        self.logs: OrderedDict[str, _Log] = OrderedDict()

    def get(self, key: str) -> _Log:
        self._expire()
        log = self.logs.get(key)
        if log is None:
            raise UnknownStreamError(key)
        return log

    def append(self, key: str, event: RelayEvent) -> None:
        self._expire()
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = _Log()
            while len(self.logs) > self.max_streams:  # the oldest first: ended ones, ideally
                oldest = next((k for k, v in self.logs.items() if v.ended), None)
                self.logs.pop(oldest if oldest is not None else next(iter(self.logs)))
        log.append(event, self.maxlen, self.clock())

    def _expire(self) -> None:
        now = self.clock()
        expired = [
            k
            for k, v in self.logs.items()
            if v.ended_at is not None and now - v.ended_at > self.ttl
        ]
        for key in expired:
            del self.logs[key]


class MemoryStore:
    """A :class:`ReplayStore` in this process's memory: bounded, thread-safe.

    ``maxlen`` events kept per response (older ones folded into a snapshot), ``ttl`` seconds
    an ended response is kept, ``max_streams`` responses at most (the oldest ended ones go
    first)."""

    def __init__(
        self,
        *,
        maxlen: int = 1000,
        ttl: float = 300.0,
        max_streams: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logs = _Logs(maxlen, ttl, max_streams, clock)
        self._changed = threading.Condition()

    def append(self, key: str, event: RelayEvent) -> None:
        with self._changed:
            self._logs.append(key, event)
            self._changed.notify_all()

    def read(
        self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
    ) -> list[RelayEvent]:
        deadline = None if block is None else time.monotonic() + block
        with self._changed:
            while True:
                log = self._logs.get(key)
                events = log.after(after)
                if events or log.ended or deadline is None:
                    return events
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._changed.wait(remaining)

    def request_cancel(self, key: str) -> None:
        with self._changed:
            self._logs.get(key).cancel = True
            self._changed.notify_all()

    def cancel_requested(self, key: str) -> bool:
        with self._changed:
            return self._logs.get(key).cancel


class AsyncMemoryStore:
    """An :class:`AsyncReplayStore` in this process's memory (for one event loop); the same
    bounds as :class:`MemoryStore`."""

    def __init__(
        self,
        *,
        maxlen: int = 1000,
        ttl: float = 300.0,
        max_streams: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logs = _Logs(maxlen, ttl, max_streams, clock)
        self._waiters: dict[str, set[asyncio.Event]] = {}

    def _wake(self, key: str) -> None:
        for waiter in self._waiters.pop(key, ()):
            waiter.set()

    async def append(self, key: str, event: RelayEvent) -> None:
        self._logs.append(key, event)
        self._wake(key)

    async def read(
        self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
    ) -> list[RelayEvent]:
        loop = asyncio.get_running_loop()
        deadline = None if block is None else loop.time() + block
        while True:
            log = self._logs.get(key)
            events = log.after(after)
            if events or log.ended or deadline is None:
                return events
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            waiter = asyncio.Event()
            self._waiters.setdefault(key, set()).add(waiter)
            try:
                await asyncio.wait_for(waiter.wait(), remaining)
            except asyncio.TimeoutError:
                pass
            finally:
                waiters = self._waiters.get(key)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiters[key]

    async def request_cancel(self, key: str) -> None:
        self._logs.get(key).cancel = True
        self._wake(key)

    async def cancel_requested(self, key: str) -> bool:
        return self._logs.get(key).cancel

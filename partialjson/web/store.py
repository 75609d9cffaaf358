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
``max_streams`` responses: ended ones are evicted first; a running one never is — a reader
could not rebuild it — so with ``max_streams`` running responses a new one goes over the limit
with a logged warning). Events it drops are *folded* into a
:class:`~partialjson.web.wire.ReplayState`: a reader whose ``after`` id is older than what the
store still has (or who starts from the beginning after events were dropped) first gets one
``snapshot`` event — the whole state as of the last dropped event, with that event's id — and
then the events after it. Never a duplicated or missing piece of text: the snapshot ends
exactly where the kept events start. A Redis store can keep the folded state under a second
key (``key:base``, updated when it trims), or trim only after the answer ended.

**Ids.** ``"1"``, ``"2"``, ... per response, assigned by the writer (so every instance and
every store agree). ``read(key, None)`` reads from the start; ``read(key, "0")`` too. An id the
store cannot place (beyond the last one, or not a number) is answered with a snapshot of the
state so far, as for a reader that fell behind. A log whose beginning this store never had
(its first event was not ``"1"``) is never served as if complete: a reader who needs what is
missing gets one terminal ``failed`` event with the reason ``"replay_unavailable"``.

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
import logging
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
    "StoreUnavailableError",
    "UnknownStreamError",
]

logger = logging.getLogger("partialjson")

#: The ``reason`` of the ``failed`` event a store serves to a reader who needs events from
#: before the earliest one it has and cannot stand for them with a snapshot.
REPLAY_UNAVAILABLE = "replay_unavailable"


class UnknownStreamError(KeyError):
    """The store has no response under this key (never written, or expired)."""


class StoreUnavailableError(UnknownStreamError):
    """The store cannot be reached (a shared store's server is down): the response cannot be
    resumed from here. The web routes answer it with ``503 {"error": "resume_unavailable"}``."""


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

    # Optional (the memory and Redis stores have them; a hub does without):
    # ``touch_reader(key, ttl)`` marks ``key`` as read by someone for ``ttl`` seconds, and
    # ``readers_active(key)`` says whether such a mark is alive. A hub's readers of a
    # response another instance drives touch it, so that instance does not cancel the
    # response for want of readers of its own (``linger``).


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

    __slots__ = ("base", "cancel", "ended_at", "events", "lost_up_to", "watched_until")

    def __init__(self) -> None:
        self.events: deque[RelayEvent] = deque()
        self.base = ReplayState()
        self.ended_at: Optional[float] = None
        self.cancel = False
        self.lost_up_to = 0  # > 0: events up to this id are gone and no snapshot has them
        self.watched_until = 0.0  # a reader elsewhere marked the response read until then

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    def append(self, event: RelayEvent, maxlen: int, now: float) -> None:
        if self.ended:
            raise ValueError("the response already ended: no event can follow the terminal one")
        if self.events and event.seq <= self.events[-1].seq:
            raise ValueError(f"event id {event.id} does not follow {self.events[-1].id}")
        if not self.events and self.base.last_id is None and not self.lost_up_to:
            self.lost_up_to = event.seq - 1  # the first event this store saw: 0 if "1"
        self.events.append(event)
        while len(self.events) > maxlen:
            dropped = self.events.popleft()
            if self.lost_up_to:
                self.lost_up_to = dropped.seq  # no beginning to fold onto
            else:
                self.base.fold(dropped)
        if event.terminal:
            self.ended_at = now

    def after(self, after: Optional[str]) -> list[RelayEvent]:
        events = self.events
        # ids up to this one were folded (or lost)
        dropped_up_to = self.lost_up_to or _seq(self.base.last_id) or 0
        last = events[-1].seq if events else dropped_up_to
        seq = _seq(after) or 0
        if 0 <= seq == last:  # up to date; after the end, the terminal event again
            return [events[-1]] if self.ended and events else []
        if 0 <= seq < last and seq >= dropped_up_to:  # ids are consecutive: all of them kept
            return [e for e in events if e.seq > seq]
        if self.lost_up_to:  # never served as if complete: the reader learns it cannot resume
            data = b'{"reason":"' + REPLAY_UNAVAILABLE.encode() + b'"}'
            return [RelayEvent(str(self.lost_up_to), "failed", data)]
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
    """The logs of many responses: bounded in count (ended ones evicted, oldest first; live
    ones never), expired ``ttl`` after they end."""

    def __init__(self, maxlen: int, ttl: float, max_streams: int, clock: Callable[[], float]):
        if maxlen < 1 or max_streams < 1:
            raise ValueError("maxlen and max_streams must be at least 1")
        self.maxlen = maxlen
        self.ttl = ttl
        self.max_streams = max_streams
        self.clock = clock
        self.logs: dict[str, _Log] = {}
        self.ended: OrderedDict[str, float] = OrderedDict()  # key: end time, in end order

    def get(self, key: str) -> _Log:
        self._expire()
        log = self.logs.get(key)
        if log is None:
            raise UnknownStreamError(key)
        return log

    def append(self, key: str, event: RelayEvent) -> None:
        now = self.clock()
        self._expire(now)
        log = self.logs.get(key)
        if log is None:
            log = self.logs[key] = _Log()
            self._bound()
        log.append(event, self.maxlen, now)
        if log.ended_at is not None:
            self.ended[key] = log.ended_at

    def _bound(self) -> None:
        while len(self.logs) > self.max_streams and self.ended:
            oldest, _ = self.ended.popitem(last=False)
            del self.logs[oldest]
        if len(self.logs) > self.max_streams:  # every one is live: evicting would lose text
            logger.warning(
                "replay store: %d live responses, over max_streams=%d (none evicted)",
                len(self.logs),
                self.max_streams,
            )

    def _expire(self, now: Optional[float] = None) -> None:
        """Forget the responses that ended more than ``ttl`` ago: O(1) per call amortised
        (``ended`` is in end order, so only the expired ones are looked at)."""
        if not self.ended:
            return
        now = self.clock() if now is None else now
        while self.ended:
            key, ended_at = next(iter(self.ended.items()))
            if now - ended_at <= self.ttl:
                break
            del self.ended[key]
            del self.logs[key]

    def touch(self, key: str, ttl: float) -> None:
        log = self.logs.get(key)
        if log is not None:
            log.watched_until = max(log.watched_until, self.clock() + ttl)

    def watched(self, key: str) -> bool:
        log = self.logs.get(key)
        return log is not None and log.watched_until > self.clock()


class MemoryStore:
    """A :class:`ReplayStore` in this process's memory: bounded, thread-safe.

    ``maxlen`` events kept per response (older ones folded into a snapshot), ``ttl`` seconds
    an ended response is kept, ``max_streams`` responses kept (the oldest ended ones go first;
    a response that is still running is never evicted: with ``max_streams`` live ones, a new
    one goes over the limit and a warning is logged)."""

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

    def touch_reader(self, key: str, ttl: float) -> None:
        """Mark ``key`` as read (by a reader the writer cannot see) for ``ttl`` seconds."""
        with self._changed:
            self._logs.touch(key, ttl)

    def readers_active(self, key: str) -> bool:
        """Whether a :meth:`touch_reader` mark on ``key`` is alive."""
        with self._changed:
            return self._logs.watched(key)


class AsyncWaiters:
    """The readers of one event loop waiting for a key's next event.

    ``poll`` returns what ``fetch`` finds, waiting up to ``block`` seconds for a ``wake(key)``
    when it finds nothing and the log has not ended; the async stores share it.
    """

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}

    def wake(self, key: str) -> None:
        for waiter in self._waiters.pop(key, ()):
            waiter.set()

    async def poll(
        self,
        key: str,
        fetch: Callable[[], tuple[list[RelayEvent], bool]],
        block: Optional[float],
    ) -> list[RelayEvent]:
        loop = asyncio.get_running_loop()
        deadline = None if block is None else loop.time() + block
        while True:
            events, ended = fetch()
            if events or ended or deadline is None:
                return events
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await self._wait(key, remaining)

    async def _wait(self, key: str, timeout: float) -> None:
        waiter = asyncio.Event()
        self._waiters.setdefault(key, set()).add(waiter)
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            waiters = self._waiters.get(key)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[key]


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
        self._waiters = AsyncWaiters()

    async def append(self, key: str, event: RelayEvent) -> None:
        self._logs.append(key, event)
        self._waiters.wake(key)

    async def read(
        self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
    ) -> list[RelayEvent]:
        def fetch() -> tuple[list[RelayEvent], bool]:
            log = self._logs.get(key)
            return log.after(after), log.ended

        return await self._waiters.poll(key, fetch, block)

    async def request_cancel(self, key: str) -> None:
        self._logs.get(key).cancel = True
        self._waiters.wake(key)

    async def cancel_requested(self, key: str) -> bool:
        return self._logs.get(key).cancel

    async def touch_reader(self, key: str, ttl: float) -> None:
        """Mark ``key`` as read (by a reader the writer cannot see) for ``ttl`` seconds."""
        self._logs.touch(key, ttl)

    async def readers_active(self, key: str) -> bool:
        """Whether a :meth:`touch_reader` mark on ``key`` is alive."""
        return self._logs.watched(key)

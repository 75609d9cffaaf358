"""Resumable relays: responses that outlive a connection, for reconnects and second viewers.

Theory of operation
===================

:func:`~partialjson.web.relay.arelay` ties a response to one connection: when it goes, the
response is cancelled. A :class:`RelayHub` separates the two. :meth:`RelayHub.start` drives a
response stream in a background task and appends its relay events to an
:class:`~partialjson.web.store.AsyncReplayStore` under a key; :meth:`RelayHub.events` serves
them to any number of readers, each from the ``Last-Event-ID`` it has (a reconnect gets exactly
the events it missed, or a ``snapshot`` if the store no longer has them all, then the live
ones). Each reader coalesces on its own (``max_rate``): it reads what is there, sends it as
one patch, and waits before reading again, so a slow reader never holds more than the store's
bounded window, and never slows the others.

The upstream call is cancelled when :meth:`RelayHub.cancel` is called (the Stop button), when a
cancel is requested through the store (from another instance), or when no reader has been
connected for ``linger`` seconds (the browser went away and did not come back) — to this hub,
or to any other: a hub reading a response another instance drives marks it read in the store
(``touch_reader``), and the driving hub asks the store (``readers_active``) before it cancels.

    >>> import asyncio, partialjson
    >>> async def main():
    ...     hub = RelayHub(heartbeat=None)
    ...     choice = {"index": 0, "delta": {"content": '{"a": 1}'}, "finish_reason": "stop"}
    ...     key = hub.start(partialjson.stream([{"choices": [choice]}]))
    ...     return [chunk async for chunk in hub.events(key)]
    >>> [line for chunk in asyncio.run(main()) for line in chunk.decode().split("\\n")
    ...  if line.startswith("event:")]
    ['event: started', 'event: patch', 'event: field_completed', 'event: field_completed', \
'event: completed']
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Iterable
from typing import Any, Optional

from ..lifecycle.updates import Update
from .moderation import Moderator
from .patches import dumps, merge_ops
from .relay import HEARTBEAT, RelayWriter, _acancel
from .store import AsyncMemoryStore, AsyncReplayStore, UnknownStreamError
from .wire import RelayEvent

__all__ = ["RelayHub"]

logger = logging.getLogger("partialjson")

_END: Any = object()


class _Run:
    def __init__(self, key: str, updates: Any) -> None:
        self.key = key
        self.updates = updates
        self.task: Optional[asyncio.Task[None]] = None
        self.readers = 0
        self.linger: Optional[asyncio.TimerHandle] = None
        self.cancelled = False
        self.cancelling: Optional[asyncio.Future[None]] = None


class RelayHub:
    """Runs response streams in the background and serves their relay events to readers.

    ``store``: where the events wait (default: an :class:`AsyncMemoryStore`). ``linger``:
    seconds a run keeps going with no reader connected before it is cancelled. ``heartbeat``
    and ``max_rate``: per reader, as for :func:`~partialjson.web.relay.arelay`.
    ``moderation`` and ``hold_until_complete``: for every run (see
    :mod:`partialjson.web.moderation`)."""

    def __init__(
        self,
        store: Optional[AsyncReplayStore] = None,
        *,
        linger: float = 10.0,
        heartbeat: Optional[float] = 15.0,
        max_rate: Optional[float] = None,
        moderation: Optional[Moderator] = None,
        hold_until_complete: Iterable[str] = (),
        cancel_poll: float = 0.5,
    ) -> None:
        self.store: AsyncReplayStore = store if store is not None else AsyncMemoryStore()
        self.linger = linger
        self.heartbeat = heartbeat
        self.max_rate = max_rate
        self._moderation = moderation
        self._hold = tuple(hold_until_complete)
        self._cancel_poll = cancel_poll
        self._runs: dict[str, _Run] = {}

    # -- the writer side -------------------------------------------------------------------

    def start(self, updates: Any, *, key: Optional[str] = None) -> str:
        """Drive ``updates`` (a response stream, sync or async) in a background task; returns
        the key readers use (a fresh random one unless given). Call it from the event loop."""
        key = key or secrets.token_urlsafe(12)
        if key in self._runs:
            raise ValueError(f"a run with key {key!r} is already going")
        run = _Run(key, updates)
        self._runs[key] = run
        run.task = asyncio.ensure_future(self._drive(run))
        self._arm_linger(run)
        return key

    async def cancel(self, key: str) -> bool:
        """Cancel the run's upstream call (the response ends ``cancelled``). False if this hub
        does not drive it (then the cancel is requested through the store)."""
        run = self._runs.get(key)
        if run is None:
            try:
                await self.store.request_cancel(key)
            except UnknownStreamError:
                return False
            return False
        await self._cancel_run(run)
        return True

    def running(self, key: str) -> bool:
        """Whether this hub drives ``key`` and it has not ended."""
        run = self._runs.get(key)
        return run is not None and run.task is not None and not run.task.done()

    async def wait(self, key: str) -> None:
        """Wait until the run of ``key`` ended (and its last event is in the store)."""
        run = self._runs.get(key)
        if run is not None and run.task is not None:
            await asyncio.shield(run.task)

    async def aclose(self) -> None:
        """Cancel every run (at shutdown)."""
        for run in list(self._runs.values()):
            await self._cancel_run(run)

    async def _cancel_run(self, run: _Run) -> None:
        if run.cancelled or run.task is None or run.task.done():
            return
        run.cancelled = True
        logger.info("relay %s: cancelling the upstream call", run.key)
        cancel = getattr(run.updates, "cancel", None)
        if callable(cancel) and not asyncio.iscoroutinefunction(cancel):
            cancel()  # a sync stream, read on a thread: thread-safe, closes the connection
        else:
            await _acancel(run.updates)
        try:
            await asyncio.wait_for(asyncio.shield(run.task), 5)
        except asyncio.TimeoutError:  # the source ignores the cancel: stop reading it
            run.task.cancel()

    async def _drive(self, run: _Run) -> None:
        writer = RelayWriter(moderation=self._moderation, hold_until_complete=self._hold)
        store = self.store
        watcher = asyncio.ensure_future(self._watch_cancel(run))
        try:
            try:
                async for update in _updates(run.updates):
                    for event in writer.feed(update):
                        await store.append(run.key, event)
                    if writer.ended:
                        break
                events = writer.end()
            except asyncio.CancelledError:
                events = writer.cancel()
                await _acancel(run.updates)
            except Exception as error:
                events = writer.end(error)
            for event in events:
                await store.append(run.key, event)
        finally:
            watcher.cancel()
            if run.linger is not None:
                run.linger.cancel()
            self._runs.pop(run.key, None)

    async def _watch_cancel(self, run: _Run) -> None:
        """A cancel requested through the store (another instance's Stop button)."""
        while True:
            await asyncio.sleep(self._cancel_poll)
            try:
                requested = await self.store.cancel_requested(run.key)
            except UnknownStreamError:
                continue  # nothing appended yet
            if requested:
                await self._cancel_run(run)
                return

    def _arm_linger(self, run: _Run) -> None:
        if run.linger is not None:
            run.linger.cancel()
        loop = asyncio.get_running_loop()

        def check() -> None:
            run.linger = None
            if run.readers == 0 and not run.cancelled:
                run.cancelling = asyncio.ensure_future(self._linger_expired(run))

        run.linger = loop.call_later(self.linger, check)

    async def _linger_expired(self, run: _Run) -> None:
        """No reader here for ``linger`` seconds: cancel, unless readers on other instances
        (who resumed there, through a shared store) keep the response wanted."""
        readers_active = getattr(self.store, "readers_active", None)
        if readers_active is not None:
            try:
                elsewhere = await readers_active(run.key)
            except Exception as exc:  # unknown key, store unreachable: no sign of readers
                logger.debug("relay %s: readers_active failed: %r", run.key, exc)
                elsewhere = False
            if elsewhere:
                if run.readers == 0 and self._runs.get(run.key) is run:
                    self._arm_linger(run)  # look again later
                return
        if run.readers == 0 and not run.cancelled:
            logger.info("relay %s: no reader for %.1fs", run.key, self.linger)
            await self._cancel_run(run)

    async def _touch_reader(self, key: str, ttl: float) -> None:
        """Tell the instance driving ``key`` (through the store) that it has a reader here."""
        touch_reader = getattr(self.store, "touch_reader", None)
        if touch_reader is None:
            return
        try:
            await touch_reader(key, ttl)
        except Exception as exc:  # the mark is a hint: reading goes on without it
            logger.debug("relay %s: touch_reader failed: %r", key, exc)

    # -- the reader side -------------------------------------------------------------------

    async def check(self, key: str) -> None:
        """Raise :class:`~partialjson.web.store.UnknownStreamError` if no events are (or will
        soon be) under ``key``."""
        if key in self._runs:
            return
        await self.store.read(key, None)

    async def events(self, key: str, last_event_id: Optional[str] = None) -> AsyncIterator[bytes]:
        """SSE bytes for one reader of ``key``, from ``last_event_id`` on (``None``: from the
        start), until the terminal event; heartbeats while nothing happens."""
        run = self._runs.get(key)
        if run is not None:
            run.readers += 1
            if run.linger is not None:
                run.linger.cancel()
                run.linger = None
        after = last_event_id
        interval = 0.0 if self.max_rate is None else 1.0 / self.max_rate
        block = self.heartbeat or 30.0
        # a mark that outlives the longest wait between two reads, and the owner's linger
        watch_ttl = max(block, interval, self.linger) + 1.0
        loop = asyncio.get_running_loop()
        touched = -watch_ttl
        try:
            while True:
                if run is None and loop.time() - touched > watch_ttl / 3:
                    # another instance drives it: keep it from cancelling for want of readers
                    touched = loop.time()
                    await self._touch_reader(key, watch_ttl)
                try:
                    batch = await self.store.read(key, after, block=block)
                except UnknownStreamError:
                    if key in self._runs:  # started, nothing appended yet
                        await asyncio.sleep(0.01)
                        continue
                    raise
                if not batch:
                    if self.heartbeat is not None:
                        yield HEARTBEAT
                    continue
                for event in _coalesce(batch) if interval else batch:
                    yield event.encode()
                after = batch[-1].id
                if batch[-1].terminal:
                    return
                if interval:  # what arrives meanwhile goes out as one batch
                    await asyncio.sleep(interval)
                else:  # a store that always has events at once must not starve the loop
                    await asyncio.sleep(0)
        finally:
            if run is not None:
                run.readers -= 1
                if run.readers == 0 and key in self._runs:
                    self._arm_linger(run)


def _coalesce(batch: list[RelayEvent]) -> list[RelayEvent]:
    """Consecutive patches as one (appends to one string joined), with the last one's id."""
    out: list[RelayEvent] = []
    ops: list[Any] = []
    last: Optional[RelayEvent] = None
    for event in batch:
        if event.event == "patch":
            ops.extend(event.json())
            last = event
            continue
        if last is not None:
            out.append(_patch(last.id, ops))
            ops, last = [], None
        out.append(event)
    if last is not None:
        out.append(_patch(last.id, ops))
    return out


def _patch(event_id: str, ops: list[Any]) -> RelayEvent:
    return RelayEvent(event_id, "patch", dumps(merge_ops(ops)))


async def _updates(updates: Any) -> AsyncIterator[Update]:
    """A response stream's updates, async; a sync one is read on a worker thread."""
    if hasattr(updates, "__aiter__"):
        async for update in updates:
            yield update
        return
    loop = asyncio.get_running_loop()
    iterator = iter(updates)
    while True:
        update = await loop.run_in_executor(None, next, iterator, _END)
        if update is _END:
            return
        yield update

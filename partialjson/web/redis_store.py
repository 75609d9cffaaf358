"""Replay stores on Redis Streams: relayed responses that any server instance can serve.

Theory of operation
===================

Behind a load balancer a browser's reconnect (``Last-Event-ID``) lands on any instance, a
second tab may watch the same answer, and a worker may restart mid-answer. :class:`RedisStore`
(sync, ``redis.Redis``) and :class:`AsyncRedisStore` (``redis.asyncio.Redis``) implement the
relay's store protocols (:class:`~partialjson.web.store.ReplayStore`,
:class:`~partialjson.web.store.AsyncReplayStore`) on Redis (>= 6) or Valkey, so every
instance reads what one instance writes. Each response ``key`` has four Redis keys, in one
hash slot (``{key}``, for Redis Cluster)::

    <prefix>{<key>}:events   a stream: entry id "<n>-1" for relay event id "<n>",
                             fields e=<event name>, d=<JSON data>
    <prefix>{<key>}:base     "<n> <snapshot JSON>": the state folded from entries trimmed away
    <prefix>{<key>}:owner    the writer's lease: a random token, with an expiry
    <prefix>{<key>}:cancel   present once a cancel was requested, from any instance

**One writer.** The first ``append`` takes the lease (``SET NX`` semantics, in the same Lua
script as the ``XADD``, so a stream never exists without an owner); every append renews it, and
a background thread (task, for the async store) renews the leases of the responses this store
writes every ``lease / 3`` seconds while the upstream is quiet. Another store's append to a
response it does not own raises :class:`OwnershipError`. The terminal event releases the lease.

**Bounded.** The stream holds at most ``maxlen`` entries (``XADD ... MAXLEN``). The writer keeps
the last entries in memory too; when the stream is full it folds the oldest half into a
:class:`~partialjson.web.wire.ReplayState` and, in the same script, writes that state to
``:base`` and trims the stream to the other half. A reader whose ``Last-Event-ID`` is older
than the first kept entry gets one ``snapshot`` event (with the id of the last trimmed event)
and then the kept entries, as from the in-memory store: never a duplicated or missing piece
of text. Rewriting the base costs the size of the state once per ``maxlen / 2`` events.

**Reading** is one Lua script (atomic: the base and the entries always agree), and, while there
is nothing new, ``XREAD BLOCK`` from the reader's last id; entries that arrive contiguously are
returned straight from the ``XREAD`` (one round trip per wake). A reader past the terminal event
gets it again, at once. The owner serves its own readers from the log it keeps in memory (kept
``ttl`` after the end), so they depend on Redis neither for speed nor for availability.

**Owner lost.** A reader that finds no new entry, no terminal event and no lease (it expired:
the owner died or lost Redis for ``lease`` seconds) appends the terminal ``failed`` event with
reason ``owner_lost`` — in a script that checks all three again, so exactly one reader does it
and every reader sees the same end. Blocking reads wake at least every ``lease / 2`` seconds to
check, so nobody waits forever. A writer that comes back later cannot write after that end; it
logs a warning and goes on for its own readers only.

**Cancel.** ``request_cancel`` (any instance) sets ``:cancel`` and publishes the key on the
``<prefix>cancel`` channel, which every owner's lease thread (task) listens to: the owner sees
it at once, and its next append or lease renewal sees ``:cancel`` if it missed the message.
Then ``cancel_requested`` is true on the owner without a round trip, and ``on_cancel(key)`` is
called, so the owner can cancel the upstream call.

**Readers elsewhere.** A hub reading a response another instance drives calls
``touch_reader(key, ttl)`` now and then: ``SET <prefix>{key}:watch 1 PX ttl``. The owner's hub
asks ``readers_active(key)`` (``EXISTS``) before it cancels a response for want of readers of
its own (``linger``).

**Expiry.** Every key of a response expires ``ttl`` seconds after it ended (``PEXPIRE`` with the
terminal event), or ``ttl + lease`` seconds after its last write if it never ends.

**Redis unreachable.** The writer's relay keeps streaming to its own client: an ``append`` that
cannot reach Redis logs one warning and stops writing that response (a partial log would
replay wrongly). Readers elsewhere get :class:`StoreUnavailableError` (an
:class:`~partialjson.web.store.UnknownStreamError`: resume is unavailable, and the relay says
so), or, once Redis is back and the lease expired, the ``failed`` end above.

    >>> store = RedisStore("redis://localhost:6379/0", maxlen=1000, ttl=300, lease=10)
    ... # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from .store import REPLAY_UNAVAILABLE, AsyncWaiters, StoreUnavailableError, UnknownStreamError
from .wire import TERMINAL_EVENTS, RelayEvent, ReplayState

if TYPE_CHECKING:  # redis is an optional extra, imported when a store is made
    import redis
    import redis.asyncio

__all__ = [
    "AsyncRedisStore",
    "OwnershipError",
    "RedisStore",
    "StoreUnavailableError",
]

logger = logging.getLogger("partialjson.web.redis_store")

#: The connection pool size of a client a store makes from a URL: a blocked read holds a
#: connection, so a pool needs one per concurrent reader, plus the writers'.
MAX_CONNECTIONS = 10_000

_FOLLOWED = 10_000  # responses whose readers' positions a store remembers
_ENDED_KEPT = 1_000  # ended responses a store keeps in memory for its own late readers

#: The ``reason`` of the ``failed`` event readers append when the owner's lease expired.
OWNER_LOST = "owner_lost"


class OwnershipError(RuntimeError):
    """Another writer owns this response, or it already ended: this store may not append."""


_TERMINAL_LUA = "{" + ", ".join(f"[{name!r}] = true" for name in sorted(TERMINAL_EVENTS)) + "}"

# KEYS: events, owner, base, cancel
# ARGV: token, entry id, name, data, trim to, base ("": unchanged), ttl ms, lease ms, terminal
_APPEND = (
    "local terminal = "
    + _TERMINAL_LUA
    + """
local owner = redis.call('GET', KEYS[2])
if owner ~= ARGV[1] then
  if owner then return redis.error_reply('PJOWNED another writer owns this response') end
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #last > 0 and terminal[last[1][2][2]] then
    return redis.error_reply('PJENDED the response already ended')
  end
end
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[5], ARGV[2], 'e', ARGV[3], 'd', ARGV[4])
local expire = tonumber(ARGV[7])
if ARGV[9] == '1' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[8])
  expire = expire + tonumber(ARGV[8])
end
if ARGV[6] ~= '' then redis.call('SET', KEYS[3], ARGV[6]) end
redis.call('PEXPIRE', KEYS[1], expire)
redis.call('PEXPIRE', KEYS[3], expire)
redis.call('PEXPIRE', KEYS[4], expire)
return redis.call('EXISTS', KEYS[4])
"""
)

# KEYS: events, base, owner
# ARGV: after (a relay id; -1: one we cannot place)
# Returns nil (unknown key) or {last name, owned, snapshot needed, base or false, entries};
# a reader already past the terminal event gets it again.
_READ = (
    "local terminal = "
    + _TERMINAL_LUA
    + """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 then return nil end
local lastseq = tonumber(string.match(last[1][1], '^(%d+)'))
local base = redis.call('GET', KEYS[2])
local baseseq = 0
if base then baseseq = tonumber(string.match(base, '^(%d+)')) end
local after = tonumber(ARGV[1])
local owned = redis.call('EXISTS', KEYS[3])
local entries = {}
local snapshot = 0
if after >= 0 and after == lastseq then
  if terminal[last[1][2][2]] then entries = last end
elseif after >= 0 and after < lastseq and after >= baseseq then
  entries = redis.call('XRANGE', KEYS[1], (after + 1) .. '-0', '+')
  if #entries > 0 and tonumber(string.match(entries[1][1], '^(%d+)')) ~= after + 1 then
    snapshot = 1  -- a gap: trimmed entries whose fold (base) is gone
  end
else
  entries = redis.call('XRANGE', KEYS[1], '-', '+')
  snapshot = 1
end
return {last[1][2][2], owned, snapshot, base, entries}
"""
)

# KEYS: events, owner
# ARGV: failed event data, ttl ms
_FAIL_ORPHAN = (
    "local terminal = "
    + _TERMINAL_LUA
    + """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last == 0 or terminal[last[1][2][2]] then return 0 end
local seq = tonumber(string.match(last[1][1], '^(%d+)')) + 1
redis.call('XADD', KEYS[1], seq .. '-1', 'e', 'failed', 'd', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""
)

# KEYS: owner, events, base, cancel
# ARGV: token, lease ms, expire ms
# Returns -1 (the lease is lost) or whether a cancel was requested.
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return redis.call('EXISTS', KEYS[4])
"""

# KEYS: events, cancel
# ARGV: ttl ms, channel, response key
_REQUEST_CANCEL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
"""


def _bytes(value: Union[bytes, str]) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _after_seq(after: Optional[str]) -> int:
    """A reader's ``Last-Event-ID`` as a sequence number (0: the start; -1: not ours)."""
    if after is None:
        return 0
    try:
        seq = int(after)
    except ValueError:
        return -1
    return seq if seq >= 0 else -1


def _entry_seq(entry_id: Union[bytes, str]) -> int:
    return int(_bytes(entry_id).split(b"-", 1)[0])


def _events(entries: Any) -> list[RelayEvent]:
    events = []
    for entry_id, fields in entries:
        if isinstance(fields, dict):  # XREAD through redis-py: a dict of fields
            fields = {_bytes(k): v for k, v in fields.items()}
            name, data = fields[b"e"], fields[b"d"]
        else:  # a Lua reply: a flat list
            name, data = fields[1], fields[3]
        events.append(RelayEvent(str(_entry_seq(entry_id)), _bytes(name).decode(), _bytes(data)))
    return events


def _xread_events(reply: Any) -> list[RelayEvent]:
    """The entries of one stream's ``XREAD`` reply (RESP2: a list; RESP3: a dict)."""
    if not reply:
        return []
    streams = list(reply.values()) if isinstance(reply, dict) else [s[1] for s in reply]
    entries = streams[0]
    if entries and isinstance(entries[0], list) and entries[0] and isinstance(entries[0][0], list):
        entries = entries[0]  # RESP3 wraps the entries once more
    return _events(entries)


class _Writer:
    """What the owner of one response keeps in memory: the entries still in the stream and
    the state folded from those trimmed away (what ``:base`` holds). The owner serves its own
    readers from it, so they do not depend on Redis."""

    __slots__ = (
        "base",
        "cancelled",
        "ended",
        "ended_at",
        "kept",
        "last_seq",
        "lost",
        "unavailable",
    )

    def __init__(self) -> None:
        self.kept: deque[RelayEvent] = deque()
        self.base = ReplayState()
        self.last_seq = 0
        self.ended = False
        self.ended_at = 0.0
        self.cancelled = False
        self.lost = False  # the lease expired and the response ended without us
        self.unavailable = False  # Redis could not be reached: no more writes

    @property
    def live(self) -> bool:
        """Whether this store still writes the response to Redis."""
        return not (self.ended or self.lost or self.unavailable)

    def after(self, after: Optional[str]) -> list[RelayEvent]:
        """The events after ``after``, as the store contract says (a ``snapshot`` first for a
        reader this log cannot place)."""
        seq = _after_seq(after)
        kept = self.kept  # the event being written to Redis included: it is this log's
        last = kept[-1].seq if kept else self.last_seq
        first = kept[0].seq if kept else last + 1
        if seq >= 0 and seq == last:
            return [kept[-1]] if kept and kept[-1].terminal else []
        if first - 1 <= seq < last:  # the ids are consecutive
            return list(kept)[seq - first + 1 :]
        return [self.base.snapshot(), *kept]


class _Core:
    """What the sync and async stores share: keys, script arguments, parsing results."""

    def __init__(
        self,
        *,
        maxlen: int,
        ttl: float,
        lease: float,
        prefix: str,
        on_cancel: Optional[Callable[[str], Any]],
    ) -> None:
        if maxlen < 2:
            raise ValueError("maxlen must be at least 2")
        if ttl <= 0 or lease <= 0:
            raise ValueError("ttl and lease must be positive")
        self.maxlen = maxlen
        self.ttl = ttl
        self.lease = lease
        self.prefix = prefix
        self.on_cancel = on_cancel
        self._token = secrets.token_hex(16)
        self._writers: dict[str, _Writer] = {}
        self._ended: deque[str] = deque()
        self._down_until = 0.0  # after Redis was unreachable, new responses skip it a while
        self._max_block = 2.0
        self._followed: OrderedDict[str, int] = OrderedDict()  # key: last seq a read returned
        self._lock = threading.Lock()

    def _connect(self, client: Any, client_class: Any) -> Any:
        """The sync or async client (made from a URL, or the one given) with the store's
        scripts registered on it: the two clients take the same calls."""
        self._owns_client = isinstance(client, str)  # closed by close() only if made here
        if isinstance(client, str):
            client = client_class.from_url(client, max_connections=MAX_CONNECTIONS)
        self._errors = _redis_errors()
        self._max_block = _max_block(client)
        self._append_script = client.register_script(_APPEND)
        self._read_script = client.register_script(_READ)
        self._orphan_script = client.register_script(_FAIL_ORPHAN)
        self._renew_script = client.register_script(_RENEW)
        self._cancel_script = client.register_script(_REQUEST_CANCEL)
        return client

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl * 1000))

    @property
    def _lease_ms(self) -> int:
        return max(1, int(self.lease * 1000))

    def keys(self, key: str) -> dict[str, str]:
        """The Redis keys of response ``key``: ``events``, ``base``, ``owner``, ``cancel``."""
        tag = self.prefix + "{" + key + "}:"
        return {name: tag + name for name in ("events", "base", "owner", "cancel")}

    def watch_key(self, key: str) -> str:
        """The key a remote reader of ``key`` refreshes (:meth:`touch_reader`)."""
        return self.prefix + "{" + key + "}:watch"

    def owns(self, key: str) -> bool:
        """Whether this store writes ``key`` (it appended to it and it has not ended)."""
        writer = self._writers.get(key)
        return writer is not None and writer.live

    def _append_args(self, key: str, event: RelayEvent) -> tuple[_Writer, list[str], list[Any]]:
        writer = self._writers.get(key)
        if writer is None:
            writer = _Writer()
            writer.unavailable = time.monotonic() < self._down_until
        if writer.ended:
            raise ValueError("the response already ended: no event can follow the terminal one")
        if event.seq <= writer.last_seq:
            raise ValueError(f"event id {event.id} does not follow {writer.last_seq}")
        writer.kept.append(event)
        base = b""
        trim_to = self.maxlen
        if len(writer.kept) > self.maxlen:  # fold the oldest half into the base
            trim_to = self.maxlen - self.maxlen // 2
            while len(writer.kept) > trim_to:
                writer.base.fold(writer.kept.popleft())
            snapshot = writer.base.snapshot()
            base = snapshot.id.encode() + b" " + snapshot.data
        names = self.keys(key)
        keys = [names["events"], names["owner"], names["base"], names["cancel"]]
        args = [
            self._token,
            f"{event.seq}-1",
            event.event,
            event.data,
            trim_to,
            base,
            self._ttl_ms,
            self._lease_ms,
            "1" if event.terminal else "0",
        ]
        return writer, keys, args

    def _appended(self, key: str, writer: _Writer, event: RelayEvent, cancel: Any) -> bool:
        """Record an append (written to Redis or not); whether a cancel was newly seen."""
        writer.last_seq = event.seq
        self._writers[key] = writer
        if event.terminal:
            writer.ended = True
            writer.ended_at = time.monotonic()
            self._ended.append(key)  # kept a while for this instance's readers
            while len(self._ended) > _ENDED_KEPT:
                old = self._ended.popleft()
                if old in self._writers and self._writers[old].ended:
                    del self._writers[old]
            return False
        return self._saw_cancel(writer, bool(cancel))

    def _saw_cancel(self, writer: _Writer, cancel: bool) -> bool:
        if cancel and not writer.cancelled:
            writer.cancelled = True
            return True
        return False

    def _append_failed(self, key: str, writer: _Writer, error: Exception) -> Optional[Exception]:
        """What a refused write means: an error to raise for a response this store has not
        written before; for one it was writing, the lease is lost (its own readers go on)."""
        message = str(error)
        if key not in self._writers:  # nothing written: the event is not ours to keep
            if "PJENDED" in message:  # as the in-memory store says it
                return ValueError(
                    "the response already ended: no event can follow the terminal one"
                )
            if "PJOWNED" in message or "equal or smaller" in message:
                return OwnershipError(f"{key!r}: another writer owns this response")
            return error
        if "PJOWNED" in message or "PJENDED" in message or "equal or smaller" in message:
            logger.warning("response %r: the lease was lost, it ended without this writer", key)
            writer.lost = True
            return None
        return error

    def _unavailable(self, key: str, writer: _Writer, error: Exception) -> None:
        logger.warning(
            "replay store unreachable (%s): response %r streams on, resume is unavailable",
            type(error).__name__,
            key,
        )
        writer.unavailable = True
        self._down_until = time.monotonic() + self.lease

    def _read_args(self, key: str, after: Optional[str]) -> tuple[list[str], list[Any]]:
        names = self.keys(key)
        return [names["events"], names["base"], names["owner"]], [_after_seq(after)]

    def _read_result(self, key: str, result: Any) -> tuple[list[RelayEvent], bool, bool]:
        """The events, whether the response ended, whether an owner holds the lease."""
        if result is None:
            raise UnknownStreamError(key)
        last_name, owned, snapshot, base, entries = result
        ended = _bytes(last_name).decode() in TERMINAL_EVENTS
        events = _events(entries)
        if snapshot:
            if not base:  # trimmed, and the fold of what was trimmed is gone: never serve a gap
                lost = max(events[0].seq - 1, 1) if events else 1
                data = b'{"reason":"' + REPLAY_UNAVAILABLE.encode() + b'"}'
                return [RelayEvent(str(lost), "failed", data)], True, bool(owned)
            seq, data = _bytes(base).split(b" ", 1)
            events.insert(0, RelayEvent(seq.decode(), "snapshot", data))
        return events, ended, bool(owned)

    def _local(self, key: str) -> Optional[_Writer]:
        """The log of a response this store writes or wrote (kept ``ttl`` after its end)."""
        writer = self._writers.get(key)
        if writer is not None and writer.ended and time.monotonic() - writer.ended_at > self.ttl:
            self._writers.pop(key, None)
            return None
        return writer

    def _following(self, key: str, seq: int, block: Optional[float]) -> bool:
        """Whether this store just served a reader of ``key`` up to ``seq`` (not the end):
        then a blocking read waits on the stream at once (one round trip per wake)."""
        return block is not None and seq > 0 and self._followed.get(key) == seq

    def _served(self, key: str, events: list[RelayEvent]) -> list[RelayEvent]:
        with self._lock:
            if events and not events[-1].terminal:
                self._followed[key] = events[-1].seq
                self._followed.move_to_end(key)
                while len(self._followed) > _FOLLOWED:
                    self._followed.popitem(last=False)
            else:
                self._followed.pop(key, None)
        return events

    def _orphan_args(self, key: str) -> tuple[list[str], list[Any]]:
        names = self.keys(key)
        data = b'{"reason":"' + OWNER_LOST.encode() + b'"}'
        return [names["events"], names["owner"]], [data, self._ttl_ms]

    def _block_ms(self, remaining: float) -> int:
        """How long one XREAD blocks: at most half a lease (to notice a lost owner), and well
        within the client's socket timeout (redis-py's default is 5 s)."""
        return max(1, int(min(remaining, self.lease / 2, self._max_block) * 1000))

    def _renew_batch(self) -> list[tuple[str, list[str], list[Any]]]:
        batch = []
        expire = self._ttl_ms + self._lease_ms
        for key, writer in list(self._writers.items()):
            if not writer.live:
                continue
            names = self.keys(key)
            keys = [names["owner"], names["events"], names["base"], names["cancel"]]
            batch.append((key, keys, [self._token, self._lease_ms, expire]))
        return batch

    def _renewed(self, key: str, result: Any) -> bool:
        """Record one renewal's result; whether a cancel was newly seen."""
        writer = self._writers.get(key)
        if writer is None or writer.ended:  # it ended while the renewal was on its way
            return False
        if int(result) < 0:
            if not writer.lost:
                logger.warning("lost the lease of response %r (another reader ended it)", key)
            writer.lost = True
            return False
        return self._saw_cancel(writer, bool(result))

    def _cancel_args(self, key: str) -> tuple[list[str], list[Any]]:
        names = self.keys(key)
        return [names["events"], names["cancel"]], [
            self._ttl_ms + self._lease_ms,
            self.channel,
            key,
        ]

    @property
    def channel(self) -> str:
        """The pub/sub channel that carries cancel requests to the owners at once."""
        return self.prefix + "cancel"

    def _owner_cancel(self, key: str) -> Optional[bool]:
        """Whether a cancel reached this owner (None: this store does not write ``key``)."""
        writer = self._writers.get(key)
        if writer is None or not writer.live:
            return None
        return writer.cancelled

    def _cancel_here(self, key: str) -> bool:
        """A cancel requested through the owner itself; whether it is new."""
        writer = self._writers.get(key)
        return writer is not None and self._saw_cancel(writer, True)

    def _published(self, message: Any) -> bool:
        """Record a cancel published for a response; whether this owner newly saw it."""
        if not message or message.get("type") != "message":
            return False
        writer = self._writers.get(_bytes(message["data"]).decode())
        return writer is not None and self._saw_cancel(writer, True)


def _max_block(client: Any) -> float:
    """The longest a blocking command should wait on ``client``'s connections."""
    options = client.connection_pool.connection_kwargs
    timeout = options.get("socket_timeout", options.get("orig_socket_timeout"))
    return 2.0 if not timeout else min(2.0, float(timeout) / 2)


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis.exceptions

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class RedisStore(_Core):
    """A :class:`~partialjson.web.store.ReplayStore` on Redis Streams, shared by every instance
    that uses the same Redis (sync: ``redis.Redis``; thread-safe).

    ``client``: a ``redis.Redis`` or a URL (``redis://host:6379/0``). ``maxlen`` entries kept per
    response (older ones folded into a snapshot), ``ttl`` seconds an ended response is kept,
    ``lease`` seconds after which a silent owner counts as lost, ``prefix`` of every key,
    ``on_cancel(key)`` called (from the lease thread or an ``append``) when a cancel requested
    on any instance reaches this owner.

        >>> from partialjson.web.wire import RelayEvent
        >>> store = RedisStore(redis_url)  # doctest: +SKIP
        >>> store.append("r1", RelayEvent("1", "started", b"{}"))  # doctest: +SKIP
        >>> store.read("r1")  # doctest: +SKIP
        [RelayEvent(id='1', event='started', data=b'{}')]
    """

    def __init__(
        self,
        client: Union[str, redis.Redis],
        *,
        maxlen: int = 1000,
        ttl: float = 300.0,
        lease: float = 10.0,
        prefix: str = "partialjson:",
        on_cancel: Optional[Callable[[str], Any]] = None,
    ) -> None:
        super().__init__(maxlen=maxlen, ttl=ttl, lease=lease, prefix=prefix, on_cancel=on_cancel)
        import redis

        self.client: redis.Redis = self._connect(client, redis.Redis)
        self._stop = threading.Event()
        self._renewer: Optional[threading.Thread] = None
        self._changed = threading.Condition(self._lock)

    def _read_local(
        self, writer: _Writer, after: Optional[str], block: Optional[float]
    ) -> list[RelayEvent]:
        deadline = None if block is None else time.monotonic() + block
        with self._changed:
            while True:
                events = writer.after(after)
                if events or writer.ended or deadline is None:
                    return events
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                self._changed.wait(remaining)

    def append(self, key: str, event: RelayEvent) -> None:
        with self._lock:
            writer, keys, args = self._append_args(key, event)
        cancel = 0
        if writer.live:
            try:
                cancel = self._append_script(keys=keys, args=args)
            except self._errors as exc:
                with self._lock:
                    self._unavailable(key, writer, exc)
            except Exception as exc:
                with self._lock:
                    error = self._append_failed(key, writer, exc)
                if error is not None:
                    raise error from exc
        with self._changed:
            newly = self._appended(key, writer, event, cancel)
            self._changed.notify_all()
        if writer.live:
            self._ensure_renewer()
        if newly:
            self._notify_cancel(key)

    def read(
        self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
    ) -> list[RelayEvent]:
        writer = self._local(key)
        if writer is not None:  # this store writes it: its own log, Redis or not
            return self._read_local(writer, after, block)
        try:
            return self._read(key, after, block)
        except self._errors as exc:
            raise StoreUnavailableError(f"{key}: the replay store is unreachable ({exc})") from exc

    def _read(self, key: str, after: Optional[str], block: Optional[float]) -> list[RelayEvent]:
        deadline = None if block is None else time.monotonic() + block
        keys, args = self._read_args(key, after)
        seq = _after_seq(after)
        check = not self._following(key, seq, block)
        while True:
            if check:
                result = self._read_script(keys=keys, args=args)
                events, ended, owned = self._read_result(key, result)
                if events or ended:
                    return self._served(key, events)
                if not owned and self._orphan_script(*self._orphan_args(key)):
                    continue  # the owner is gone: read the `failed` end just appended
                if deadline is None:
                    return []
            check = True
            assert deadline is not None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            reply = self.client.xread({keys[0]: f"{seq}-1"}, block=self._block_ms(remaining))
            woken = _xread_events(reply)
            if woken and woken[0].seq == seq + 1:
                return self._served(key, woken)  # contiguous: all the stream has after `seq`

    def request_cancel(self, key: str) -> None:
        keys, args = self._cancel_args(key)
        if not self._cancel_script(keys=keys, args=args):
            raise UnknownStreamError(key)
        with self._lock:
            newly = self._cancel_here(key)
        if newly:
            self._notify_cancel(key)

    def cancel_requested(self, key: str) -> bool:
        owned = self._owner_cancel(key)  # the owner knows without a round trip
        if owned is not None:
            return owned
        return bool(self.client.exists(self.keys(key)["cancel"]))

    def touch_reader(self, key: str, ttl: float) -> None:
        """Mark ``key`` as read from here for ``ttl`` seconds (the owner will not linger out)."""
        self.client.set(self.watch_key(key), b"1", px=max(1, int(ttl * 1000)))

    def readers_active(self, key: str) -> bool:
        """Whether a reader somewhere marked ``key`` as read (:meth:`touch_reader`)."""
        return bool(self.client.exists(self.watch_key(key)))

    def close(self) -> None:
        """Stop renewing leases (the responses this store writes will count as lost) and close
        the client if this store made it. The lease thread ends at its next wake (< 0.25 s)."""
        self._stop.set()
        if self._owns_client:
            self.client.close()

    def _notify_cancel(self, key: str) -> None:
        if self.on_cancel is not None:
            try:
                self.on_cancel(key)
            except Exception:
                logger.exception("on_cancel(%r) raised", key)

    def _ensure_renewer(self) -> None:
        with self._lock:
            if self._renewer is not None and self._renewer.is_alive():
                return
            self._renewer = threading.Thread(
                target=self._renew_leases, name="partialjson-redis-leases", daemon=True
            )
            self._renewer.start()

    def _renew_leases(self) -> None:
        """The owner's watch: cancels published for its responses, at once; its leases renewed
        (and cancels not heard on the channel seen) every ``lease / 3`` seconds."""
        pubsub = None
        next_renewal = time.monotonic() + self.lease / 3
        while not self._stop.is_set():
            try:
                if pubsub is None:
                    pubsub = self.client.pubsub()  # type: ignore[no-untyped-call, unused-ignore]
                    pubsub.subscribe(self.channel)
                wait = min(max(0.0, next_renewal - time.monotonic()), 0.25)  # see close()
                message = pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
                with self._lock:
                    newly = self._published(message)
                if newly:
                    self._notify_cancel(_bytes(message["data"]).decode())
                if time.monotonic() >= next_renewal:
                    next_renewal = time.monotonic() + self.lease / 3
                    self._renew_once()
            except Exception as exc:  # Redis is away: the lease may lapse, readers will know
                if self._stop.is_set():
                    break  # closed meanwhile
                logger.warning("watching leases and cancels failed: %s", type(exc).__name__)
                pubsub = None
                self._stop.wait(min(1.0, self.lease / 3))
        if pubsub is not None:
            pubsub.close()

    def _renew_once(self) -> None:
        with self._lock:
            batch = self._renew_batch()
        if not batch:
            return
        with self.client.pipeline(transaction=False) as pipe:
            for _, keys, args in batch:
                self._renew_script(keys=keys, args=args, client=pipe)
            results = pipe.execute()
        with self._lock:
            cancelled = [k for (k, _, _), r in zip(batch, results) if self._renewed(k, r)]
        for key in cancelled:
            self._notify_cancel(key)


class AsyncRedisStore(_Core):
    """An :class:`~partialjson.web.store.AsyncReplayStore` on Redis Streams
    (``redis.asyncio.Redis``); the same keys and options as :class:`RedisStore`, and a lease
    task on the event loop of the first append."""

    def __init__(
        self,
        client: Union[str, redis.asyncio.Redis],
        *,
        maxlen: int = 1000,
        ttl: float = 300.0,
        lease: float = 10.0,
        prefix: str = "partialjson:",
        on_cancel: Optional[Callable[[str], Any]] = None,
    ) -> None:
        super().__init__(maxlen=maxlen, ttl=ttl, lease=lease, prefix=prefix, on_cancel=on_cancel)
        import redis.asyncio

        self.client: redis.asyncio.Redis = self._connect(client, redis.asyncio.Redis)
        self._renewer: Optional[asyncio.Task[None]] = None
        self._waiters = AsyncWaiters()

    async def _read_local(
        self, key: str, writer: _Writer, after: Optional[str], block: Optional[float]
    ) -> list[RelayEvent]:
        return await self._waiters.poll(key, lambda: (writer.after(after), writer.ended), block)

    async def append(self, key: str, event: RelayEvent) -> None:
        writer, keys, args = self._append_args(key, event)
        cancel = 0
        if writer.live:
            try:
                cancel = await self._append_script(keys=keys, args=args)
            except self._errors as exc:
                self._unavailable(key, writer, exc)
            except Exception as exc:
                error = self._append_failed(key, writer, exc)
                if error is not None:
                    raise error from exc
        newly = self._appended(key, writer, event, cancel)
        self._waiters.wake(key)
        if newly:
            await self._notify_cancel(key)
        if writer.live and (self._renewer is None or self._renewer.done()):
            self._renewer = asyncio.ensure_future(self._renew_leases())

    async def read(
        self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
    ) -> list[RelayEvent]:
        writer = self._local(key)
        if writer is not None:  # this store writes it: its own log, Redis or not
            return await self._read_local(key, writer, after, block)
        try:
            return await self._read(key, after, block)
        except self._errors as exc:
            raise StoreUnavailableError(f"{key}: the replay store is unreachable ({exc})") from exc

    async def _read(
        self, key: str, after: Optional[str], block: Optional[float]
    ) -> list[RelayEvent]:
        loop = asyncio.get_running_loop()
        deadline = None if block is None else loop.time() + block
        keys, args = self._read_args(key, after)
        seq = _after_seq(after)
        check = not self._following(key, seq, block)
        while True:
            if check:
                result = await self._read_script(keys=keys, args=args)
                events, ended, owned = self._read_result(key, result)
                if events or ended:
                    return self._served(key, events)
                if not owned:
                    orphan_keys, orphan_args = self._orphan_args(key)
                    if await self._orphan_script(keys=orphan_keys, args=orphan_args):
                        continue
                if deadline is None:
                    return []
            check = True
            assert deadline is not None
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            ms = self._block_ms(remaining)
            woken = _xread_events(await self.client.xread({keys[0]: f"{seq}-1"}, block=ms))
            if woken and woken[0].seq == seq + 1:
                return self._served(key, woken)

    async def request_cancel(self, key: str) -> None:
        keys, args = self._cancel_args(key)
        if not await self._cancel_script(keys=keys, args=args):
            raise UnknownStreamError(key)
        if self._cancel_here(key):
            await self._notify_cancel(key)

    async def cancel_requested(self, key: str) -> bool:
        owned = self._owner_cancel(key)
        if owned is not None:
            return owned
        return bool(await self.client.exists(self.keys(key)["cancel"]))

    async def touch_reader(self, key: str, ttl: float) -> None:
        """Mark ``key`` as read from here for ``ttl`` seconds (the owner will not linger out)."""
        await self.client.set(self.watch_key(key), b"1", px=max(1, int(ttl * 1000)))

    async def readers_active(self, key: str) -> bool:
        """Whether a reader somewhere marked ``key`` as read (:meth:`touch_reader`)."""
        return bool(await self.client.exists(self.watch_key(key)))

    async def aclose(self) -> None:
        """Stop renewing leases and close the client if this store made it."""
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        if self._owns_client:
            await self.client.aclose()

    async def _notify_cancel(self, key: str) -> None:
        if self.on_cancel is not None:
            try:
                result = self.on_cancel(key)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                logger.exception("on_cancel(%r) raised", key)

    async def _renew_leases(self) -> None:
        """The owner's watch (see :meth:`RedisStore._renew_leases`), while it writes any."""
        loop = asyncio.get_running_loop()
        pubsub = None
        next_renewal = loop.time() + self.lease / 3
        try:
            while any(writer.live for writer in list(self._writers.values())):
                try:
                    if pubsub is None:
                        pubsub = self.client.pubsub()
                        await pubsub.subscribe(self.channel)
                    wait = min(max(0.0, next_renewal - loop.time()), self._max_block)
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
                    if self._published(message):
                        assert message is not None
                        await self._notify_cancel(_bytes(message["data"]).decode())
                    if loop.time() >= next_renewal:
                        next_renewal = loop.time() + self.lease / 3
                        await self._renew_once()
                except Exception as exc:
                    logger.warning("watching leases and cancels failed: %s", type(exc).__name__)
                    if pubsub is not None:
                        await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]
                    pubsub = None
                    await asyncio.sleep(min(1.0, self.lease / 3))
        finally:
            if pubsub is not None:
                await asyncio.shield(pubsub.aclose())  # type: ignore[no-untyped-call, unused-ignore]

    async def _renew_once(self) -> None:
        batch = self._renew_batch()
        if not batch:
            return
        async with self.client.pipeline(transaction=False) as pipe:
            for _, keys, args in batch:
                await self._renew_script(keys=keys, args=args, client=pipe)
            results = await pipe.execute()
        for (key, _, _), result in zip(batch, results):
            if self._renewed(key, result):
                await self._notify_cancel(key)

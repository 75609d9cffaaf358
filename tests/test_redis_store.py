"""The replay-store contract, against the in-memory stores and the Redis stores (a real
redis-server), and what only the Redis stores do: one owner, its lease, cancels across
instances, expiry, an unreachable Redis."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable, Optional

import pytest
import redis
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.backoff import NoBackoff
from redis.retry import Retry

from partialjson.web.redis_store import (
    AsyncRedisStore,
    OwnershipError,
    RedisStore,
    StoreUnavailableError,
)
from partialjson.web.store import (
    AsyncMemoryStore,
    AsyncReplayStore,
    MemoryStore,
    ReplayStore,
    UnknownStreamError,
)
from partialjson.web.wire import RelayEvent, ReplayState

from .test_relay_store import rebuild, text_events


def wait_subscribed(url: str, channel: str) -> None:
    """Wait until someone listens on ``channel`` (the owner's watch thread has started)."""
    client = redis.Redis.from_url(url)
    for _ in range(500):
        if dict(client.pubsub_numsub(channel)).get(channel.encode()):
            return
        time.sleep(0.01)
    raise AssertionError(f"nobody subscribed to {channel}")


def after_the_end(store: Any, event: RelayEvent, block: Optional[float] = None) -> None:
    """A reader past the terminal event gets the terminal event again, at once."""
    started = time.monotonic()
    assert store.read("r", event.id, block=block) == [event]
    assert time.monotonic() - started < 1


Factory = Callable[..., Any]


@pytest.fixture(params=["memory", "redis"])
def make_store(request: pytest.FixtureRequest) -> Iterator[Factory]:
    """A sync store of each kind: ``make_store(maxlen=..., ttl=...)``."""
    if request.param == "memory":
        yield MemoryStore
        return
    url = request.getfixturevalue("redis_url")
    made: list[RedisStore] = []

    def make(**options: Any) -> RedisStore:
        made.append(RedisStore(url, **options))
        return made[-1]

    yield make
    for store in made:
        store.close()


@pytest.fixture(params=["memory", "redis"])
def make_async_store(request: pytest.FixtureRequest) -> Factory:
    """An async store of each kind (made inside the test's event loop)."""
    if request.param == "memory":
        return AsyncMemoryStore
    url = request.getfixturevalue("redis_url")
    return lambda **options: AsyncRedisStore(url, **options)


# -- the contract: every store ------------------------------------------------------------


def test_the_stores_satisfy_the_protocols(redis_url: str) -> None:
    store = RedisStore(redis_url)
    assert isinstance(store, ReplayStore)
    assert isinstance(AsyncRedisStore(redis_url), AsyncReplayStore)
    store.close()


@pytest.mark.parametrize("maxlen", [2, 3, 5, 1000])
@pytest.mark.parametrize("after", [None, "0", "1", "2", "3", "5", "7", "8", "99", "bogus"])
def test_any_reader_rebuilds_the_same_text_once(
    make_store: Factory, maxlen: int, after: Optional[str]
) -> None:
    pieces = ["Ada", " Love", "lace", " wrote", " notes"]
    events = text_events(pieces)
    store = make_store(maxlen=maxlen)
    for event in events:
        store.append("r", event)
    known = int(after) if after is not None and after.isdigit() and int(after) <= 8 else 0
    got = store.read("r", after)
    if got and got[0].event != "snapshot" and known < 8:
        assert got[0].seq == known + 1  # continues exactly where the reader was
    if got and got[0].event == "snapshot":  # the kept events follow the snapshot exactly
        assert [e.seq for e in got[1:]] == list(range(got[0].seq + 1, 9))
    snapshot = bool(got) and got[0].event == "snapshot"
    state = rebuild(got, None if snapshot else rebuild(events[:known]))
    assert state.value == {"text": "".join(pieces)}
    assert list(state.completed) == ["/text"]
    after_the_end(store, events[-1])
    after_the_end(store, events[-1], block=5)


def test_every_reader_position_rebuilds_a_long_answer(make_store: Factory) -> None:
    pieces = [f"w{i} " for i in range(60)]
    events = text_events(pieces)
    store = make_store(maxlen=8)
    final = {"text": "".join(pieces)}
    for n, event in enumerate(events):
        store.append("r", event)
        for known in {0, n // 2, n}:  # readers at the start, halfway, up to date
            got = store.read("r", str(known))
            base = None if got and got[0].event == "snapshot" else rebuild(events[:known])
            assert [e.seq for e in got[1 if base is None else 0 :]] == list(
                range((got[0].seq if base is None else known) + 1, n + 2)
            )
            rebuild(got, base)  # applies cleanly
    assert rebuild(store.read("r")).value == final


def test_ids_must_increase_and_nothing_follows_the_end(make_store: Factory) -> None:
    store = make_store()
    store.append("r", RelayEvent("1", "started", b"{}"))
    with pytest.raises(ValueError, match="does not follow"):
        store.append("r", RelayEvent("1", "patch", b"[]"))
    store.append("r", RelayEvent("2", "cancelled", b"{}"))
    with pytest.raises(ValueError, match="already ended"):
        store.append("r", RelayEvent("3", "patch", b"[]"))


def test_unknown_keys(make_store: Factory) -> None:
    store = make_store()
    with pytest.raises(UnknownStreamError):
        store.read("nope")


def test_a_blocked_reader_wakes_on_append_and_cancel_requests_are_seen(
    make_store: Factory,
) -> None:
    store = make_store()
    store.append("r", RelayEvent("1", "started", b"{}"))
    got: list[RelayEvent] = []
    reader = threading.Thread(target=lambda: got.extend(store.read("r", "1", block=5)))
    reader.start()
    time.sleep(0.05)
    store.append("r", RelayEvent("2", "patch", b'[{"op":"replace","path":"","value":1}]'))
    reader.join(5)
    assert [e.id for e in got] == ["2"]
    started = time.monotonic()
    assert store.read("r", "2", block=0.2) == []
    assert time.monotonic() - started >= 0.15  # it did wait
    assert not store.cancel_requested("r")
    store.request_cancel("r")
    assert store.cancel_requested("r")
    with pytest.raises(UnknownStreamError):
        store.request_cancel("nope")


def test_async_stores(make_async_store: Factory) -> None:
    async def main() -> None:
        store = make_async_store(maxlen=3)
        events = text_events(["a", "b", "c", "d"])
        await store.append("r", events[0])

        async def later() -> None:
            await asyncio.sleep(0.05)
            for event in events[1:]:
                await store.append("r", event)

        task = asyncio.ensure_future(later())
        first = await store.read("r", "1", block=5)  # woken by the appends
        assert first
        await task
        state = rebuild(first, rebuild(events[:1]) if first[0].event != "snapshot" else None)
        state = rebuild(await store.read("r", first[-1].id), state)
        assert state.value == {"text": "abcd"}
        assert await store.read("r", "1", block=0.01)  # ended: returns at once
        assert await store.read("r", events[-1].id, block=5) == [events[-1]]
        with pytest.raises(UnknownStreamError):
            await store.read("nope")
        await store.append("q", events[0])
        assert not await store.cancel_requested("q")
        await store.request_cancel("q")
        assert await store.cancel_requested("q")
        if isinstance(store, AsyncRedisStore):
            await store.aclose()

    asyncio.run(main())


# -- Redis only ---------------------------------------------------------------------------


def test_the_stream_is_bounded_and_the_keys_are_documented(redis_url: str) -> None:
    store = RedisStore(redis_url, maxlen=10, prefix="pj:")
    client = redis.Redis.from_url(redis_url)
    pieces = ["x"] * 500
    lengths = []
    for event in text_events(pieces)[:-1]:
        store.append("r", event)
        lengths.append(client.xlen("pj:{r}:events"))
    assert max(lengths) == 10
    assert sorted(k.decode() for k in client.keys("*")) == [
        "pj:{r}:base",
        "pj:{r}:events",
        "pj:{r}:owner",
    ]
    store.request_cancel("r")
    assert client.exists("pj:{r}:cancel")
    assert rebuild(store.read("r")).value == {"text": "x" * 500}
    store.close()


def test_a_lost_base_is_never_served_as_a_gap(redis_url: str) -> None:
    """Entries were trimmed and their fold (``:base``) is gone: a reader on another instance who
    needs the beginning gets ``failed: replay_unavailable``, not a partial value as if whole."""
    owner, reader = RedisStore(redis_url, maxlen=4), RedisStore(redis_url)
    client = redis.Redis.from_url(redis_url)
    for event in text_events(["a", "b", "c", "d", "e", "f", "g"])[:-1]:
        owner.append("r", event)
    client.delete(owner.keys("r")["base"])
    served = reader.read("r")
    assert [(e.event, e.json()) for e in served] == [("failed", {"reason": "replay_unavailable"})]
    owner.close()
    reader.close()


def test_keys_expire_ttl_after_the_end(redis_url: str) -> None:
    store = RedisStore(redis_url, maxlen=4, ttl=0.5)
    client = redis.Redis.from_url(redis_url)
    for event in text_events(["a", "b", "c", "d", "e"]):
        store.append("r", event)
    assert not client.exists(store.keys("r")["owner"])  # the lease ends with the answer
    assert 0 < client.pttl(store.keys("r")["events"]) <= 500
    assert 0 < client.pttl(store.keys("r")["base"]) <= 500
    assert store.read("r", "1")
    time.sleep(0.7)
    assert client.keys("*") == []
    for reader in (store, RedisStore(redis_url)):  # the owner's own copy is gone too
        with pytest.raises(UnknownStreamError):
            reader.read("r")
        reader.close()


def test_two_instances_share_a_response_and_only_one_writes_it(redis_url: str) -> None:
    a, b = RedisStore(redis_url), RedisStore(redis_url)
    events = text_events(["one ", "two"])
    a.append("r", events[0])
    assert a.owns("r") and not b.owns("r")
    with pytest.raises(OwnershipError):
        b.append("r", events[1])
    for event in events[1:]:
        a.append("r", event)
        assert rebuild(b.read("r")).value == rebuild(a.read("r")).value
    assert rebuild(b.read("r")).value == {"text": "one two"}
    assert not a.owns("r")
    a.close()
    b.close()


def test_readers_see_failed_when_the_owner_is_lost_never_hang(redis_url: str) -> None:
    owner = RedisStore(redis_url, lease=0.3)
    owner.append("r", RelayEvent("1", "started", b"{}"))
    owner.close()  # no more renewals: as if the process died
    reader = RedisStore(redis_url, lease=0.3)
    started = time.monotonic()
    got = reader.read("r", "1", block=10)
    assert time.monotonic() - started < 2
    assert [(e.id, e.event, e.json()) for e in got] == [("2", "failed", {"reason": "owner_lost"})]
    assert reader.read("r", "2", block=10) == got  # ended: the end again, at once
    other = RedisStore(redis_url, lease=0.3)
    assert [e.event for e in other.read("r")] == ["started", "failed"]  # the same end for all
    owner.append("r", RelayEvent("2", "patch", b"[]"))  # a late owner cannot write after it,
    assert not owner.owns("r")  # but goes on for its own readers
    assert [e.event for e in owner.read("r")] == ["started", "patch"]
    assert [e.event for e in other.read("r")] == ["started", "failed"]
    reader.close()
    other.close()


def test_a_live_owner_keeps_its_lease_while_the_upstream_is_quiet(redis_url: str) -> None:
    owner = RedisStore(redis_url, lease=0.6)
    owner.append("r", RelayEvent("1", "started", b"{}"))
    reader = RedisStore(redis_url, lease=0.6)
    assert reader.read("r", "1", block=1.8) == []  # three leases long: no false `failed`
    owner.append("r", RelayEvent("2", "completed", b"{}"))
    assert [e.event for e in reader.read("r", "1")] == ["completed"]
    owner.close()
    reader.close()


def test_a_cancel_from_another_instance_reaches_the_owner_at_once(redis_url: str) -> None:
    seen = threading.Event()
    owner = RedisStore(redis_url, lease=30, on_cancel=lambda key: seen.set())
    other = RedisStore(redis_url, lease=30)
    owner.append("r", RelayEvent("1", "started", b"{}"))
    wait_subscribed(redis_url, owner.channel)
    assert not owner.cancel_requested("r")
    other.request_cancel("r")
    assert seen.wait(2)  # the upstream is quiet and no renewal is due: the channel brings it
    assert owner.cancel_requested("r") and other.cancel_requested("r")
    owner.close()
    other.close()


def test_a_cancel_the_owner_did_not_hear_comes_with_the_lease_renewal(redis_url: str) -> None:
    seen = threading.Event()
    owner = RedisStore(redis_url, lease=0.3, on_cancel=lambda key: seen.set())
    owner.append("r", RelayEvent("1", "started", b"{}"))
    redis.Redis.from_url(redis_url).set(owner.keys("r")["cancel"], "1")  # not published
    assert seen.wait(2)
    owner.close()


def test_an_async_cancel_reaches_a_quiet_owner(redis_url: str) -> None:
    async def main() -> None:
        seen = asyncio.Event()
        owner = AsyncRedisStore(redis_url, lease=30, on_cancel=lambda key: seen.set())
        other = AsyncRedisStore(redis_url)
        await owner.append("r", RelayEvent("1", "started", b"{}"))
        for _ in range(500):  # the owner's watch subscribes
            if dict(await other.client.pubsub_numsub(owner.channel)).get(owner.channel.encode()):
                break
            await asyncio.sleep(0.01)
        await other.request_cancel("r")
        await asyncio.wait_for(seen.wait(), 2)
        assert await owner.cancel_requested("r")
        await owner.aclose()
        await other.aclose()

    asyncio.run(main())


def test_an_async_cancel_reaches_the_owner_on_its_next_append(redis_url: str) -> None:
    async def main() -> None:
        seen: list[str] = []

        async def on_cancel(key: str) -> None:
            seen.append(key)

        owner = AsyncRedisStore(redis_url, on_cancel=on_cancel)
        other = AsyncRedisStore(redis_url)
        await owner.append("r", RelayEvent("1", "started", b"{}"))
        await other.request_cancel("r")
        await owner.append("r", RelayEvent("2", "patch", b"[]"))
        assert seen == ["r"] and await owner.cancel_requested("r")
        await owner.append("r", RelayEvent("3", "cancelled", b"{}"))
        assert [e.event for e in await other.read("r")][-1] == "cancelled"
        await owner.aclose()
        await other.aclose()

    asyncio.run(main())


def test_an_unreachable_redis_does_not_stop_the_writer_and_readers_are_told() -> None:
    with __import__("socket").socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = redis.Redis(port=port, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    store = RedisStore(client)
    for key in ("r", "s"):  # the second response does not even try: Redis was just down
        for event in text_events(["a", "b"]):
            store.append(key, event)  # no exception: the relay streams on to its client
        assert not store.owns(key)
        assert rebuild(store.read(key)).value == {"text": "ab"}  # its own readers have it all
    elsewhere = RedisStore(client)
    with pytest.raises(StoreUnavailableError, match="unreachable"):  # no resume elsewhere
        elsewhere.read("r", "1")


def test_the_sync_relay_writes_a_response_another_instance_reads(redis_url: str) -> None:
    import partialjson
    from partialjson.web.relay import relay

    choice = {"index": 0, "delta": {"content": '{"text": "Ada Lovelace"}'}, "finish_reason": "stop"}
    owner, other = RedisStore(redis_url), RedisStore(redis_url)
    sent = b"".join(relay(partialjson.stream([{"choices": [choice]}]), store=owner, key="r"))
    events = other.read("r")
    assert b"".join(e.encode() for e in events) == sent
    assert rebuild(events).value == {"text": "Ada Lovelace"}
    owner.close()
    other.close()


@settings(max_examples=60, deadline=None)
@given(
    pieces=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=60),
    maxlen=st.integers(min_value=2, max_value=12),
    drops=st.lists(st.integers(min_value=0, max_value=70), max_size=6),
)
def test_a_reader_dropping_anywhere_while_the_answer_streams_rebuilds_it_once(
    redis_server_url: str, pieces: list[str], maxlen: int, drops: list[int]
) -> None:
    """The owner appends; a reader on another instance follows, dropping its connection after
    every event number in ``drops`` and resuming with the last id it has."""
    key = "fuzz-" + secrets.token_hex(8)  # hypothesis seeds `random` alike for every example
    owner, reader = RedisStore(redis_server_url, maxlen=maxlen), RedisStore(redis_server_url)
    events = text_events(pieces)
    state: Optional[ReplayState] = None
    last: Optional[str] = None
    seen: list[int] = []
    for n, event in enumerate(events):
        owner.append(key, event)
        if n in drops or event.terminal:  # the reader reconnects here and catches up
            got = reader.read(key, last)
            if got and got[0].event == "snapshot":
                state = None  # a snapshot stands for everything before it
                seen = [s for s in seen if s < got[0].seq]
            state = rebuild(got, state)
            seen += [e.seq for e in got if e.event != "snapshot"]
            last = got[-1].id if got else last
    assert state is not None
    assert state.value == {"text": "".join(pieces)}
    assert len(seen) == len(set(seen))  # no event twice
    owner.close()
    reader.close()


def test_reader_marks_expire(make_store: Factory) -> None:  # the hub's linger asks them
    store = make_store()
    for event in text_events(["a"])[:2]:
        store.append("r", event)
    assert not store.readers_active("r")
    store.touch_reader("r", 0.3)
    assert store.readers_active("r")
    time.sleep(0.4)
    assert not store.readers_active("r")


def test_a_reader_resumed_on_another_hub_keeps_the_run_going(redis_url: str) -> None:
    """Two hubs, each with its own store on one Redis: the browser reads from the hub that does
    not drive the run; the driving hub has no reader of its own for longer than ``linger``."""
    import partialjson
    from partialjson.web.hub import RelayHub

    from .test_relay_behaviour import AsyncSlowSource, decoded

    async def main() -> None:
        stores = [AsyncRedisStore(redis_url), AsyncRedisStore(redis_url)]
        owner = RelayHub(stores[0], heartbeat=0.05, linger=0.2, cancel_poll=0.05)
        other = RelayHub(stores[1], heartbeat=0.05, linger=0.2, cancel_poll=0.05)
        source = AsyncSlowSource(['{"a": "', *["x"] * 40, '"}'], pause=0.02)
        key = owner.start(partialjson.stream(source))
        await asyncio.sleep(0.1)
        sent = decoded([chunk async for chunk in other.events(key)])
        assert sent[-1] == ("completed", {"value": {"a": "x" * 40}, "reason": "stop"})
        assert not source.closed.is_set()
        for store in stores:
            await store.aclose()

    asyncio.run(main())

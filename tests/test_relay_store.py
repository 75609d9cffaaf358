"""The replay stores: bounded logs, snapshots for readers that fell behind, ends, sync and async."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Optional

import pytest

from partialjson.web.patches import apply_patch
from partialjson.web.store import (
    AsyncMemoryStore,
    AsyncReplayStore,
    MemoryStore,
    ReplayStore,
    UnknownStreamError,
)
from partialjson.web.wire import RelayEvent, ReplayState


def text_events(pieces: list[str], terminal: str = "completed") -> list[RelayEvent]:
    """started, a patch per piece building one string, a field_completed, the terminal."""
    events = [RelayEvent("1", "started", b"{}")]
    for piece in pieces:
        ops: list[dict[str, Any]]
        if len(events) == 1:
            ops = [{"op": "replace", "path": "", "value": {"text": piece}}]
        else:
            ops = [{"op": "append", "path": "/text", "value": piece}]
        events.append(RelayEvent(str(len(events) + 1), "patch", json.dumps(ops).encode()))
    events.append(
        RelayEvent(str(len(events) + 1), "field_completed", b'{"path":"/text","choice":0}')
    )
    events.append(RelayEvent(str(len(events) + 1), terminal, b"{}"))
    return events


def rebuild(events: list[RelayEvent], state: Optional[ReplayState] = None) -> ReplayState:
    state = state or ReplayState()
    for event in events:
        state.fold(event)
    return state


def test_the_memory_stores_satisfy_the_protocols() -> None:
    assert isinstance(MemoryStore(), ReplayStore)
    assert isinstance(AsyncMemoryStore(), AsyncReplayStore)


@pytest.mark.parametrize("maxlen", [1, 2, 3, 5, 1000])
@pytest.mark.parametrize("after", [None, "0", "1", "2", "3", "5", "7", "99", "bogus"])
def test_any_reader_rebuilds_the_same_text_once(maxlen: int, after: Optional[str]) -> None:
    pieces = ["Ada", " Love", "lace", " wrote", " notes"]
    events = text_events(pieces)
    store = MemoryStore(maxlen=maxlen)
    for event in events:
        store.append("r", event)
    # what the reader had before: the events up to `after` (if it is one of ours)
    known = int(after) if after is not None and after.isdigit() and int(after) <= 8 else 0
    state = rebuild(events[:known])
    got = store.read("r", after)
    if got and got[0].event != "snapshot":
        assert got[0].seq == known + 1  # continues exactly where the reader was
    state = rebuild(got, state)
    assert state.value == {"text": "".join(pieces)}
    assert list(state.completed) == ["/text"]
    assert store.read("r", events[-1].id) == [events[-1]]  # the end, again


def test_a_snapshot_ends_where_the_kept_events_start() -> None:
    store = MemoryStore(maxlen=2)
    for event in text_events(["a", "b", "c"]):
        store.append("r", event)
    got = store.read("r", None)
    assert [e.event for e in got] == ["snapshot", "field_completed", "completed"]
    assert got[0].id == "4" and got[0].json()["value"] == {"text": "abc"}


def test_the_log_is_bounded() -> None:
    store = MemoryStore(maxlen=10)
    pieces = ["x"] * 10_000
    for event in text_events(pieces):
        store.append("r", event)
    assert len(store._logs.get("r").events) == 10
    assert rebuild(store.read("r")).value == {"text": "x" * 10_000}


def test_ids_must_increase_and_nothing_follows_the_end() -> None:
    store = MemoryStore()
    store.append("r", RelayEvent("1", "started", b"{}"))
    with pytest.raises(ValueError, match="does not follow"):
        store.append("r", RelayEvent("1", "patch", b"[]"))
    store.append("r", RelayEvent("2", "cancelled", b"{}"))
    with pytest.raises(ValueError, match="already ended"):
        store.append("r", RelayEvent("3", "patch", b"[]"))


def test_unknown_and_expired_keys() -> None:
    now = [0.0]
    store = MemoryStore(ttl=10, clock=lambda: now[0])
    with pytest.raises(UnknownStreamError):
        store.read("nope")
    for event in text_events(["a"]):
        store.append("r", event)
    now[0] = 5
    assert store.read("r", "3")  # still there
    now[0] = 11
    with pytest.raises(UnknownStreamError):
        store.read("r")


def test_the_number_of_responses_is_bounded_ended_ones_first() -> None:
    store = MemoryStore(max_streams=2)
    for event in text_events(["a"]):
        store.append("ended", event)
    store.append("live", RelayEvent("1", "started", b"{}"))
    store.append("new", RelayEvent("1", "started", b"{}"))
    with pytest.raises(UnknownStreamError):
        store.read("ended")
    assert store.read("live") and store.read("new")


def test_a_blocked_reader_wakes_on_append_and_cancel_requests_are_seen() -> None:
    store = MemoryStore()
    store.append("r", RelayEvent("1", "started", b"{}"))
    got: list[RelayEvent] = []
    reader = threading.Thread(target=lambda: got.extend(store.read("r", "1", block=5)))
    reader.start()
    store.append("r", RelayEvent("2", "patch", b'[{"op":"replace","path":"","value":1}]'))
    reader.join(5)
    assert [e.id for e in got] == ["2"]
    assert store.read("r", "2", block=0.01) == []
    assert not store.cancel_requested("r")
    store.request_cancel("r")
    assert store.cancel_requested("r")


def test_async_store() -> None:
    async def main() -> None:
        store = AsyncMemoryStore(maxlen=3)
        events = text_events(["a", "b", "c", "d"])
        await store.append("r", events[0])

        async def later() -> None:
            await asyncio.sleep(0.01)
            for event in events[1:]:
                await store.append("r", event)

        task = asyncio.ensure_future(later())
        first = await store.read("r", "1", block=5)  # woken by the appends
        assert first
        await task
        state = rebuild(first, rebuild(events[:1]))
        state = rebuild(await store.read("r", first[-1].id), state)
        assert state.value == {"text": "abcd"}
        assert await store.read("r", "1", block=0.01)  # ended: returns at once
        assert await store.read("r", events[-1].id, block=5) == [events[-1]]
        await store.request_cancel("r")
        assert await store.cancel_requested("r")

    asyncio.run(main())


def test_apply_patch_agrees_with_jsonpatch_for_add_and_replace() -> None:
    jsonpatch = pytest.importorskip("jsonpatch")
    ops = [
        {"op": "replace", "path": "", "value": {"a": [], "b~/c": {}}},
        {"op": "add", "path": "/a/0", "value": "x"},
        {"op": "add", "path": "/b~0~1c/k", "value": None},
        {"op": "replace", "path": "/b~0~1c/k", "value": 1.5},
        {"op": "add", "path": "/a/1", "value": {"n": True}},
    ]
    assert apply_patch(None, json.loads(json.dumps(ops))) == jsonpatch.apply_patch(None, ops)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_running_response_is_never_evicted(
    asynchronous: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """A full store evicts ended responses only; with every one running it goes over its limit
    (and says so) rather than cut a response a reader could then not rebuild."""
    live = text_events(["hel", "lo ", "world"])
    sync = MemoryStore(max_streams=1)
    astore = AsyncMemoryStore(max_streams=1)

    def append(key: str, event: RelayEvent) -> None:
        if asynchronous:
            asyncio.run(astore.append(key, event))
        else:
            sync.append(key, event)

    def read(key: str, after: Optional[str] = None) -> list[RelayEvent]:
        if asynchronous:
            return asyncio.run(astore.read(key, after))
        return sync.read(key, after)

    for event in live[:3]:
        append("A", event)
    with caplog.at_level("WARNING", logger="partialjson"):
        for event in text_events(["x"]):
            append("B", event)
    assert "over max_streams=1" in caplog.text
    for event in live[3:-1]:
        append("A", event)
    assert rebuild(read("A")).value == {"text": "hello world"}
    for event in text_events(["y"]):
        append("C", event)  # B ended: it goes, not A, still running
    with pytest.raises(UnknownStreamError):
        read("B")
    append("A", live[-1])
    assert rebuild(read("A")).value == {"text": "hello world"}


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("maxlen", [2, 1000])
def test_a_log_without_its_beginning_is_never_served_as_complete(
    maxlen: int, asynchronous: bool
) -> None:
    events = text_events(["a", "b", "c", "d"])
    astore = AsyncMemoryStore(maxlen=maxlen)
    sync = MemoryStore(maxlen=maxlen)

    class Store:
        def append(self, key: str, event: RelayEvent) -> None:
            if asynchronous:
                asyncio.run(astore.append(key, event))
            else:
                sync.append(key, event)

        def read(self, key: str, after: Optional[str] = None) -> list[RelayEvent]:
            return asyncio.run(astore.read(key, after)) if asynchronous else sync.read(key, after)

    store = Store()
    for event in events[3:]:  # the store never saw events 1 to 3
        store.append("r", event)
    for after in [None, "0", "1", "2", "bogus", "99"]:
        got = store.read("r", after)
        assert [(e.event, e.json()) for e in got] == [
            ("failed", {"reason": "replay_unavailable"})
        ], after
        assert got[0].terminal
    if maxlen == 1000:  # a reader who has everything before still gets the rest
        assert store.read("r", "3") == events[3:]


def test_expiry_looks_only_at_responses_that_ended_long_enough_ago() -> None:
    now = [0.0]
    store = MemoryStore(ttl=10, max_streams=10_000, clock=lambda: now[0])
    for n in range(2000):
        store.append(f"live{n}", RelayEvent("1", "started", b"{}"))
    for n in range(3):
        now[0] = n
        for event in text_events(["a"]):
            store.append(f"ended{n}", event)
    logs = store._logs
    assert list(logs.ended) == ["ended0", "ended1", "ended2"]  # only these are ever scanned
    now[0] = 11.5
    store.read("live0")
    assert list(logs.ended) == ["ended2"]
    with pytest.raises(UnknownStreamError):
        store.read("ended1")
    assert store.read("ended2") and len(logs.logs) == 2001


def test_folding_keeps_appended_text_in_pieces_until_asked() -> None:
    """A fold costs O(delta): appends are not joined into the string (a copy of all of it)
    until the value or a snapshot is asked for, and the result is the same."""
    events = text_events([f"{n:05d}" for n in range(1000)])
    state = ReplayState()
    reference: Any = None
    for event in events[:-2]:
        state.fold(event)
        if event.event == "patch":
            reference = apply_patch(reference, event.json())
    text = state._root[0]["text"]
    assert not isinstance(text, str) and len(text.parts) <= 1000 // 64 + 65
    assert state.snapshot().json()["value"] == reference
    assert state.value == reference and isinstance(state._root[0]["text"], str)
    state.fold(RelayEvent("1001", "patch", b'[{"op":"append","path":"/text","value":"!"}]'))
    assert state.value == {"text": reference["text"] + "!"}

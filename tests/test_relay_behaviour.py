"""The relay in motion: heartbeats, a browser going away cancels upstream (sync and async),
moderation and held fields, a store written along the way."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import partialjson
from partialjson import PartialUpdate, ResponseState, SSEDecoder, arelay, relay
from partialjson.web.patches import apply_patch
from partialjson.web.relay import RelayWriter
from partialjson.web.store import AsyncMemoryStore, MemoryStore


def sse_chunk(text: str, finish: Optional[str] = None) -> bytes:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return b"data: " + json.dumps({"id": "c", "choices": [choice]}).encode() + b"\n\n"


class SlowSource:
    """An upstream body: SSE chunks with pauses; records whether it was closed."""

    def __init__(self, pieces: list[str], pause: float = 0.0) -> None:
        self.pieces = pieces
        self.pause = pause
        self.closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        for i, piece in enumerate(self.pieces):
            if self.closed.is_set():
                raise OSError("connection closed")
            yield sse_chunk(piece, "stop" if i == len(self.pieces) - 1 else None)
            time.sleep(self.pause)

    def close(self) -> None:
        self.closed.set()


class AsyncSlowSource(SlowSource):
    async def __aiter__(self) -> AsyncIterator[bytes]:  # type: ignore[override]
        for i, piece in enumerate(self.pieces):
            yield sse_chunk(piece, "stop" if i == len(self.pieces) - 1 else None)
            await asyncio.sleep(self.pause)

    async def aclose(self) -> None:
        self.closed.set()


def decoded(chunks: list[bytes]) -> list[tuple[str, Any]]:
    decoder = SSEDecoder()
    out = [e for chunk in chunks for e in decoder.feed(chunk)] + decoder.close()
    return [(e.event, e.json()) for e in out]


def test_heartbeats_while_the_upstream_is_quiet() -> None:
    source = SlowSource(['{"a": 1', "}"], pause=0.35)
    chunks = list(relay(partialjson.stream(source), heartbeat=0.1))
    assert b": keep-alive\n\n" in chunks
    assert decoded(chunks)[-1][0] == "completed"


@pytest.mark.parametrize("heartbeat", [None, 0.05])
def test_a_browser_going_away_cancels_upstream(heartbeat: Optional[float]) -> None:
    source = SlowSource(['{"a": "', *["x"] * 1000, '"}'], pause=0.01)
    response = partialjson.stream(source)
    store = MemoryStore()
    chunks = relay(response, heartbeat=heartbeat, store=store, key="r")
    for _ in range(3):
        next(chunks)
    chunks.close()  # what a server does when the client disconnects
    assert source.closed.wait(5)
    assert response.state is ResponseState.CANCELLED
    assert store.read("r")[-1].event == "cancelled"  # readers elsewhere see the end


def test_async_a_browser_going_away_cancels_upstream() -> None:
    async def main() -> None:
        source = AsyncSlowSource(['{"a": "', *["x"] * 1000, '"}'], pause=0.01)
        response = partialjson.stream(source)
        store = AsyncMemoryStore()
        chunks = arelay(response, heartbeat=0.05, store=store, key="r")
        for _ in range(3):
            await chunks.__anext__()
        await chunks.aclose()
        assert source.closed.is_set()
        assert response.state is ResponseState.CANCELLED
        assert (await store.read("r"))[-1].event == "cancelled"

        # the task reading it cancelled (a server's disconnect handling)
        source = AsyncSlowSource(['{"a": "', *["x"] * 1000, '"}'], pause=0.01)
        response = partialjson.stream(source)

        async def consume() -> None:
            async for _ in arelay(response):
                pass

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert source.closed.is_set()
        assert response.state is ResponseState.CANCELLED

    asyncio.run(main())


def test_the_store_gets_every_event_sent() -> None:
    store = MemoryStore()
    pieces = ['{"a": "x', "yz", '"}']
    chunks = list(
        relay(partialjson.stream(SlowSource(pieces)), heartbeat=None, store=store, key="k")
    )
    assert b"".join(e.encode() for e in store.read("k")) == b"".join(chunks)


def redact_digits(path: str, text: str, complete: bool) -> Optional[str]:
    return "".join("#" if c.isdigit() else c for c in text)


def test_moderation_redacts_text_before_it_is_sent() -> None:
    pieces = ['{"card": "41', "11 22", '33", "n": ["a1", "b2"]}']
    source = SlowSource(pieces)
    sent = decoded(
        list(relay(partialjson.stream(source), heartbeat=None, moderation=redact_digits))
    )
    assert "1" not in json.dumps([d for k, d in sent if k == "patch"])
    value = None
    for kind, data in sent:
        if kind == "patch":
            value = apply_patch(value, data)
    assert value == {"card": "#### ####", "n": ["a#", "b#"]}
    assert sent[-1][1]["value"] == {"card": "#### ####", "n": ["a#", "b#"]}


def test_a_moderator_can_hold_text_until_a_word_ends() -> None:
    def whole_words(path: str, text: str, complete: bool) -> Optional[str]:
        if complete:
            return text
        cut = text.rfind(" ")
        return text[:cut] if cut > 0 else None

    pieces = ['{"t": "Hel', "lo wo", "rld, how a", 're you"}']
    sent = decoded(
        list(relay(partialjson.stream(SlowSource(pieces)), heartbeat=None, moderation=whole_words))
    )
    shown = []
    value = None
    for kind, data in sent:
        if kind == "patch":
            value = apply_patch(value, data)
            shown.append((value or {}).get("t"))
    assert shown == [
        None,
        "Hello",
        "Hello world, how",
        "Hello world, how are",
        "Hello world, how are you",
    ]


def test_held_fields_appear_whole_when_complete() -> None:
    pieces = ['{"title": "Draft", "secret": "half-wr', 'itten", "items": [{"d": "a', 'b"}]}']
    sent = decoded(
        list(
            relay(
                partialjson.stream(SlowSource(pieces)),
                heartbeat=None,
                hold_until_complete=["/secret", "/items/*/d"],
            )
        )
    )
    value = None
    for kind, data in sent:
        if kind == "patch":
            value = apply_patch(value, data)
            assert value.get("secret") in (None, "half-written")
            for item in value.get("items", []):
                assert item.get("d") in (None, "ab")
    assert value == {"title": "Draft", "secret": "half-written", "items": [{"d": "ab"}]}
    kinds = [k for k, _ in sent]
    i = kinds.index("field_completed")
    assert kinds[i - 1] == "patch"


def test_coalesced_relay_sends_fewer_events() -> None:
    pieces = ['{"a": "', *["x"] * 200, '"}']
    plain = decoded(list(relay(partialjson.stream(SlowSource(pieces, 0.001)), heartbeat=None)))
    coalesced = decoded(list(relay(partialjson.stream(SlowSource(pieces, 0.001)), max_rate=20)))
    assert len(coalesced) < len(plain) / 2
    values = []
    for sent in (plain, coalesced):
        value = None
        for kind, data in sent:
            if kind == "patch":
                value = apply_patch(value, data)
        values.append(value)
    assert values[0] == values[1] == {"a": "x" * 200}


def test_a_held_object_and_its_members_complete_together() -> None:
    pieces = ['{"name": "A", "address": {"city": "Pa', 'ris", "zip": "75"}', ', "x": 1}']
    sent = decoded(
        list(
            relay(
                partialjson.stream(SlowSource(pieces)),
                heartbeat=None,
                hold_until_complete=["/address"],
            )
        )
    )
    completed = [d["path"] for k, d in sent if k == "field_completed"]
    assert "/address/city" not in completed and "/address" in completed
    value = None
    for kind, data in sent:
        if kind == "patch":
            value = apply_patch(value, data)
            assert value.get("address") in (None, {"city": "Paris", "zip": "75"})
        if kind == "field_completed" and data["path"] == "/address":
            assert value["address"] == {"city": "Paris", "zip": "75"}
    assert value == {"name": "A", "address": {"city": "Paris", "zip": "75"}, "x": 1}


def test_a_live_value_is_encoded_before_the_stream_moves_on() -> None:
    """With heartbeats the stream is read on a helper thread, which goes on mutating the live
    value: each update must be encoded as it was when it was yielded, not as it is later."""
    from partialjson import Completed, PartialUpdate

    def source() -> Any:
        value = {"a": "x"}
        yield PartialUpdate(value, (("a",),))
        value["a"] = "xyz"  # the parser moves on: the same live object changes
        value["b"] = list(range(1000))
        yield PartialUpdate(value, (("a",), ("b",)))
        yield Completed(value)

    for _ in range(20):
        sent = decoded(list(relay(source(), heartbeat=1.0)))
        patches = [data for kind, data in sent if kind == "patch"]
        assert apply_patch(None, patches[0]) == {"a": "x"}


def redact_password(path: str, text: str, complete: bool) -> Optional[str]:
    """Hides the secret wherever it is, once a later word shows it is one."""
    return text.replace("hunter2", "*******") if "password" in text else text


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="ab .", max_size=80),
    st.text(alphabet="ab .", max_size=80),
    st.lists(st.integers(min_value=1, max_value=40), max_size=30),
    st.sampled_from([None, 20.0]),
)
def test_patches_follow_a_moderator_that_redacts_far_back(
    before: str, between: str, points: list[int], rate: Optional[float]
) -> None:
    body = before + "hunter2" + between + " that was my password."
    document = json.dumps({"a": body})
    cuts = sorted({min(p, len(document)) for p in points})
    pieces = [document[i:j] for i, j in zip([0, *cuts], [*cuts, len(document)]) if i < j]
    clock = [0.0]
    writer = RelayWriter(max_rate=rate, moderation=redact_password, clock=lambda: clock[0])
    value: Any = None
    text = ""
    for update in partialjson.stream(SlowSource(pieces)):
        clock[0] += 0.013
        if isinstance(update, PartialUpdate) and isinstance(update.value, dict):
            text = update.value.get("a", text)
        for event in writer.feed(update):
            if event.event == "patch":
                value = apply_patch(value, event.json())
                if writer.due() is None and value and "a" in value:
                    assert value["a"] == redact_password("/a", text, False)
            elif event.event == "completed":
                assert value == event.json()["value"] == {"a": redact_password("/a", body, True)}
    assert writer.ended
    assert "hunter2" not in value["a"]


@pytest.mark.parametrize("reader_elsewhere", [True, False])
def test_a_reader_on_another_hub_keeps_the_run_from_lingering(reader_elsewhere: bool) -> None:
    """Two hubs on one store: the browser resumed on the hub that does not drive the run; the
    driving hub, with no reader of its own for ``linger`` seconds, must not cancel it."""
    from partialjson.web.hub import RelayHub

    async def main() -> None:
        store = AsyncMemoryStore()
        owner = RelayHub(store, heartbeat=0.05, linger=0.1, cancel_poll=0.05)
        other = RelayHub(store, heartbeat=0.05, linger=0.1, cancel_poll=0.05)
        source = AsyncSlowSource(['{"a": "', *["x"] * 30, '"}'], pause=0.02)
        key = owner.start(partialjson.stream(source))
        if reader_elsewhere:
            await asyncio.sleep(0.05)  # the browser resumes there once the run has begun
            sent = decoded([chunk async for chunk in other.events(key)])
            assert sent[-1] == ("completed", {"value": {"a": "x" * 30}, "reason": "stop"})
            assert not source.closed.is_set()
        else:
            await owner.wait(key)
            assert source.closed.is_set()
            assert (await store.read(key))[-1].event == "cancelled"

    asyncio.run(main())


def test_the_hub_yields_to_the_event_loop_when_the_store_never_waits() -> None:
    from partialjson.web.hub import RelayHub
    from partialjson.web.wire import RelayEvent

    class Eager(AsyncMemoryStore):
        """Always has an event at once (a store that never blocks)."""

        async def read(
            self, key: str, after: Optional[str] = None, *, block: Optional[float] = None
        ) -> list[RelayEvent]:
            seq = int(after or 0) + 1
            name = "completed" if seq == 2000 else "field_completed"
            data = b'{"path":"","choice":0}' if seq < 2000 else b"{}"
            return [RelayEvent(str(seq), name, data)]

    async def main() -> None:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.ensure_future(tick())
        await asyncio.sleep(0)
        hub = RelayHub(Eager(), heartbeat=None)
        chunks = [chunk async for chunk in hub.events("k")]
        ticker.cancel()
        assert len(chunks) == 2000
        assert ticks >= 1000  # the loop ran between batches

    asyncio.run(main())

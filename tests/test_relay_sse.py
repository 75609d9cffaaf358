"""The relay's SSE fast path: ``RelayWriter.feed_sse`` and ``sse_patch`` write exactly the bytes
that ``feed`` and ``RelayEvent.encode`` write, and ``arelay`` sends the same chunks with and
without a store (with a store the events themselves are kept; without one only their bytes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

import partialjson
from partialjson import Completed, FieldCompleted, PartialUpdate, Started, Update
from partialjson.web.patches import (
    clean_text,
    dumps_completed,
    dumps_ops,
    sse_append,
    sse_completed,
    sse_patch,
)
from partialjson.web.store import AsyncMemoryStore
from partialjson.web.wire import RelayEvent
from partialjson.web.writer import RelayWriter

STREAMS = sorted((Path(__file__).parent / "fixtures" / "streams").glob("*.sse"))


def recorded_updates(path: Path) -> list[Update]:
    return list(partialjson.stream([path.read_bytes()]))


def both_ways(updates: Iterable[Update], **options: Any) -> tuple[list[bytes], list[bytes]]:
    """What ``feed`` + ``encode`` and what ``feed_sse`` make of the same updates."""
    by_event, by_sse = RelayWriter(**options), RelayWriter(**options)
    events: list[bytes] = []
    chunks: list[bytes] = []
    for update in updates:
        events.extend(event.encode() for event in by_event.feed(update))
        by_sse.feed_sse(update, chunks)
    events.extend(event.encode() for event in by_event.end())
    chunks.extend(event.encode() for event in by_sse.end())
    assert by_event.last_id == by_sse.last_id
    return events, chunks


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_feed_sse_writes_what_feed_and_encode_write_for_recorded_streams(path: Path) -> None:
    updates = recorded_updates(path)
    events, chunks = both_ways(updates)
    assert chunks == events
    assert len(chunks) > 1


def shout(path: str, text: str, complete: bool) -> Optional[str]:
    return text.upper()


@pytest.mark.parametrize(
    "options",
    [
        {"max_rate": 1e9},  # coalescing: the events' path
        {"moderation": shout},
        {"hold_until_complete": ["/a"]},
        {"choice": 1},
    ],
    ids=["max_rate", "moderation", "hold", "other-choice"],
)
def test_feed_sse_writes_what_feed_and_encode_write_with_options(options: Any) -> None:
    value: dict[str, Any] = {"a": "x", "b": [1]}
    updates: list[Update] = [Started(response_id="r", model="m")]
    updates.append(PartialUpdate(value=value, changed=((),)))
    for piece in ["y", "é", "\ud800", '"\\\n']:
        value["a"] += piece
        updates.append(PartialUpdate(value=value, changed=(("a",),)))
    updates.append(FieldCompleted(path=("a",)))
    updates.append(Completed(value=value, reason="stop"))
    events, chunks = both_ways(updates, **options)
    assert chunks == events


def test_feed_sse_sends_nothing_once_the_writer_ended() -> None:
    writer = RelayWriter()
    out: list[bytes] = []
    writer.feed_sse(Completed(value=1, reason="stop"), out)
    assert writer.ended and len(out) == 1
    writer.feed_sse(PartialUpdate(value={"a": 1}, changed=((),)), out)
    assert len(out) == 1


texts = st.text(max_size=20)
ops = st.one_of(
    st.tuples(texts, texts).map(lambda pv: [{"op": "append", "path": pv[0], "value": pv[1]}]),
    st.lists(
        st.fixed_dictionaries(
            {
                "op": st.sampled_from(["add", "replace", "append"]),
                "path": texts,
                "value": st.one_of(st.none(), st.integers(), texts, st.lists(st.integers())),
            }
        ),
        min_size=1,
        max_size=3,
    ),
)


@given(seq=st.integers(min_value=1, max_value=10**9), patch=ops)
def test_sse_patch_is_the_patch_event_encoded(seq: int, patch: list[dict[str, Any]]) -> None:
    assert sse_patch(seq, patch) == RelayEvent(str(seq), "patch", dumps_ops(patch)).encode()


@given(seq=st.integers(min_value=1, max_value=10**9), path=texts, text=texts)
def test_sse_append_is_the_append_patch_encoded(seq: int, path: str, text: str) -> None:
    # (text as it is: lone surrogates go out as U+FFFD, as the patch's clean_text makes them)
    patch = [{"op": "append", "path": path, "value": clean_text(text)}]
    assert sse_append(seq, path, text) == RelayEvent(str(seq), "patch", dumps_ops(patch)).encode()


@given(seq=st.integers(min_value=1, max_value=10**9), path=texts, choice=st.integers(0, 9))
def test_sse_completed_is_the_field_completed_event_encoded(
    seq: int, path: str, choice: int
) -> None:
    data = dumps_completed(path, choice)
    assert (
        sse_completed(seq, path, choice) == RelayEvent(str(seq), "field_completed", data).encode()
    )


def sse_chunk(text: str, finish: Optional[str] = None) -> bytes:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return b"data: " + json.dumps({"id": "c", "choices": [choice]}).encode() + b"\n\n"


async def source(pieces: list[str]) -> AsyncIterator[bytes]:
    for i, piece in enumerate(pieces):
        await asyncio.sleep(0)
        yield sse_chunk(piece, "stop" if i == len(pieces) - 1 else None)


@pytest.mark.parametrize("heartbeat", [None, 15.0])
def test_arelay_sends_the_same_chunks_with_and_without_a_store(heartbeat: Optional[float]) -> None:
    pieces = ['{"title": "Q', "uarterly", ' report \u00e9", "n": [1, ', "2, 3]", "}"]

    async def main() -> tuple[list[bytes], list[bytes], list[RelayEvent]]:
        store = AsyncMemoryStore()
        plain = [
            c
            async for c in partialjson.arelay(
                partialjson.stream(source(pieces)), heartbeat=heartbeat
            )
        ]
        stored = [
            c
            async for c in partialjson.arelay(
                partialjson.stream(source(pieces)), heartbeat=heartbeat, store=store, key="k"
            )
        ]
        kept = await store.read("k")
        return plain, stored, kept

    plain, stored, kept = asyncio.run(main())
    assert plain == stored  # one chunk per event, the same bytes
    assert [event.encode() for event in kept] == stored
    assert json.loads(plain[-1].split(b"data: ")[1])["value"] == {
        "title": "Quarterly report \u00e9",
        "n": [1, 2, 3],
    }

"""Wire size: bytes on the wire per answer character stay flat as answers grow (10 KB, 100 KB,
1 MB), under 20 for token-sized deltas. Bytes, not timings: deterministic."""

from __future__ import annotations

import json

from partialjson import Parser, PartialUpdate
from partialjson.web.relay import RelayWriter


def document(size: int) -> str:
    items = []
    written = 0
    while written < size:
        n = len(items)
        item = {
            "id": n,
            "title": f"Item number {n}",
            "body": "lorem ipsum dolor sit amet " * 8,
            "tags": ["a", "bb"],
            "score": n * 1.5,
        }
        items.append(item)
        written += len(json.dumps(item))
    return json.dumps({"summary": "x" * 200, "items": items})


def wire_bytes(text: str, delta: int = 4) -> int:
    """The SSE bytes a relay sends for ``text`` streamed in ``delta``-character pieces."""
    parser = Parser()
    writer = RelayWriter()
    total = 0
    for i in range(0, len(text), delta):
        events = parser.feed(text[i : i + delta])
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        if changed:
            total += sum(len(e.encode()) for e in writer.feed(PartialUpdate(parser.value, changed)))
    return total


def test_bytes_per_answer_character_are_flat_and_small() -> None:
    ratios = {}
    for size in (10_000, 100_000, 1_000_000):
        text = document(size)
        ratios[size] = wire_bytes(text) / len(text)
    print("bytes per answer character:", {k: round(v, 2) for k, v in ratios.items()})
    assert all(ratio <= 20 for ratio in ratios.values())
    assert ratios[1_000_000] <= ratios[10_000] * 1.1  # linear: no growth with the answer

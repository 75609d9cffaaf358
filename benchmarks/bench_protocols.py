"""Bytes on the wire per answer character, for each protocol a frontend can speak: the native
relay (patches with ``append``), AG-UI (RFC 6902 state deltas: a growing string is re-sent
whole, coalesced by growth) and the AI SDK UI message stream (a data part carries the whole
value, coalesced by growth), at 10 KB, 100 KB and 1 MB answers streamed in 4-character
deltas (token-sized). Bytes, not timings: the numbers do not depend on the machine.

    python benchmarks/bench_protocols.py            # 10 KB, 100 KB, 1 MB
    python benchmarks/bench_protocols.py --quick    # 10 KB, 100 KB

Two documents: ``records`` (a list of small objects: many fields, short strings) and
``prose`` (one long string field: the worst case for protocols without an append). The
coalescing deadline (``max_delay``) is off: replayed at full speed, only growth decides.

A third workload, ``tool args``: the records document as a tool call's arguments, whose raw
deltas AG-UI (``TOOL_CALL_ARGS``) and the AI SDK (``tool-input-delta``) forward one event per
delta. The native relay sends a call's whole partial arguments per update instead (quadratic
without ``max_rate``), so it is left out there.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable

from partialjson import (
    FieldCompleted,
    Parser,
    PartialUpdate,
    ToolCall,
    ToolCallProgress,
    ToolCallReady,
)
from partialjson.web.agui import AGUIWriter
from partialjson.web.aisdk import UIMessageStreamWriter
from partialjson.web.relay import RelayWriter


def records(size: int) -> str:
    items = []
    written = 0
    while written < size:
        n = len(items)
        item = {"id": n, "title": f"Item number {n}", "body": "lorem ipsum dolor sit amet " * 4}
        items.append(item)
        written += len(json.dumps(item))
    return json.dumps({"summary": "x" * 200, "items": items})


def prose(size: int) -> str:
    return json.dumps({"title": "An essay", "body": "lorem ipsum dolor sit amet " * (size // 27)})


def wire(text: str, feed: Callable[[Any], list[Any]], encode: Callable[[Any], int]) -> int:
    parser = Parser()
    total = 0
    for i in range(0, len(text), 4):
        events = parser.feed(text[i : i + 4])
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        if changed:
            total += sum(encode(x) for x in feed(PartialUpdate(parser.value, changed)))
        for event in events:
            if event.kind in ("end_map", "end_array", "string", "number", "boolean", "null"):
                total += sum(encode(x) for x in feed(FieldCompleted(event.path)))
    return total


def tool_wire(text: str, feed: Callable[[Any], list[bytes]]) -> int:
    """The bytes of one tool call whose arguments are ``text``, in 4-character deltas."""
    total = 0
    for i in range(0, len(text), 4):
        total += sum(map(len, feed(ToolCallProgress("call_1", "tool", None, 0, text[i : i + 4]))))
    ready = ToolCall("call_1", "tool", json.loads(text), text)
    return total + sum(map(len, feed(ToolCallReady(ready))))


def tool_protocols() -> dict[str, Callable[[str], int]]:
    return {
        "ag-ui": lambda t: tool_wire(t, AGUIWriter(max_delay=None).feed),
        "ai-sdk": lambda t: tool_wire(t, UIMessageStreamWriter(max_delay=None).feed),
    }


def protocols() -> dict[str, Callable[[str], int]]:
    return {
        "relay": lambda t: wire(t, RelayWriter().feed, lambda e: len(e.encode())),
        "ag-ui": lambda t: wire(t, AGUIWriter(max_delay=None).feed, len),
        "ai-sdk": lambda t: wire(t, UIMessageStreamWriter(max_delay=None).feed, len),
    }


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--quick", action="store_true", help="10 KB and 100 KB only")
    args = cli.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    print(f"{'document':10} {'size':>9} " + " ".join(f"{p:>8}" for p in protocols()))
    for name, make in (("records", records), ("prose", prose)):
        for size in sizes:
            text = make(size)
            per_char = [run(text) / len(text) for run in protocols().values()]
            cells = " ".join(f"{v:8.2f}" for v in per_char)
            print(f"{name:10} {len(text):9d} {cells}", flush=True)
    for size in sizes:
        text = records(size)
        per_char = {p: run(text) / len(text) for p, run in tool_protocols().items()}
        cells = " ".join(
            f"{per_char[p]:8.2f}" if p in per_char else f"{'-':>8}" for p in protocols()
        )
        print(f"{'tool args':10} {len(text):9d} {cells}", flush=True)


if __name__ == "__main__":
    main()

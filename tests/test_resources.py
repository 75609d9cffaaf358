"""Resource ceilings at the default options, measured with tracemalloc (docs/reliability.md).

Each bound is the figure docs/reliability.md states: the measured value (CPython 3.11, 64-bit)
with honest headroom for other versions and platforms, not a loose guess. Memory is *retained*
memory (what the object keeps while the stream is open) and *peak* memory (the most in use while
feeding), per input byte for a document, and per open object.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Iterator
from typing import Any, Callable

import pytest

from partialjson import Parser, TypedParser, stream
from partialjson.samples import Invoice, invoice_text

KB = 1024
MB = 1024 * KB

# The ceilings docs/reliability.md states (bytes of memory per byte of input, or per object).
PARSER_FIXED = 2 * KB  # an idle Parser (measured ~0.5 KB)
PARSER_PER_BYTE_TYPICAL = 10  # a typical structured answer (measured 6.3)
PARSER_PER_BYTE_WORST = 32  # the densest shape, `[{},{},...]` (measured 24)
TYPED_PER_BYTE_TYPICAL = 24  # line items as Any / list[LineItem] (measured 12.7 / 18)
TYPED_PER_BYTE_WORST = 96  # `[0,0,...]` as Any: one status entry per 2 bytes (measured 62-70)
STREAM_PER_OPEN = 8 * KB  # one open response stream after its first delta (measured 7.8 KB typed)
STREAMS_1000_TOTAL = 8 * MB  # 1,000 open response streams (measured 4.4 MB, 5.8 MB typed)
STREAM_PER_BYTE = 40  # a stream fed token-sized (4-char) deltas (measured 23)

_ITEM = json.dumps(json.loads(invoice_text())["items"][0])


def _items(n: int) -> str:
    return '{"items": [' + ",".join([_ITEM] * n) + "]}"


SHAPES: dict[str, Callable[[int], str]] = {
    # name -> a document of about `size` characters
    "invoice_items": lambda size: _items(max(1, size // len(_ITEM))),
    "ints": lambda size: "[" + ",".join(["0"] * (size // 2)) + "]",
    "empty_objects": lambda size: "[" + ",".join(["{}"] * (size // 3)) + "]",
    "empty_arrays": lambda size: "[" + ",".join(["[]"] * (size // 3)) + "]",
    "short_strings": lambda size: "[" + ",".join(['"a"'] * (size // 4)) + "]",
    "keys": lambda size: "{" + ",".join(f'"k{i}":0' for i in range(size // 9)) + "}",
    "long_string": lambda size: '"' + "x" * size + '"',
}
WORST = {"ints", "empty_objects", "empty_arrays", "short_strings", "keys"}
# A parser 999 levels deep (the default max_depth is 1000) held ~4.1 MB when each level kept its
# whole path (quadratic in the depth; fixed: tests/test_fuzz_regressions.py). The bound stays.
NESTED_999_TOTAL = 5 * MB


def _chunks(text: str, size: int = 64) -> Iterator[str]:
    return (text[i : i + size] for i in range(0, len(text), size))


def _measure(build: Callable[[], Any]) -> tuple[int, int]:
    """(retained, peak) bytes allocated by ``build()`` while what it returns is alive."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del kept
    return current - base, peak - base


def _fed(make: Callable[[], Any], text: str) -> Callable[[], Any]:
    def build() -> Any:
        parser = make()
        for chunk in _chunks(text):
            parser.feed(chunk)
        return parser

    return build


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    # One-time costs (compiled regexes, pydantic's partial classes) are not per-stream memory.
    for type_ in (Invoice, Any):
        typed: TypedParser[Any] = TypedParser(type_)
        typed.feed(invoice_text() if type_ is Invoice else _items(3))
        typed.finish()
    list(stream([_chat('{"a": 1}', "stop")]))
    list(stream([_chat('{"a": 1}', "stop")], Invoice))


def test_an_idle_parser_is_small() -> None:
    retained, _ = _measure(Parser)
    assert retained < PARSER_FIXED


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_parser_memory_per_input_byte(shape: str) -> None:
    text = SHAPES[shape](20_000)
    retained, peak = _measure(_fed(Parser, text))
    bound = PARSER_PER_BYTE_WORST if shape in WORST else PARSER_PER_BYTE_TYPICAL
    assert retained / len(text) < bound, f"{retained / len(text):.1f} B/B retained"
    assert peak / len(text) < bound + 1, f"{peak / len(text):.1f} B/B at the peak"


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_typed_memory_per_input_byte(shape: str) -> None:
    text = SHAPES[shape](20_000)
    retained, peak = _measure(_fed(lambda: TypedParser(Any), text))
    bound = TYPED_PER_BYTE_WORST if shape in WORST else TYPED_PER_BYTE_TYPICAL
    assert retained / len(text) < bound, f"{retained / len(text):.1f} B/B retained"
    assert peak / len(text) < bound + 2, f"{peak / len(text):.1f} B/B at the peak"


@pytest.mark.parametrize("make", [Parser, lambda: TypedParser(Any)], ids=["parser", "typed"])
def test_memory_of_deepest_nesting_at_the_default_max_depth(make: Callable[[], Any]) -> None:
    retained, _ = _measure(_fed(make, "[" * 999))
    assert retained < NESTED_999_TOTAL, f"{retained / MB:.1f} MB"


def test_typed_model_memory_per_input_byte() -> None:
    from partialjson.samples import LineItem

    text = "[" + ",".join([_ITEM] * 400) + "]"
    retained, _ = _measure(_fed(lambda: TypedParser(list[LineItem]), text))
    assert retained / len(text) < TYPED_PER_BYTE_TYPICAL


@pytest.mark.parametrize("make", [Parser, lambda: TypedParser(Any)], ids=["parser", "typed"])
@pytest.mark.parametrize("shape", ["invoice_items", "ints", "keys"])
def test_memory_grows_linearly(make: Callable[[], Any], shape: str) -> None:
    small, large = SHAPES[shape](8_000), SHAPES[shape](32_000)
    per_small = _measure(_fed(make, small))[0] / len(small)
    per_large = _measure(_fed(make, large))[0] / len(large)
    assert per_large < per_small * 1.25, (per_small, per_large)


def _chat(text: str, finish: Any = None) -> dict[str, Any]:
    return {
        "id": "c",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}],
    }


def _open_streams(count: int, type_: Any) -> list[Any]:
    """``count`` response streams, each stopped after its first delta (still open)."""
    opened = []
    for _ in range(count):
        response = stream(iter([_chat('{"invoice_number": "INV-'), _chat("1")]), type_)
        updates = iter(response)
        next(updates), next(updates)  # Started, then the first PartialUpdate
        opened.append((response, updates))
    return opened


@pytest.mark.parametrize("type_", [None, Invoice], ids=["json", "typed"])
def test_one_open_stream(type_: Any) -> None:
    # What one stream keeps, without what the first streams of a process make once (caches,
    # resized dicts, allocator pools: ~13 KB), which made a single measured stream depend on
    # the tests that ran before it: streams opened after a warm-up, averaged over a hundred.
    _open_streams(1, type_)
    retained, _ = _measure(lambda: _open_streams(100, type_))
    assert retained / 100 < STREAM_PER_OPEN


@pytest.mark.parametrize("type_", [None, Invoice], ids=["json", "typed"])
def test_a_thousand_open_streams(type_: Any) -> None:
    retained, peak = _measure(lambda: _open_streams(1000, type_))
    assert retained < STREAMS_1000_TOTAL, f"{retained / MB:.1f} MB"
    assert peak < STREAMS_1000_TOTAL + MB


def test_stream_memory_per_input_byte() -> None:
    text = _items(60)

    def build() -> Any:
        # The deltas are made as the source yields them, so what the stream keeps is counted.
        events = (_chat(text[i : i + 4]) for i in range(0, len(text), 4))
        response = stream(events)
        updates = iter(response)
        while response.text != text:  # every delta applied, the stream still open
            next(updates)
        return response, updates

    retained, _ = _measure(build)
    assert retained / len(text) < STREAM_PER_BYTE, f"{retained / len(text):.1f} B/B"

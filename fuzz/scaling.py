"""Time linearity probe: ``python -m fuzz.scaling`` (niced, a few minutes).

For adversarial shapes at size n and 8n, fed at once, in 16-character chunks and one character
at a time, prints seconds per input character and the ratio of the two (1.0 = linear; well over
2 = superlinear). Medians of 3 rounds. The relay's output size is measured too: every ``partial``
event carries the whole value so far. A probe, not a test: timings on a shared machine wobble.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

from partialjson import Parser, SSEDecoder, TypedParser, relay, stream

SHAPES: dict[str, Callable[[int], str]] = {
    "long_string": lambda n: '"' + "x" * n + '"',
    "escapes": lambda n: '"' + "\\u00e9" * (n // 6) + '"',
    "surrogate_pairs": lambda n: '"' + "\\ud83d\\ude00" * (n // 12) + '"',
    "ints": lambda n: "[" + ",".join(["12345"] * (n // 6)) + "]",
    "keys": lambda n: "{" + ",".join(f'"k{i}":0' for i in range(n // 9)) + "}",
    "whitespace": lambda n: "[" + " " * n + "]",
    "nested_999": lambda n: "[" * 999 + "1" + "]" * 999,
    "long_number_9000": lambda n: "[" + "7" * 9000 + "]",
    "long_float": lambda n: "[0." + "3" * min(n, 9000) + "]",
}
LENIENT_SHAPES: dict[str, Callable[[int], str]] = {
    "prose_before_json": lambda n: "<" * n + '{"a": 1}',
    "think_block": lambda n: "<think>" + "</thin" * (n // 6) + '</think>{"a": 1}',
}


def _feed(make: Callable[[], Any], text: str, size: int) -> float:
    start = time.perf_counter()
    parser = make()
    try:
        for i in range(0, len(text), size):
            parser.feed(text[i : i + size])
    except Exception:
        pass
    return time.perf_counter() - start


def _median(make: Callable[[], Any], text: str, size: int) -> float:
    return statistics.median(_feed(make, text, size) for _ in range(3))


def probe(name: str, build: Callable[[int], str], make: Callable[[], Any], n: int) -> None:
    small, large = build(n), build(8 * n)
    for size in (len(large), 16, 1):
        a, b = _median(make, small, size), _median(make, large, size)
        per_a, per_b = a / len(small), b / len(large)
        print(
            f"{name:20} chunk={size if size < len(large) else 'all':>5}  "
            f"{per_a * 1e9:8.0f} ns/char at {len(small):>7}  {per_b * 1e9:8.0f} ns/char at "
            f"{len(large):>7}  ratio {per_b / per_a:5.2f}"
        )


def relay_volume(n: int) -> None:
    text = '{"answer": "' + "x" * n + '"}'
    events = [
        {"choices": [{"index": 0, "delta": {"content": text[i : i + 4]}}]}
        for i in range(0, len(text), 4)
    ]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    sent = sum(len(chunk) for chunk in relay(stream(events)))
    print(
        f"relay: a {len(text)}-char answer in 4-char deltas sends {sent} bytes "
        f"({sent / len(text):.0f} per answer char)"
    )


def sse_probe(n: int) -> None:
    for name, body in (
        ("sse_long_line", lambda k: "data: " + "x" * k + "\n\n"),
        ("sse_cr_lines", lambda k: "data: x\r" * (k // 8) + "\r"),
    ):
        probe(name, body, SSEDecoder, n)


def main() -> None:
    n = 100_000
    for name, build in SHAPES.items():
        probe(name, build, Parser, n)
    for name, build in LENIENT_SHAPES.items():
        probe(name, build, lambda: Parser(lenient=True), n)
    probe("typed_any_ints", SHAPES["ints"], lambda: TypedParser(Any), n)
    sse_probe(n)
    relay_volume(2_000)
    relay_volume(16_000)


if __name__ == "__main__":
    main()

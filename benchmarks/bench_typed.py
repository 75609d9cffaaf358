"""Cost of the typed layer: per delta, in memory, and at finish(), beside the core parser.

    python benchmarks/bench_typed.py          # documents up to 1 MB
    python benchmarks/bench_typed.py --big    # also the 10 MB memory case

Per delta: ``TypedParser(T)`` reading ``.partial`` after every token-sized delta (1-8
characters), beside the bare ``Parser`` fed the same deltas (``feed`` only: the core's own cost;
and reading ``.value`` too). Two documents: an invoice whose items grow, and one long string that
grows (the case where re-joining the string per read would be quadratic). The ratio typed/core
should stay flat (and ≤ 2) from 1 KB to 1 MB.

Memory: the peak traced allocation while streaming, per input byte, for ``Parser`` and
``TypedParser`` (the value itself, the partial view and the kept text are all in it).

finish(): on a valid and on an invalid 100 KB invoice, beside ``TypeAdapter(T).validate_json``
(which finish() calls; locating the errors is the extra).

Medians of several rounds; the machine is named in the output. Quote ratios with it.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import platform
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, TypeAdapter, ValidationError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from partialjson import Parser, TypedParser
from partialjson.samples import Invoice

KB = 1024
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "Zoë", "☕", "𝄞"]


class Answer(BaseModel):
    answer: str


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, Python {platform.python_version()}"


def token_deltas(text: str, rng: random.Random) -> list[str]:
    out, i = [], 0
    while i < len(text):
        k = rng.randint(1, 8)
        out.append(text[i : i + k])
        i += k
    return out


def invoice(size: int, rng: random.Random) -> str:
    """An invoice of about ``size`` characters."""
    item = {
        "sku": "SKU-00000",
        "description": 'Mechanical keyboard, "silent" edition ⌨',
        "quantity": 1,
        "unit_price": 10.5,
    }
    count = max(1, size // (len(json.dumps(item)) + 2))
    return json.dumps(
        {
            "invoice_number": "INV-2024-0042",
            "issued": "2024-05-01",
            "customer": {"name": "Zoë Ångström", "email": "zoe@example.com", "vip": True},
            "items": [
                {
                    "sku": f"SKU-{i:05}",
                    "description": 'Mechanical keyboard, "silent" edition ⌨',
                    "quantity": rng.randint(1, 9),
                    "unit_price": round(rng.random() * 100, 2),
                }
                for i in range(count)
            ],
            "discount": None,
            "notes": "Thank you for your order!\nPayment is due within 30 days.",
            "total": 224.99,
        }
    )


def long_string(size: int, rng: random.Random) -> str:
    words: list[str] = []
    length = 0
    while length < size:
        words.append(rng.choice(WORDS))
        length += len(words[-1]) + 1
    return json.dumps({"answer": " ".join(words)}, ensure_ascii=False)


def run_parser_feed(type_: Any, deltas: list[str]) -> Any:
    parser = Parser()
    for delta in deltas:
        parser.feed(delta)
    return parser.close()


def run_parser_value(type_: Any, deltas: list[str]) -> Any:
    parser = Parser()
    for delta in deltas:
        parser.feed(delta)
        parser.value  # noqa: B018 - reading the value is the point
    return parser.close()


def run_typed(type_: Any, deltas: list[str]) -> Any:
    parser = TypedParser(type_)
    for delta in deltas:
        parser.feed(delta)
        parser.partial  # noqa: B018 - reading the view is the point
    return parser.finish()


def per_delta() -> None:
    rng = random.Random(7)
    print("\nPer delta (µs): best of rounds (median in brackets); ratio = typed / Parser.feed")
    header = ("document", "size", "deltas", "feed", "+value", "typed", "ratio")
    print("{:>12} {:>6} {:>7} {:>14} {:>16} {:>14} {:>12}".format(*header))
    for name, make, type_ in (("invoice", invoice, Invoice), ("long string", long_string, Answer)):
        for size in (1 * KB, 10 * KB, 100 * KB, 1024 * KB):
            text = make(size, rng)
            deltas = token_deltas(text, rng)
            assert run_typed(type_, deltas) == TypeAdapter(type_).validate_json(text)  # warm
            rounds = 7 if size <= 100 * KB else 3
            cells, best = [], []
            for run in (run_parser_feed, run_parser_value, run_typed):
                # Reading Parser.value re-joins a long growing string: quadratic, one round.
                times = rounds_of(functools.partial(run, type_, deltas), rounds, run)
                per = [t / len(deltas) * 1e6 for t in times]
                best.append(min(per))
                cells.append(f"{min(per):6.2f} ({statistics.median(per):5.2f})")
            ratio = f"{best[2] / best[0]:4.2f}"
            print(
                f"{name:>12} {len(text) // KB:5}K {len(deltas):7} "
                + " ".join(cells)
                + f" {ratio:>6}"
            )


def rounds_of(action: Callable[[], Any], rounds: int, run: Any) -> list[float]:
    if run is run_parser_value and rounds < 7:
        rounds = 1
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def peak_bytes(action: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        result = action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def memory(big: bool) -> None:
    rng = random.Random(11)
    print("\nMemory: peak traced bytes per input byte while streaming token deltas")
    print(f"{'document':>12} {'size':>7} {'Parser':>8} {'TypedParser':>12}")
    sizes = [1024 * KB] + ([10 * 1024 * KB] if big else [])
    for name, make, type_ in (("invoice", invoice, Invoice), ("long string", long_string, Answer)):
        for size in sizes:
            text = make(size, rng)
            deltas = token_deltas(text, rng)
            length = len(text.encode())
            plain = peak_bytes(functools.partial(run_parser_feed, type_, deltas)) / length
            typed = peak_bytes(functools.partial(run_typed, type_, deltas)) / length
            print(f"{name:>12} {len(text) // KB:6}K {plain:8.1f} {typed:12.1f}")


def finish_cost() -> None:
    rng = random.Random(5)
    text = invoice(100 * KB, rng)
    adapter = TypeAdapter(Invoice)
    # Damage a few values spread over the document, the last one near its end.
    damaged = text
    for marker in ('"quantity": 3', '"quantity": 5', '"unit_price": '):
        at = damaged.rfind(marker)
        damaged = (
            damaged[:at]
            + marker.replace("3", '"three"').replace("5", '"five"')
            + ('"cheap", "x": ' if marker.endswith(": ") else "")
            + damaged[at + len(marker) :]
        )
    json.loads(damaged)

    def finish(document: str) -> Callable[[], Any]:
        def run() -> Any:
            parser = TypedParser(Invoice)
            parser.feed(document)
            gc.collect()  # the feed's garbage is not finish()'s cost
            start = time.perf_counter()
            with contextlib.suppress(ValidationError):
                parser.finish()
            return time.perf_counter() - start

        return run

    def validate(document: str) -> Callable[[], Any]:
        def run() -> Any:
            gc.collect()
            start = time.perf_counter()
            with contextlib.suppress(ValidationError):
                adapter.validate_json(document)
            return time.perf_counter() - start

        return run

    print("\nfinish() on a 100 KB invoice beside validate_json (ms over 21 rounds: median / best)")
    for name, document in (("valid", text), ("invalid", damaged)):
        ours = sorted(finish(document)() * 1e3 for _ in range(21))
        theirs = sorted(validate(document)() * 1e3 for _ in range(21))
        print(
            f"{name:>8}: finish {ours[10]:6.2f} / {ours[0]:5.2f}   "
            f"validate_json {theirs[10]:6.2f} / {theirs[0]:5.2f}   "
            f"ratio {ours[10] / theirs[10]:5.2f} / {ours[0] / theirs[0]:5.2f}"
        )


def main() -> int:
    print("machine:", machine(), "(shared machines: quote as indicative)")
    per_delta()
    memory("--big" in sys.argv)
    finish_cost()
    return 0


if __name__ == "__main__":
    sys.exit(main())

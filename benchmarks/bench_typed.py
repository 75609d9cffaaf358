"""Cost of the typed layer: per delta, in memory, and at finish(), beside the core parser.

    python benchmarks/bench_typed.py          # documents up to 1 MB
    python benchmarks/bench_typed.py --big    # also the 10 MB memory case
    python benchmarks/bench_typed.py --quick  # fewer rounds, no 1 MB per-delta case
    python benchmarks/bench_typed.py --memory # only the memory table (with --big: 10 MB too)
    python benchmarks/bench_typed.py --callgrind records 10 typed 2  # see callgrind_passes()

Per delta: ``TypedParser(T)`` reading ``.partial`` after every token-sized delta (1-8
characters), beside the bare ``Parser`` fed the same deltas (``feed`` only: the core's own cost;
and reading ``.value`` too, which is what an app of the core parser does). Two documents: an
invoice whose items grow, and one long string that grows (the case where re-joining the string
per read would be quadratic). finish() is not in it (measured on its own below).

Memory: the peak traced allocation while streaming, per input byte, for ``Parser`` and
``TypedParser`` (the core value, the partial view and the kept text are all in it); then with
``finish()`` too (the validated value is the user's, and ``validate_json`` alone needs it).

finish(): on valid invoices (1 KB to 100 KB) and on an invalid 100 KB one, beside
``TypeAdapter(T).validate_json`` of the same text. Each round feeds a fresh parser, collects
garbage, then times *either* finish() *or* validate_json (alternating), so that both run in the
same state of the caches; validate_json gets a fresh copy of the text (pydantic-core caches a
str's UTF-8 form on the object, which a benchmark must not reuse).

Each target of issue 8 is printed with ``met`` / ``NOT met``. Medians of several rounds, side by
side in one run; the machine is named in the output. Quote ratios with it.
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
    return parser


#: (target, value, met) rows, printed at the end.
TARGETS: list[tuple[str, str, bool]] = []


def target(name: str, value: str, met: bool) -> None:
    TARGETS.append((name, value, met))


def per_delta(quick: bool) -> None:
    rng = random.Random(7)
    print("\nPer delta (µs, median of rounds); typed/feed and typed/(feed+value) ratios")
    header = ("document", "size", "deltas", "feed", "+value", "typed", "/feed", "/+value")
    print("{:>12} {:>6} {:>7} {:>8} {:>8} {:>8} {:>6} {:>7}".format(*header))
    sizes = (1 * KB, 10 * KB, 100 * KB) + (() if quick else (1024 * KB,))
    for name, make, type_ in (("invoice", invoice, Invoice), ("long string", long_string, Answer)):
        ratios: list[float] = []
        typed_costs: list[float] = []
        for size in sizes:
            text = make(size, rng)
            deltas = token_deltas(text, rng)
            warm = run_typed(type_, deltas)
            assert warm.finish() == TypeAdapter(type_).validate_json(text)
            rounds = (3 if quick else 7) if size <= 100 * KB else 3
            # A small document is streamed several times per sample, so that the garbage
            # collections its objects cause are counted at their usual rate, not as one full
            # collection landing (or not) inside a 1 ms sample.
            repeat = max(1, 20_000 // len(deltas))
            runs = (run_parser_feed, run_parser_value, run_typed)
            per: dict[Any, list[float]] = {run: [] for run in runs}
            for _ in range(rounds):  # interleaved: a burst of load hits all three alike
                for run in runs:
                    gc.collect()
                    start = time.perf_counter()
                    for _ in range(repeat):
                        run(type_, deltas)
                    seconds = time.perf_counter() - start
                    per[run].append(seconds / (len(deltas) * repeat) * 1e6)
            feed, value, typed = (statistics.median(per[run]) for run in runs)
            ratios.append(typed / value)
            typed_costs.append(typed)
            print(
                f"{name:>12} {len(text) // KB:5}K {len(deltas):7} {feed:8.2f} {value:8.2f} "
                f"{typed:8.2f} {typed / feed:6.2f} {typed / value:7.2f}"
            )
        worst = max(ratios)
        target(
            f"{name}: typed view per delta <= 2x the core parser (feed + value)",
            f"{worst:.2f}x at worst",
            worst <= 2,
        )
        growth = typed_costs[-1] / min(typed_costs)
        target(
            f"{name}: per-delta cost flat from 1 KB to {sizes[-1] // KB} KB (<= 1.5x)",
            f"{growth:.2f}x (largest size / cheapest size)",
            growth <= 1.5,
        )


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
    print(f"{'document':>12} {'size':>7} {'Parser':>8} {'TypedParser':>12} {'+finish()':>10}")
    sizes = [100 * KB, 1024 * KB] + ([10 * 1024 * KB] if big else [])
    for name, make, type_ in (("invoice", invoice, Invoice), ("long string", long_string, Answer)):
        typed_sizes: list[float] = []
        run_typed(type_, token_deltas(make(KB, rng), rng))  # first use: classes, validators
        for size in sizes:
            text = make(size, rng)
            deltas = token_deltas(text, rng)
            length = len(text.encode())
            plain = peak_bytes(functools.partial(run_parser_feed, type_, deltas)) / length
            typed = peak_bytes(functools.partial(run_typed, type_, deltas)) / length

            def finished(type_: Any = type_, deltas: list[str] = deltas) -> Any:
                parser = run_typed(type_, deltas)
                parser.finish()
                return parser

            final = peak_bytes(finished) / length
            typed_sizes.append(typed)
            print(f"{name:>12} {len(text) // KB:6}K {plain:8.1f} {typed:12.1f} {final:10.1f}")
        worst = max(typed_sizes)
        # (issue 8: "a few times its own size"; 5 B/byte for both. The long string is a str
        # of 4 bytes per character (it holds a 𝄞), held once while it streams: the core's
        # builder grows the view's own string in place, and keeps no copy of its own.)
        limit = 5.0
        target(
            f"{name}: typed parser memory while streaming <= {limit:g} B per input byte",
            f"{worst:.1f} B/byte at worst",
            worst <= limit,
        )
        target(
            f"{name}: memory per input byte flat from {sizes[0] // KB} KB to {sizes[-1] // KB} KB",
            f"{max(typed_sizes) / min(typed_sizes):.2f}x (most / least per byte)",
            max(typed_sizes) <= 1.2 * min(typed_sizes),
        )


def damage(text: str) -> str:
    """Damage a few values spread over the document, the last one near its end."""
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
    return damaged


def finish_ratio(document: str, rounds: int) -> tuple[float, float]:
    """Median finish() and validate_json times (ms), each timed first after the same feed."""
    adapter = TypeAdapter(Invoice)
    deltas = token_deltas(document, random.Random(3))
    ours: list[float] = []
    theirs: list[float] = []
    for i in range(2 * rounds):
        parser = TypedParser(Invoice)
        for delta in deltas:
            parser.feed(delta)
        fresh = document.encode().decode()  # no UTF-8 form cached on it
        gc.collect()
        start = time.perf_counter()
        with contextlib.suppress(ValidationError):
            if i % 2:
                parser.finish()
            else:
                adapter.validate_json(fresh)
        (ours if i % 2 else theirs).append((time.perf_counter() - start) * 1e3)
    return statistics.median(ours), statistics.median(theirs)


def finish_cost(quick: bool) -> None:
    rng = random.Random(5)
    rounds = 7 if quick else 21
    print(f"\nfinish() beside validate_json (ms, median of {rounds} rounds each)")
    valid_worst = 0.0
    for size in (1 * KB, 10 * KB, 100 * KB):
        text = invoice(size, rng)
        ours, theirs = finish_ratio(text, rounds)
        valid_worst = max(valid_worst, ours / theirs)
        print(
            f"{'valid':>8} {len(text) // KB:4}K: finish {ours:7.3f}   validate_json {theirs:7.3f}"
            f"   ratio {ours / theirs:5.2f}"
        )
    damaged = damage(invoice(100 * KB, rng))
    ours, theirs = finish_ratio(damaged, rounds)
    print(
        f"{'invalid':>8} {len(damaged) // KB:4}K: finish {ours:7.3f}   validate_json {theirs:7.3f}"
        f"   ratio {ours / theirs:5.2f}"
    )
    target(
        "finish() on valid input <= 1.2x validate_json", f"{valid_worst:.2f}x", valid_worst <= 1.2
    )
    target(
        "finish() on an invalid 100 KB document <= 2x validate_json",
        f"{ours / theirs:.2f}x",
        ours / theirs <= 2,
    )


def callgrind_passes(workload: str, kb: int, layer: str, passes: int) -> None:
    """Stream a document ``passes`` times, for instruction counts per delta under callgrind.

    ``workload`` is one of benchmarks/workloads.py's (``records``, ``form``, ``nested``) or
    ``invoice`` (this file's, as ``Invoice``), of about ``kb`` KiB, cut into token deltas;
    ``layer`` is ``core`` (``Parser.feed`` + ``.value``), ``typed`` (``TypedParser.feed`` +
    ``.partial``, ``.changed``, ``.issues``: what the lifecycle reads per delta), ``core-feed``
    or ``typed-feed`` (``feed`` alone: the compiled lifecycle reads those properties natively,
    a few instructions each, where each read from Python costs ~130), or ``setup`` (below).
    The difference between 2 passes and 1 (the first warms the caches: partial classes,
    leaves) is the cost of one stream, e.g. for the compiled build
    (``PARTIALJSON_PURE=1``: the pure one)::

        for n in 1 2; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
            python benchmarks/bench_typed.py --callgrind records 10 typed $n; done

    and (instructions of 2 passes - of 1) / deltas (printed) is the count per delta.

    ``layer`` ``setup`` measures a stream's start instead: each pass makes 100 ``TypedParser``
    of the type (seen before: the first pass made its caches) and feeds each the document's
    first delta (the partial model's first instance); (2 passes - 1) / 100 is the count per
    parser, what a service pays per stream it starts.

    ``finish`` and ``validate_json`` measure the final validation, each beside the same work
    without it: each pass feeds 10 ``TypedParser`` the whole document and calls ``finish()``
    (``fed``: the same, not finished), or validates 10 fresh copies of the text with
    ``TypeAdapter(T).validate_json`` (``copied``: the copies alone). (finish - fed) / 10 /
    passes is the count per ``finish()``; (validate_json - copied) / 10 / passes, per call of
    pydantic's (the ratio of the two is what benchmarks/layers.py's final validation times).
    """
    from benchmarks import workloads

    if workload == "invoice":
        text, type_ = invoice(kb * KB, random.Random(7)), Invoice
    else:
        text, type_ = workloads.document(workload, kb * KB), workloads.WORKLOADS[workload].type_
    deltas = workloads.token_deltas(text)
    if layer == "setup":
        for _ in range(passes * 100):
            started = TypedParser(type_)
            started.feed(deltas[0])
            started.partial  # noqa: B018
            started.changed  # noqa: B018
            started.issues  # noqa: B018
        print("100 parsers per pass")
        return
    if layer in ("finish", "fed", "validate_json", "copied"):
        adapter = TypeAdapter(type_)
        for _ in range(passes * 10):
            if layer in ("finish", "fed"):
                typed = TypedParser(type_)
                for delta in deltas:
                    typed.feed(delta)
                if layer == "finish":
                    typed.finish()
            else:
                fresh = text.encode().decode()  # no UTF-8 form cached on it
                if layer == "validate_json":
                    adapter.validate_json(fresh)
        print("10 per pass")
        return
    for _ in range(passes):
        if layer == "core":
            core = Parser()
            for delta in deltas:
                core.feed(delta)
                core.value  # noqa: B018 - reading the value is the point
            core.close()
        elif layer == "core-feed":
            core = Parser()
            for delta in deltas:
                core.feed(delta)
            core.close()
        elif layer == "typed-feed":
            typed = TypedParser(type_)
            for delta in deltas:
                typed.feed(delta)
        else:
            typed = TypedParser(type_)
            for delta in deltas:
                typed.feed(delta)
                typed.partial  # noqa: B018 - what the lifecycle reads per delta
                typed.changed  # noqa: B018
                typed.issues  # noqa: B018
    print(f"{len(deltas)} deltas")


def main() -> int:
    if "--callgrind" in sys.argv:
        at = sys.argv.index("--callgrind")
        workload, kb, layer, passes = sys.argv[at + 1 : at + 5]
        callgrind_passes(workload, int(kb), layer, int(passes))
        return 0
    quick = "--quick" in sys.argv
    print("machine:", machine(), "(shared machines: quote as indicative)")
    only_memory = "--memory" in sys.argv
    if not only_memory:
        per_delta(quick)
    memory("--big" in sys.argv)
    if not only_memory:
        finish_cost(quick)
    print("\nTargets (issue 8)")
    for name, value, met in TARGETS:
        print(f"  {'met    ' if met else 'NOT met'}  {name}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Per-delta cost of streaming JSON parsers, side by side, in one run.

Each workload — a form with long strings, a list of small records with unicode and escapes, a
deeply nested document, a single long string — is generated at several sizes, cut into
token-sized deltas (1-8 characters, as an LLM streams) and into 64 KiB chunks, and fed to each
parser while reading its best-effort value after every delta (what a live UI does):

* partialjson's incremental ``Parser``;
* jiter re-parsing the whole buffer on every delta (``partial_mode="trailing-strings"``) —
  what the OpenAI and Anthropic SDK helpers do;
* streaming-json-parser, the best incremental pure-Python peer (``structural_trailing_strings``);
* partial-json-parser re-parsing the buffer (small sizes only: it is slow);
* ``json.loads`` of the whole text once, the floor (no partial values at all).

A peer whose estimated time for a run exceeds ``--budget`` seconds is skipped, and the table
says so. Every finished run's final value is checked against ``json.loads``.

    python benchmarks/bench_parser.py            # full run (a few minutes)
    python benchmarks/bench_parser.py --quick    # smoke run (seconds)
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import partialjson
from benchmarks import workloads
from benchmarks.workloads import KB, chunks, token_deltas

# The documents and their cutting are the suite's (benchmarks/workloads.py), plus one long string.
WORKLOADS: list[str] = [*workloads.WORKLOADS, "string"]


def document(workload: str, size: int) -> str:
    """The JSON text of ``workload`` at about ``size`` characters (the suite's documents)."""
    if workload == "string":
        rng = random.Random(f"20261201:string:{size}")
        return json.dumps({"answer": workloads.prose(rng, size)})
    return workloads.document(workload, size)


# Each runner feeds the deltas, reading the value after every one, and returns the last value.


def run_partialjson(deltas: list[str]) -> Any:
    parser = partialjson.Parser()
    for delta in deltas:
        parser.feed(delta)
        parser.value  # noqa: B018 - reading the value is the point
    return parser.close()


def run_jiter(deltas: list[str]) -> Any:
    import jiter

    buffer = ""
    value = None
    for delta in deltas:
        buffer += delta
        value = jiter.from_json(buffer.encode(), partial_mode="trailing-strings")
    return value


def run_streaming_json_parser(deltas: list[str]) -> Any:
    from streaming_json_parser import StreamingJsonParser

    parser = StreamingJsonParser(partial_mode="structural_trailing_strings")
    for delta in deltas:
        parser.feed(delta)
    return parser.finish().value


def run_partial_json_parser(deltas: list[str]) -> Any:
    from partial_json_parser import loads

    buffer = ""
    value = None
    for delta in deltas:
        buffer += delta
        value = loads(buffer)
    return value


def run_json_loads(deltas: list[str]) -> Any:
    """The floor: the stdlib parsing the whole text once (no partial values at all)."""
    return json.loads("".join(deltas))


RUNNERS: dict[str, Callable[[list[str]], Any]] = {
    "partialjson": run_partialjson,
    "json.loads (whole text)": run_json_loads,
    "jiter (re-parse)": run_jiter,
    "streaming-json-parser": run_streaming_json_parser,
    "partial-json-parser (re-parse)": run_partial_json_parser,
}
# Peers whose cost per delta grows with the document (re-parsers; streaming-json-parser
# inside long strings): their runs are estimated first and skipped past the budget.
QUADRATIC = {"jiter (re-parse)", "partial-json-parser (re-parse)", "streaming-json-parser"}


def estimate(runner: Callable[[list[str]], Any], deltas: list[str]) -> float:
    """Seconds a whole run would take, from a run on a prefix (quadratic peers scale so)."""
    probe = deltas[: max(1, len(deltas) // 20)]
    start = time.perf_counter()
    with contextlib.suppress(Exception):  # a peer failing on a prefix still took its time
        runner(probe)
    spent = time.perf_counter() - start
    return spent * (len(deltas) / len(probe)) ** 2


def measure(
    runner: Callable[[list[str]], Any], deltas: list[str], repeat: int
) -> tuple[list[float], Any]:
    """Seconds per whole run, ``repeat`` times (small documents are run in batches, so that
    each timing spans at least 50 ms)."""
    start = time.perf_counter()
    value = runner(deltas)
    batch = max(1, int(0.05 / max(time.perf_counter() - start, 1e-6)))
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for _ in range(batch):
            value = runner(deltas)
        times.append((time.perf_counter() - start) / batch)
    return times, value


def peak_memory(runner: Callable[[list[str]], Any], deltas: list[str]) -> int:
    tracemalloc.start()
    try:
        runner(deltas)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for package in ("jiter", "streaming-json-parser", "partial-json-parser"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        **versions,
    }


def cases(sizes: list[int]) -> Iterator[tuple[str, int, str, list[str]]]:
    for workload in WORKLOADS:
        for size in sizes:
            text = document(workload, size)
            yield workload, size, "tokens", token_deltas(text)
            if size >= 100 * KB:
                yield workload, size, "64KiB", chunks(text)


def main() -> int:
    cli = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke run")
    cli.add_argument(
        "--sizes", type=int, nargs="*", help="document sizes in KiB (default 1 10 100 1024)"
    )
    cli.add_argument(
        "--budget", type=float, default=20.0, help="skip a peer's run estimated above this (s)"
    )
    cli.add_argument("--repeat", type=int, default=5)
    cli.add_argument("--out", type=Path, help="write the results as JSON here")
    args = cli.parse_args()
    sizes_kb = args.sizes or ([1, 10] if args.quick else [1, 10, 100, 1024])
    repeat = 3 if args.quick else args.repeat
    facts = machine()
    print("machine:", ", ".join(f"{k} {v}" for k, v in facts.items()))
    results: list[dict[str, Any]] = []
    header = (
        f"{'workload':8} {'size':>7} {'deltas':7} {'parser':31} {'µs/delta':>14} "
        f"{'median run s':>12} {'MB/s':>7} {'peak MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for workload, size, cut, deltas in cases([kb * KB for kb in sizes_kb]):
        total_chars = sum(map(len, deltas))
        expected = json.loads("".join(deltas))
        for name, runner in RUNNERS.items():
            if name.startswith("partial-json-parser") and total_chars > 20 * KB:
                continue
            row: dict[str, Any] = {
                "workload": workload,
                "size": size,
                "cut": cut,
                "parser": name,
                "deltas": len(deltas),
            }
            guess = estimate(runner, deltas) if name in QUADRATIC else 0.0
            if guess > args.budget:
                row["skipped"] = f"quadratic, est. {guess:.0f} s"
                label = f"{workload:8} {total_chars / KB:>6.0f}K {cut:7} {name:31}"
                print(f"{label} skipped ({row['skipped']})")
                results.append(row)
                continue
            times, value = measure(runner, deltas, repeat)
            row["correct"] = value == expected
            row["median_s"] = statistics.median(times)
            row["us_per_delta"] = row["median_s"] / len(deltas) * 1e6
            row["mb_per_s"] = total_chars / row["median_s"] / 1e6
            row["peak_bytes"] = peak_memory(runner, deltas) if not args.quick else None
            peak = f"{row['peak_bytes'] / 2**20:9.1f}" if row["peak_bytes"] else f"{'-':>9}"
            flag = "" if row["correct"] else "  WRONG FINAL VALUE"
            label = f"{workload:8} {total_chars / KB:>6.0f}K {cut:7} {name:31}"
            print(
                f"{label} {row['us_per_delta']:14.2f} "
                f"{row['median_s']:12.4f} {row['mb_per_s']:7.1f} {peak}{flag}"
            )
            results.append(row)
    report_targets(results)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": facts, "results": results}, indent=1))
    return 0


def _get(results: list[dict[str, Any]], **where: Any) -> list[dict[str, Any]]:
    return [
        r for r in results if all(r.get(k) == v for k, v in where.items()) and "us_per_delta" in r
    ]


def report_targets(results: list[dict[str, Any]]) -> None:
    print("\ntargets (CPython 3.11):")
    ours = _get(results, parser="partialjson", cut="tokens")

    def verdict(ok: bool, text: str) -> None:
        print(f"  [{'PASS' if ok else 'FAIL'}] {text}")

    worst = max(r["us_per_delta"] for r in ours)
    verdict(
        worst <= 2.0, f"mean cost per token-sized delta <= 2 µs (worst workload: {worst:.2f} µs)"
    )
    for workload in WORKLOADS:
        rows = sorted(
            _get(results, parser="partialjson", cut="tokens", workload=workload),
            key=lambda r: r["size"],
        )
        if len(rows) > 1:
            ratio = rows[-1]["us_per_delta"] / rows[0]["us_per_delta"]
            verdict(
                ratio <= 1.3,
                f"{workload}: flat across sizes "
                f"({rows[-1]['size'] // KB} KiB / {rows[0]['size'] // KB} KiB = {ratio:.2f}x)",
            )
    for peer in ("jiter (re-parse)", "streaming-json-parser"):
        for row in (r for r in ours if r["workload"] != "string" or r["size"] <= 100 * KB):
            theirs = _get(
                results, parser=peer, cut="tokens", workload=row["workload"], size=row["size"]
            )
            if theirs:
                ratio = theirs[0]["us_per_delta"] / row["us_per_delta"]
                verdict(
                    ratio > 1,
                    f"faster than {peer} on {row['workload']} "
                    f"{row['size'] // KB} KiB ({ratio:.1f}x)",
                )
    strings = sorted(
        _get(results, parser="partialjson", cut="tokens", workload="string"),
        key=lambda r: r["size"],
    )
    if len(strings) > 1:
        ratio = strings[-1]["us_per_delta"] / strings[0]["us_per_delta"]
        verdict(
            ratio <= 1.5,
            f"one long string, value read after every delta: flat "
            f"({strings[-1]['size'] // KB} KiB / {strings[0]['size'] // KB} KiB = {ratio:.2f}x "
            "<= 1.5x)",
        )
    limits = {"records": 3.0, "form": 2.0}
    for row in _get(results, parser="partialjson", cut="64KiB"):
        floor = _get(
            results,
            parser="json.loads (whole text)",
            cut="64KiB",
            workload=row["workload"],
            size=row["size"],
        )
        if floor and row["workload"] in limits:
            ratio = row["median_s"] / floor[0]["median_s"]
            verdict(
                ratio <= limits[row["workload"]],
                f"64 KiB chunks, {row['workload']} {row['size'] // KB} KiB: {ratio:.1f}x "
                f"json.loads of the whole text (<= {limits[row['workload']]:.0f}x)",
            )
    for row in _get(results, parser="partialjson", cut="64KiB"):
        if row["workload"] in ("form", "string"):
            verdict(
                row["mb_per_s"] >= 20,
                f"64 KiB chunks, {row['workload']} {row['size'] // KB} KiB: "
                f"{row['mb_per_s']:.0f} MB/s >= 20",
            )
    print(
        "  correctness: "
        + (
            "all final values equal json.loads"
            if all(r.get("correct", True) for r in results)
            else "MISMATCH"
        )
    )


if __name__ == "__main__":
    sys.exit(main())

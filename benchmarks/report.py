"""The suite's results as docs/benchmarks.md and PNG plots (matplotlib, log-log)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from .compare import size_label
from .peers import PEERS
from .streams_at_scale import RATE, TARGET_P99, TUNED_THRESHOLDS, streams_per_core

Rows = list[dict[str, Any]]


def _select(rows: Rows, **where: Any) -> Rows:
    return [r for r in rows if all(r.get(k) == v for k, v in where.items())]


def _one(rows: Rows, **where: Any) -> Optional[dict[str, Any]]:
    found = _select(rows, **where)
    return found[0] if found else None


def _scale(rows: Rows, section: str, gc: str = "default", **where: Any) -> Rows:
    """The many-streams rows of ``section`` run with the garbage collector in mode ``gc``
    (rows from before the mode was recorded ran with the default)."""
    return [r for r in _select(rows, section=section, **where) if r.get("gc", "default") == gc]


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(row: Optional[dict[str, Any]], key: str, notes: dict[str, int]) -> str:
    if row is None:
        return "–"
    if row["status"] == "ok":
        return _fmt(row[key])
    if row["status"] in ("incorrect", "error"):
        # One note for the same failure at every size ("after delta 3 of 211" / "of 2300").
        reason = re.sub(r" of \d+ \(", " (", row.get("reason", ""))
        mark = notes.setdefault(f"{row['peer']}: {reason}", len(notes) + 1)
        return f"{row['status']} [{mark}]"
    if row["status"] == "skipped":
        return f"skipped ({row.get('reason', '')})"
    return "–" if row["status"] == "not run" else row["status"]


# ---------------------------------------------------------------------------- targets


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, verdict, measured) for each of the issue's targets."""
    rows: Rows = results["rows"]
    peers = _select(rows, section="peers")
    compiled = results["machine"].get("partialjson compiled")
    out: list[tuple[str, str, str]] = []

    def ours(workload: str, cut: str = "tokens", peer: str = "partialjson") -> Rows:
        found = _select(peers, peer=peer, workload=workload, cut=cut, status="ok")
        return sorted([r for r in found if r["nominal"] <= 1024 * 1024], key=lambda r: r["nominal"])

    def verdict(ok: Optional[bool]) -> str:
        return "n/a" if ok is None else ("**met**" if ok else "**not met**")

    records = ours("records")
    # With the compiled build loaded, the pure-Python modules run beside it as their own peer.
    pure = ours("records", peer="partialjson (pure Python)") if compiled else records
    if pure:
        worst = max(r["us_per_delta"] for r in pure)
        span = f"{pure[0]['label']} → {pure[-1]['label']}"
        out.append(
            (
                "records, token deltas: ≤ 2 µs/delta (pure Python)",
                verdict(worst <= 2.0),
                f"worst {worst:.2f} µs/delta ({span})",
            )
        )
    if records:
        worst = max(r["us_per_delta"] for r in records)
        flat = records[-1]["us_per_delta"] / records[0]["us_per_delta"]
        speedup = f", {pure_over_compiled(records, pure)} faster than pure Python"
        out.append(
            (
                "records: ≤ 1 µs/delta (compiled build)",
                verdict(worst <= 1.0) if compiled else "n/a (pure build loaded)",
                f"worst {worst:.2f} µs/delta" + (speedup if compiled else ""),
            )
        )
        paired = records[-1].get("paired_flat", flat)
        out.append(
            (
                "records: flat, largest / smallest ≤ 1.3×",
                verdict(paired <= 1.3),
                _paired_note(records[-1], "paired_flat", flat),
            )
        )
    form = ours("form")
    if form:
        flat = form[-1]["us_per_delta"] / form[0]["us_per_delta"]
        paired = form[-1].get("paired_flat", flat)
        out.append(
            (
                f"form (long strings): flat ≤ 1.5× ({form[0]['label']} → {form[-1]['label']})",
                verdict(paired <= 1.5),
                f"{form[0]['us_per_delta']:.2f} → {form[-1]['us_per_delta']:.2f} µs/delta; "
                + _paired_note(form[-1], "paired_flat", flat),
            )
        )
    for workload, limit in (("records", 3.0), ("form", 2.0)):
        mine = _one(peers, peer="partialjson", workload=workload, cut="64KiB", nominal=1024 * 1024)
        floor = _one(
            peers, peer="json.loads (floor)", workload=workload, cut="64KiB", nominal=1024 * 1024
        )
        if mine and floor and mine["status"] == "ok" and floor["status"] == "ok":
            apart = mine["seconds"] / floor["seconds"]
            ratio = mine.get("paired_vs_floor", apart)
            out.append(
                (
                    f"64 KiB chunks, {workload} 1 MB: ≤ {limit:g}× json.loads of the whole text",
                    verdict(ratio <= limit),
                    _paired_note(mine, "paired_vs_floor", apart),
                )
            )
    for workload in ("records", "form"):
        mine = _one(peers, peer="partialjson", workload=workload, cut="tokens", nominal=1024)
        jiter = _one(peers, peer="jiter", workload=workload, cut="tokens", nominal=1024)
        if mine and jiter and mine["status"] == "ok" and jiter["status"] == "ok":
            apart = jiter["us_per_delta"] / mine["us_per_delta"]
            ratio = mine.get("paired_jiter_over_ours", apart)
            out.append(
                (
                    f"jiter re-parse at 1 KB ({workload}) ≥ 2.5× slower than partialjson",
                    verdict(ratio >= 2.5),
                    _paired_note(mine, "paired_jiter_over_ours", apart),
                )
            )
    native = _select(peers, peer="streaming-json-parser-native")
    if native:
        tokens = [r for r in native if r["cut"] == "tokens"]
        wrong = [r for r in tokens if r["status"] == "incorrect"]
        speedups = []  # its time / ours, on every case where it is correct and timed
        for row in native:
            mine = _one(
                peers,
                peer="partialjson",
                workload=row["workload"],
                cut=row["cut"],
                nominal=row["nominal"],
            )
            if row["status"] == "ok" and mine and mine["status"] == "ok":
                speedups.append(row["us_per_delta"] / mine["us_per_delta"])
        notes = []
        if wrong:
            notes.append(
                f"it is incorrect on {len(wrong)} of {len(tokens)} token-delta cases (stale "
                "strings), so it is not timed there"
            )
        if speedups:
            notes.append(
                f"{'where it is correct, ' if wrong else ''}the compiled build is faster on "
                f"{sum(x > 1 for x in speedups)} of {len(speedups)} cases "
                f"(its time ÷ ours: {min(speedups):.1f}–{max(speedups):.1f}×)"
            )
        measured = "; ".join(notes)
        ok = None if not compiled else (all(x > 1 for x in speedups) if speedups else None)
        out.append(
            (
                "ahead of streaming-json-parser-native at every size (compiled build), correct",
                verdict(ok) if compiled else "n/a (pure build loaded)",
                measured or "–",
            )
        )
    layers = _select(rows, section="layers", status="ok")
    sse = [r["mb_per_s"] for r in layers if r["layer"] == "SSE decoding"]
    if sse:
        out.append(
            (
                "SSE decoding ≥ 50 MB/s",
                verdict(min(sse) >= 50),
                f"{min(sse):.0f}–{max(sse):.0f} MB/s",
            )
        )
    final = [r["ratio"] for r in layers if r["layer"] == "final validation"]
    if final:
        out.append(
            (
                "final validation ≤ 1.2× model_validate_json",
                verdict(max(final) <= 1.2),
                f"{min(final):.2f}–{max(final):.2f}×",
            )
        )
    scale = next(iter(_scale(rows, "scale", streams=1000)), None)
    if scale:
        tuned = next(iter(_scale(rows, "scale", "tuned", streams=1000)), None)
        ok = not scale["overloaded"] and scale["p99_ms"] < TARGET_P99 * 1e3
        out.append(
            (
                "one core carries 1,000 streams at 50 deltas/s with p99 < 10 ms",
                verdict(ok),
                f"steady state: p99 {scale['p99_ms']:.1f} ms, core load "
                f"{scale['core_load']:.2f}"
                + (" (overloaded)" if scale["overloaded"] else "")
                + _burst_note(_one(rows, section="scale-burst", streams=1000))
                + (
                    f"; garbage collector tuned: p99 {tuned['p99_ms']:.1f} ms, core load "
                    f"{tuned['core_load']:.2f}"
                    if tuned
                    else ""
                ),
            )
        )
    return out


def _paired_note(row: dict[str, Any], key: str, apart: float) -> str:
    """A ratio as the verdict reads it: measured interleaved if it was, with the ratio of the
    two medians beside it."""
    if key not in row:
        return f"{apart:.1f}×"
    pairs = len(row.get(f"{key}_ratios", ()))
    return (
        f"{row[key]:.2f}× (interleaved: the median of {pairs} paired runs; the ratio of the "
        f"two medians, measured seconds apart: {apart:.2f}×)"
    )


def _burst_note(burst: Optional[dict[str, Any]]) -> str:
    if not burst:
        return ""
    return f"; all 1,000 starting at once (burst): p99 {burst['p99_ms']:.1f} ms"


def pure_over_compiled(compiled: Rows, pure: Rows) -> str:
    """The pure build's cost / the compiled build's, over the sizes both were timed at."""
    costs = {r["nominal"]: r["us_per_delta"] for r in pure}
    ratios = [costs[r["nominal"]] / r["us_per_delta"] for r in compiled if r["nominal"] in costs]
    if not ratios:
        return "–"
    low, high = min(ratios), max(ratios)
    return f"{low:.1f}×" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}–{high:.1f}×"


# ---------------------------------------------------------------------------- markdown


def markdown(results: dict[str, Any], plots: list[str]) -> str:
    rows: Rows = results["rows"]
    machine = results["machine"]
    config = results["config"]
    notes: dict[str, int] = {}
    out: list[str] = []
    add = out.append
    add("# Benchmarks\n")
    add(
        "Written by `python -m benchmarks` (install the peers with `pip install -e '.[bench]'`). "
        "Everything below was measured **side by side in one run** on the machine described, "
        f"each figure the **median of {config['rounds']} rounds** or more (a small document is "
        "run in a batch so that each timing spans ≥ 20 ms, and a case whose rounds are that "
        "short gets more of them, up to 15 or 0.5 s in all). Every delta is read the way a live UI "
        "reads it: the partial value after every delta. Before a peer is timed, its partial "
        "value is **checked against the true prefix after every delta** by an independent "
        "reference reader (`benchmarks/oracle.py`; every delta up to 128 KiB, beyond that the "
        "growing tail after ~2,000 evenly spread deltas and the whole value at the end): a "
        "growing string must show exactly the "
        "characters received, not a stale prefix; a peer that fails is marked *incorrect*, with "
        "the first disagreement, and is not timed. A run estimated past the budget "
        f"({config['budget']:g} s) is skipped and marked so.\n"
    )
    busy = machine.get("busy")
    if busy:
        add(f"> **The machine was busy during this run** ({busy}): figures are not final.\n")
    if config.get("quick"):
        add(
            "> **Quick run** (`--quick`): small sizes and short runs, a smoke check. The figures "
            "are not the suite's results.\n"
        )
    add("## Machine\n")
    add("| | |\n|---|---|")
    for key, value in machine.items():
        if key not in ("versions", "busy"):
            add(f"| {key} | {value} |")
    add("\n| package | version |\n|---|---|")
    for key, value in machine["versions"].items():
        add(f"| {key} | {value} |")
    add("")
    add("## The issue's targets\n")
    add("| target | verdict | measured |\n|---|---|---|")
    for target, verdict, measured in targets(results):
        add(f"| {target} | {verdict} | {measured} |")
    add("")
    _peer_tables(rows, add, notes)
    _layer_tables(rows, add)
    _scale_table(rows, add)
    if notes:
        add("## Why peers are marked incorrect\n")
        add(
            "The first disagreement with the true prefix (path, then what was shown), per "
            "peer and case. `$` is the document root.\n"
        )
        for text, mark in notes.items():
            add(f"{mark}. {text}")
        add("")
    add("## How each peer is called\n")
    add("| peer | kind | call | version |\n|---|---|---|---|")
    for peer in PEERS:
        add(f"| {peer.name} | {peer.kind} | `{peer.how}` | {peer.version} |")
    add("")
    if plots:
        add("## Plots\n")
        for plot in plots:
            add(f"![{Path(plot).stem}]({plot})\n")
    add("## Running it\n")
    add(
        "```\npip install -e '.[bench]'\npython -m benchmarks                 # the full suite "
        "(writes this page, the plots and benchmarks/results/latest.json)\n"
        "python -m benchmarks --quick         # a smoke run, < 2 minutes\n"
        "python -m benchmarks --help          # sizes, rounds, budget, sections\n```\n"
    )
    add(f"This run: `{config['command']}`.\n")
    add("## The compiled build\n")
    add(
        "partialjson is pure Python by default: a plain `pip install` (wheel or sdist) needs no "
        "compiler. An optional build compiles the modules a delta goes through (the parser, the "
        "SSE decoder, the Chat Completions adapter, the lifecycle, the typed view, the relay's "
        f"reads, its loop and its patch encoder: {_compiled_modules()}) from the same source with "
        "[mypyc](https://mypyc.readthedocs.io), as "
        "black and mypy ship; it needs a C compiler and the Python headers (Debian: `apt-get "
        "install gcc python3-dev`). It behaves exactly as the pure build (the whole test suite "
        "runs on both), which stays the reference.\n"
    )
    add(
        "```\n# from PyPI: build from the sdist, not the pure wheel or a cached build\n"
        "PARTIALJSON_COMPILE=1 pip install --no-binary partialjson-stream --no-cache-dir "
        "partialjson-stream\n"
        "PARTIALJSON_COMPILE=1 pip install -e .    # a checkout, built in place\n"
        "python -c 'import partialjson; print(partialjson.COMPILED)'   # True\n"
        "PARTIALJSON_PURE=1 python ...             # the pure-Python modules, even so\n```\n"
    )
    add(
        "A failed compile fails the install (it never turns pure silently). In a checkout, the "
        "in-place build is used only while it matches the sources: once a compiled module's "
        "`.py` changes, the pure modules load, with a warning, until it is rebuilt. When the "
        "compiled build is loaded, this suite also times the pure-Python modules side by side "
        "(*partialjson (pure Python)*), and the *Machine* table says which build ran.\n"
    )
    return "\n".join(out)


def _peer_tables(rows: Rows, add: Any, notes: dict[str, int]) -> None:
    peers = _select(rows, section="peers")
    names = [p.name for p in PEERS if _select(peers, peer=p.name)]
    timed = [
        n for n in names if any(r["status"] != "not installed" for r in _select(peers, peer=n))
    ]
    for cut, key, unit in (
        ("tokens", "us_per_delta", "µs per delta"),
        ("64KiB", "mb_per_s", "MB/s"),
    ):
        cases = sorted(
            {(r["workload"], r["nominal"]) for r in peers if r["cut"] == cut},
            key=lambda c: (c[0], c[1]),
        )
        if not cases:
            continue
        title = "Token-sized deltas" if cut == "tokens" else "64 KiB chunks"
        add(f"## {title}: {unit} (median)\n")
        add(
            (
                "Token deltas are 1–8 characters (as a model streams), the value read after "
                "each one."
                if cut == "tokens"
                else "The document in 64 KiB pieces (as network reads deliver a body)."
            )
            + " ijson gives events only (its final value, rebuilt from the events, is "
            "checked); the floors parse the final text once (their cost is spread over the "
            "deltas) and are checked on it. *incorrect [n]*: see the notes below; *skipped*: "
            "the run was estimated past the budget; *–*: not run at this size (partialjson and "
            "the floors only).\n"
        )
        add("| workload | size | deltas | " + " | ".join(timed) + " |")
        add("|---|---:|---:|" + "---:|" * len(timed))
        for workload, nominal in cases:
            found = {
                r["peer"]: r for r in _select(peers, workload=workload, nominal=nominal, cut=cut)
            }
            any_row = next(iter(found.values()))
            cells = [_cell(found.get(n), key, notes) for n in timed]
            add(
                f"| {workload} | {size_label(nominal)} ({any_row['size'] / 1024:,.0f} KiB) | "
                f"{any_row['deltas']:,} | " + " | ".join(cells) + " |"
            )
        add("")
        # Ratios to partialjson, side by side.
        add(f"{title}, each peer's cost / partialjson's (> 1: partialjson is faster):\n")
        others = [n for n in timed if n != "partialjson"]
        add("| workload | size | " + " | ".join(others) + " |")
        add("|---|---:|" + "---:|" * len(others))
        for workload, nominal in cases:
            found = {
                r["peer"]: r for r in _select(peers, workload=workload, nominal=nominal, cut=cut)
            }
            mine = found.get("partialjson")
            cells = []
            for name in others:
                row = found.get(name)
                if mine and row and mine["status"] == "ok" and row["status"] == "ok":
                    cells.append(f"{row['seconds'] / mine['seconds']:.2f}×")
                elif row is None or row["status"] == "ok" or row["status"] == "not run":
                    cells.append("–")
                else:
                    cells.append("–" if row is None else row["status"])
            add(f"| {workload} | {size_label(nominal)} | " + " | ".join(cells) + " |")
        add("")
    recorded = _select(peers, workload="recorded")
    if recorded:
        add("## The recorded provider streams\n")
        add(
            "Every JSON channel of `tests/fixtures/streams/*.sse` (structured output and tool "
            "arguments, from OpenAI Responses and Chat Completions and Anthropic Messages), cut "
            "exactly where the provider cut it; truncated channels are checked, not timed.\n"
        )
        add("| peer | deltas | µs per delta | MB/s |\n|---|---:|---:|---:|")
        for row in recorded:
            if row["status"] == "ok":
                cost, speed = _fmt(row["us_per_delta"]), _fmt(row["mb_per_s"])
                add(f"| {row['peer']} | {row['deltas']:,} | {cost} | {speed} |")
            else:
                add(
                    f"| {row['peer']} | {row['deltas']:,} | {_cell(row, 'us_per_delta', notes)} | |"
                )
        add("")


def _layer_tables(rows: Rows, add: Any) -> None:
    layers = _select(rows, section="layers")
    if not layers:
        return
    add("## Every layer, per delta (partialjson)\n")
    add(
        "µs per token-sized delta through each public layer; *relay B/delta* is what a browser "
        "downloads per delta; *SSE* is `SSEDecoder` over 64 KiB reads of the Chat Completions "
        "body (MB/s of SSE bytes); *final* is `TypedParser.finish()` / "
        "`TypeAdapter(T).validate_json(text)` on the same text. *stream* is "
        "`stream(events, T)` iterated (SSE → decoder → adapter → lifecycle → typed view), "
        "*relay* is `relay()` over it. The typed peers re-validate the buffer into the same "
        "type on every delta; their partial values are typed differently by design (pydantic "
        "drops an item until its required fields arrive, langchain shows nothing until the "
        "model validates), so they are checked on their final value only. Types: records "
        "`list[Record]`, form `Form`, nested `Any` (`benchmarks/workloads.py`).\n"
    )
    order = ["core", "typed view", "status", "stream", "relay"]
    peers = sorted({r["layer"] for r in layers if "typed peer" in r["layer"]})
    add(
        "| workload | size | "
        + " | ".join(order)
        + " | relay B/delta | SSE MB/s | final | "
        + " | ".join(peers)
        + " |"
    )
    add("|---|---:|" + "---:|" * (len(order) + 3 + len(peers)))
    cases = sorted({(r["workload"], r["nominal"]) for r in layers})
    for workload, nominal in cases:
        found = {r["layer"]: r for r in _select(layers, workload=workload, nominal=nominal)}

        def cell(layer: str, key: str, suffix: str = "", found: Any = found) -> str:
            row = found.get(layer)
            if row is None:
                return "–"
            if row["status"] != "ok":
                return f"{row['status']} ({row.get('reason', '')})"
            return _fmt(row[key]) + suffix

        cells = [cell(layer, "us_per_delta") for layer in order]
        cells.append(cell("relay", "relay_bytes_per_delta"))
        cells.append(cell("SSE decoding", "mb_per_s"))
        cells.append(cell("final validation", "ratio", "×"))
        cells += [cell(layer, "us_per_delta") for layer in peers]
        add(f"| {workload} | {size_label(nominal)} | " + " | ".join(cells) + " |")
    add("")


_STEADY = (
    '**Steady state** (the issue\'s "one core carries N streams"): N clients, each running '
    "responses back to back (a new one starts when its previous one ends, as a server sees "
    "requests keep coming), the first starts spread over one response's length; after that "
    "warm-up N responses are always open and new ones start at the steady rate, so each "
    "response's setup is paid at the rate a server pays it. Measured over a window after the "
    "warm-up (twice a response's length, at least 2 s): CPU per delta over the deltas read "
    "while the CPU was measured, latency over the deltas due inside the window. A loop that "
    "falls behind its whole window is measured over the whole run and marked overloaded.\n"
)
_BURST = (
    "**Burst**: all N responses start within 20 ms and run once, measured whole: what a server "
    "sees when N clients arrive at once (a deploy, a reconnect storm). The first deltas queue "
    "behind N response setups, so the p99 measures that backlog as much as the per-delta "
    "cost.\n"
)


_TUNED = (
    "**Garbage collector tuned** (steady state again): the process calls `gc.freeze()` once "
    "it has imported and warmed up, and `gc.set_threshold"
    f"({', '.join(f'{t:_}' for t in TUNED_THRESHOLDS)})`, as a server may at start-up. Why it "
    "matters: CPython's first threshold (700) counts allocations less deallocations, and an "
    "open stream keeps about 16 objects alive across each wait for its next delta, made anew "
    "every delta (asyncio's future and wake-up, the network's read, the relay's steps). So "
    "the youngest generation holds ~16 per open stream, each of its collections (dozens a "
    "second, set off by new responses) walks them all and moves them on, and the older "
    "generations' collections walk them again: pauses of several ms to tens of ms. A response "
    "read to its end leaves no reference cycle (`tests/test_reference_cycles.py`): reference "
    "counting frees it, so collecting less often holds no more of partialjson's memory.\n"
)


def _scale_table(rows: Rows, add: Any) -> None:
    scale = _scale(rows, "scale")
    burst = _scale(rows, "scale-burst")
    tuned = _scale(rows, "scale", "tuned")
    if not scale and not burst:
        return
    add("## Many streams at once (one process, one core)\n")
    add(
        f"N concurrent responses, each one Chat Completions SSE event every {1000 / RATE:.0f} ms "
        f"({RATE:.0f} deltas/s), through the full path `arelay(stream(source, Form))` under "
        "asyncio (`benchmarks/streams_at_scale.py`). *Added latency*: from the moment a delta "
        "was due to the relay's first bytes for it; *CPU µs/delta*: process CPU time / deltas, "
        "and apart what the simulation costs alone (the same streams read bare: the simulated "
        "network's wake-ups, one per 0.5 ms tick as an event loop's poll returns every socket "
        "that became ready, and the task switches, in a run of its own) and the difference, "
        "*partialjson µs/delta*; "
        "*core load*: CPU time / wall time; *demand*: the cores the load would need; "
        "*KiB/stream*: resident memory at the busiest moment minus before the streams started, "
        "/ N; *GC pauses*: the garbage collector's collections inside the measured window, and "
        "the longest (each delays every delta due while it runs). Each count runs in a fresh "
        "process.\n"
    )
    for selected, text in ((scale, _STEADY), (burst, _BURST), (tuned, _TUNED)):
        if selected:
            add(text)
            _scale_rows(selected, add)
    # The busiest steady run the core kept up with: a quiet loop pays for wake-ups a busy one
    # shares.
    basis_rows = scale or burst
    calm = [r for r in basis_rows if not r["overloaded"] and r["core_load"] < 0.9]
    basis = max(calm or basis_rows[:1], key=lambda r: r["streams"])
    per_core = streams_per_core(basis["cpu_us_per_delta"])
    path = basis.get("path_us_per_delta")
    add(
        f"**Scale-out.** At {basis['cpu_us_per_delta']:.0f} µs of CPU per delta (the "
        f"{basis['streams']:,}-stream {basis.get('mode', 'steady')} run"
        + (f"; partialjson's own share {path:.0f} µs" if path is not None else "")
        + f"), one core carries about **{per_core:,} streams** at "
        f"{RATE:.0f} deltas/s while staying at 70 % load (headroom for a low p99). Streams are "
        "independent, so capacity scales out by processes: one process per core behind an ASGI "
        f"server (e.g. `uvicorn --workers N`), about {per_core:,} × cores streams per machine, "
        "and more machines behind a load balancer, with resumable streams kept in Redis so a "
        "client that reconnects to another instance resumes where it was.\n"
    )


def _scale_rows(scale: Rows, add: Any) -> None:
    add(
        "| streams | deltas | CPU µs/delta | simulation alone | partialjson µs/delta | core load "
        "| demand (cores) | KiB/stream | p50 ms | p99 ms | GC pauses (longest ms) "
        "| relay B/delta |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for row in scale:
        state = " (overloaded)" if row["overloaded"] else ""
        floor, path = row.get("floor_us_per_delta"), row.get("path_us_per_delta")
        apart = "– | – | " if floor is None or path is None else f"{floor:.1f} | {path:.1f} | "
        add(
            f"| {row['streams']:,} | {row['deltas']:,}{state} | {row['cpu_us_per_delta']:.1f} | "
            + apart
            + f"{row['core_load']:.2f} | {row['demand_cores']:.2f} | "
            f"{row['memory_per_stream_kib']:.1f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | "
            + (
                f"{row['gc_pauses']} ({row['gc_pause_ms_max']:.1f}) | "
                if "gc_pauses" in row
                else "– | "
            )
            + f"{row['relay_bytes_per_delta']:.0f} |"
        )
    add("")


# ---------------------------------------------------------------------------- plots


def plots(results: dict[str, Any], folder: Path, prefix: str) -> list[str]:
    """Write the PNG plots; returns their paths relative to docs/ (``[]`` without matplotlib)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    rows: Rows = results["rows"]
    peers = _select(rows, section="peers")
    written = []
    workloads = sorted({r["workload"] for r in peers if r["workload"] != "recorded"})
    palette = plt.get_cmap("tab20").colors
    colors = {peer.name: palette[i * 2 % 20 + i * 2 // 20] for i, peer in enumerate(PEERS)}
    for cut, key, ylabel in (
        ("tokens", "us_per_delta", "µs per delta (median)"),
        ("64KiB", "mb_per_s", "MB/s (median)"),
    ):
        shown = [wl for wl in workloads if _select(peers, workload=wl, cut=cut, status="ok")]
        if not shown:
            continue
        figure, axes = plt.subplots(1, len(shown), figsize=(5.2 * len(shown), 5.0), squeeze=False)
        notes: list[tuple[Any, list[str]]] = []
        for axis, workload in zip(axes[0], shown):
            wrong = []
            for peer in PEERS:
                points = sorted(
                    (r["size"], r[key])
                    for r in _select(peers, workload=workload, cut=cut, peer=peer.name, status="ok")
                )
                if any(
                    r["status"] == "incorrect"
                    for r in _select(peers, workload=workload, cut=cut, peer=peer.name)
                ):
                    wrong.append(peer.name)
                if not points:
                    continue
                style = "-o" if peer.kind == "ours" else ("--." if peer.kind == "floor" else "-.^")
                axis.plot(
                    [p[0] / 1024 for p in points],
                    [p[1] for p in points],
                    style,
                    label=peer.name,
                    color=colors[peer.name],
                    linewidth=2.4 if peer.kind == "ours" else 1.2,
                    markersize=4 if peer.kind == "ours" else 3,
                )
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel("document size (KiB)")
            axis.set_ylabel(ylabel)
            title = f"{workload}, {'token-sized deltas' if cut == 'tokens' else '64 KiB chunks'}"
            axis.set_title(title, fontsize=10)
            axis.grid(True, which="both", alpha=0.3)
            notes.append((axis, wrong))
        handles, labels = [], []
        for axis in axes[0]:
            for handle, label in zip(*axis.get_legend_handles_labels()):
                if label not in labels:
                    handles.append(handle)
                    labels.append(label)
        figure.legend(handles, labels, loc="lower center", ncol=min(6, len(labels)), fontsize=7)
        figure.tight_layout(rect=(0, 0.18, 1, 1))
        for axis, wrong in notes:  # after the layout, which would shrink the axes for them
            if wrong:
                lines = [", ".join(wrong[i : i + 3]) for i in range(0, len(wrong), 3)]
                axis.text(
                    0.0,
                    -0.17,
                    "incorrect, not timed: " + ",\n".join(lines),
                    transform=axis.transAxes,
                    fontsize=6.5,
                    va="top",
                )
        name = f"{prefix}{'per-delta' if cut == 'tokens' else 'chunks'}.png"
        figure.savefig(folder / name, dpi=110)
        plt.close(figure)
        written.append(name)
    layers = _select(rows, section="layers", status="ok")
    per_delta = [r for r in layers if "us_per_delta" in r]
    if per_delta:
        shown = sorted({r["workload"] for r in per_delta})
        figure, axes = plt.subplots(1, len(shown), figsize=(5.2 * len(shown), 4.4), squeeze=False)
        names = sorted({r["layer"] for r in per_delta})
        layer_colors = {name: plt.get_cmap("tab10").colors[i % 10] for i, name in enumerate(names)}
        for axis, workload in zip(axes[0], shown):
            for layer in sorted({r["layer"] for r in per_delta if r["workload"] == workload}):
                points = sorted(
                    (r["size"], r["us_per_delta"])
                    for r in _select(per_delta, workload=workload, layer=layer)
                )
                axis.plot(
                    [p[0] / 1024 for p in points],
                    [p[1] for p in points],
                    "-o" if "peer" not in layer else "-.",
                    label=layer,
                    color=layer_colors[layer],
                    markersize=3,
                )
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel("document size (KiB)")
            axis.set_ylabel("µs per delta (median)")
            axis.set_title(f"{workload}: every layer", fontsize=10)
            axis.grid(True, which="both", alpha=0.3)
            axis.legend(fontsize=6)
        figure.tight_layout()
        name = f"{prefix}layers.png"
        figure.savefig(folder / name, dpi=110)
        plt.close(figure)
        written.append(name)
    scale = _scale(rows, "scale")
    if scale:
        figure, axis = plt.subplots(figsize=(5.5, 4))
        for selected, mode, style in (
            (scale, "steady state", "-o"),
            (_scale(rows, "scale-burst"), "burst", ":o"),
            (_scale(rows, "scale", "tuned"), "steady, GC tuned", "--s"),
        ):
            xs = [r["streams"] for r in selected]
            for q in ("p50", "p99"):
                ys = [max(r[f"{q}_ms"], 1e-3) for r in selected]
                axis.plot(xs, ys, style, label=f"{q} added latency, {mode}")
        axis.axhline(TARGET_P99 * 1e3, color="grey", linestyle="--", label="target p99 10 ms")
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("concurrent streams (50 deltas/s each, one core)")
        axis.set_ylabel("ms")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
        figure.tight_layout()
        name = f"{prefix}streams.png"
        figure.savefig(folder / name, dpi=110)
        plt.close(figure)
        written.append(name)
    return written


def _compiled_modules() -> str:
    """The modules the compiled build compiles, as the page lists them."""
    from partialjson._build import COMPILED_MODULES

    return ", ".join(f"`{name.removeprefix('partialjson.')}`" for name in COMPILED_MODULES)

"""Section 1: partialjson beside every peer, per delta, on every workload and size, in one run.

For each case (workload × size × cut) and each peer: estimate the run (skip it past the budget),
check the partial value after every delta against the true prefix (a wrong peer is marked
*incorrect*, with the first disagreement, and not timed), then time it: medians of ``rounds``.
The issue's ratios are measured once more interleaved (:func:`~.measure.paired_ratio`):
partialjson against ``json.loads`` on 64 KiB chunks, jiter against partialjson on token
deltas at 1 KB — kept on partialjson's row — and partialjson's flatness, its cost per token
delta at 1 MB against 1 KB (both builds), kept on its 1 MB row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from . import workloads as w
from .measure import estimate, median, paired_ratio, timings, verify
from .peers import PEERS, Peer


@dataclass
class Case:
    workload: str
    nominal: int  # the size asked for (1 KB, 10 KB...)
    cut: str  # tokens | 64KiB
    text: str
    deltas: list[str]


def cases(sizes: list[int], big: list[int], workloads: list[str]) -> list[Case]:
    """Generated cases: token deltas at every size, 64 KiB chunks from 100 KB; ``big`` sizes are
    for partialjson and the floors only."""
    out = []
    for workload in workloads:
        for size in sizes + big:
            text = w.document(workload, size)
            out.append(Case(workload, size, "tokens", text, w.token_deltas(text)))
            if size >= 100 * w.KB:
                out.append(Case(workload, size, "64KiB", text, w.chunks(text)))
    return out


def size_label(size: int) -> str:
    if size >= w.MB:
        return f"{size // w.MB} MB"
    return f"{size // w.KB} KB"


def _row(case: Case, peer: Peer, **fields: Any) -> dict[str, Any]:
    return {
        "section": "peers",
        "workload": case.workload,
        "size": len(case.text),
        "nominal": case.nominal,
        "label": size_label(case.nominal) if case.nominal else "real",
        "cut": case.cut,
        "peer": peer.name,
        "kind": peer.kind,
        "deltas": len(case.deltas),
        **fields,
    }


def run_case(
    case: Case,
    peer: Peer,
    rounds: int,
    budget: float,
    big_sizes: set[int],
    log: Callable[[str], None],
) -> dict[str, Any]:
    loaded = peer.entry_points()
    if loaded is None:
        return _row(case, peer, status="not installed", reason=peer.missing)
    if case.nominal in big_sizes and peer.kind not in ("ours", "floor"):
        return _row(
            case, peer, status="not run", reason="partialjson and the floors only at this size"
        )
    run, values = loaded
    final = json.loads(case.text)
    # partialjson is estimated too (a regression must not stall the run), with a larger budget:
    # its figures are the point of the table.
    limit = budget * 10 if peer.kind == "ours" else budget
    guess = 0.0 if peer.kind == "floor" else estimate(run, case.deltas, limit)
    if guess > limit:
        return _row(case, peer, status="skipped", reason=f"est. {guess:.0f} s a run")
    if values is not None:
        why = verify(values, case.deltas, final)
        if why:
            return _row(case, peer, status="incorrect", reason=why)
    try:
        times, result = timings(run, case.deltas, rounds)
    except Exception as error:
        return _row(case, peer, status="error", reason=f"{type(error).__name__}: {error}"[:200])
    if result != final:
        return _row(case, peer, status="incorrect", reason="the final value is not the document")
    seconds = median(times)
    return _row(
        case,
        peer,
        status="ok",
        checked="partial values" if values is not None else "final value",
        seconds=seconds,
        times=times,
        us_per_delta=seconds / len(case.deltas) * 1e6,
        mb_per_s=len(case.text.encode()) / seconds / 1e6,
    )


#: The ratios measured interleaved, kept on partialjson's row: (cut, nominal size or None for
#: any, the other peer, the key, whether partialjson is the numerator).
PAIRED = (
    ("64KiB", None, "json.loads (floor)", "paired_vs_floor", True),
    ("tokens", 1024, "jiter", "paired_jiter_over_ours", False),
)


def _pair(
    case: Case, timed: dict[str, dict[str, Any]], peers: dict[str, Peer], log: Callable[[str], None]
) -> None:
    """The issue's ratios for ``case`` again, interleaved (see :func:`paired_ratio`), when both
    sides were timed."""
    ours = timed.get("partialjson")
    if ours is None:
        return
    for cut, nominal, other, key, ours_first in PAIRED:
        if case.cut != cut or (nominal is not None and case.nominal != nominal):
            continue
        if other not in timed:
            continue
        mine, theirs = peers["partialjson"].entry_points(), peers[other].entry_points()
        assert mine is not None and theirs is not None  # both were timed
        a, b = (mine[0], theirs[0]) if ours_first else (theirs[0], mine[0])
        ratios = paired_ratio(partial(a, case.deltas), partial(b, case.deltas))
        ours[key] = median(ratios)
        ours[f"{key}_ratios"] = ratios
        log(
            f"{case.workload:8} {size_label(case.nominal):>6} {case.cut:8} "
            f"{'partialjson / ' + other if ours_first else other + ' / partialjson':40} "
            f"{ours[key]:.2f}× interleaved (median of {len(ratios)} pairs)"
        )


#: The sizes the issue's flatness compares (token deltas): the largest per delta / the smallest.
FLAT_SIZES = (1 * w.KB, 1 * w.MB)


def _flatness(
    by_case: dict[tuple[str, int], tuple[Case, dict[str, dict[str, Any]]]],
    peers: dict[str, Peer],
    log: Callable[[str], None],
) -> None:
    """partialjson's cost per delta at 1 MB / at 1 KB, measured interleaved (see
    :func:`paired_ratio`), for each workload and build timed at both sizes; kept on the 1 MB
    row as ``paired_flat``."""
    small, large = FLAT_SIZES
    for workload in sorted({key[0] for key in by_case}):
        if (workload, small) not in by_case or (workload, large) not in by_case:
            continue
        (few, few_timed), (many, many_timed) = by_case[workload, small], by_case[workload, large]
        for name in ("partialjson", "partialjson (pure Python)"):
            row = many_timed.get(name)
            if row is None or name not in few_timed:
                continue
            loaded = peers[name].entry_points()
            assert loaded is not None  # it was timed
            run = loaded[0]
            ratios = [
                ratio * len(few.deltas) / len(many.deltas)  # per delta
                for ratio in paired_ratio(partial(run, many.deltas), partial(run, few.deltas))
            ]
            row["paired_flat"] = median(ratios)
            row["paired_flat_ratios"] = ratios
            log(
                f"{workload:8} {size_label(large):>6} tokens   {name + ' per delta / at 1 KB':40} "
                f"{row['paired_flat']:.2f}× interleaved (median of {len(ratios)} pairs)"
            )


def run_recorded(peer: Peer, rounds: int, log: Callable[[str], None]) -> dict[str, Any]:
    """The recorded streams' JSON channels, each cut where the provider cut it."""
    channels = w.recorded_channels()
    case = Case("recorded", 0, "provider", "".join(c.text for c in channels), [])
    case.deltas = [d for c in channels for d in c.deltas]
    loaded = peer.entry_points()
    if loaded is None:
        return _row(case, peer, status="not installed", reason=peer.missing)
    run, values = loaded
    if values is not None:
        for channel in channels:
            deltas = list(channel.deltas)
            final = json.loads(channel.text) if channel.complete else None
            why = verify(values, deltas, final, complete=channel.complete)
            if why:
                reason = f"{channel.stream} ({channel.name}): {why}"
                return _row(case, peer, status="incorrect", reason=reason)
    complete = [list(c.deltas) for c in channels if c.complete]
    expected = [json.loads("".join(c)) for c in complete]
    try:
        times, result = timings(lambda chs: [run(c) for c in chs], complete, rounds)
    except Exception as error:
        return _row(case, peer, status="error", reason=f"{type(error).__name__}: {error}"[:200])
    if result != expected:
        return _row(case, peer, status="incorrect", reason="a final value is not the document")
    seconds = median(times)
    count = sum(map(len, complete))
    return _row(
        case,
        peer,
        status="ok",
        checked="partial values" if values is not None else "final value",
        deltas=count,
        seconds=seconds,
        times=times,
        us_per_delta=seconds / count * 1e6,
        mb_per_s=sum(len("".join(c).encode()) for c in complete) / seconds / 1e6,
    )


def run_all(
    sizes: list[int],
    big: list[int],
    workloads: list[str],
    rounds: int,
    budget: float,
    log: Callable[[str], None],
    peers: list[Peer] = PEERS,
) -> list[dict[str, Any]]:
    rows = []
    by_case: dict[tuple[str, int], tuple[Case, dict[str, dict[str, Any]]]] = {}
    for case in cases(sizes, big, workloads):
        timed: dict[str, dict[str, Any]] = {}
        for peer in peers:
            row = run_case(case, peer, rounds, budget, set(big), log)
            log(format_row(row))
            rows.append(row)
            if row["status"] == "ok":
                timed[peer.name] = row
        _pair(case, timed, {peer.name: peer for peer in peers}, log)
        if case.cut == "tokens":
            by_case[case.workload, case.nominal] = (case, timed)
    _flatness(by_case, {peer.name: peer for peer in peers}, log)
    for peer in peers:
        row = run_recorded(peer, rounds, log)
        log(format_row(row))
        rows.append(row)
    return rows


def format_row(row: dict[str, Any]) -> str:
    head = (
        f"{row['workload']:8} {row.get('label', ''):>6} {row['cut']:8} {row['peer']:30} "
        f"{row['deltas']:>8}"
    )
    if row["status"] == "ok":
        return f"{head} {row['us_per_delta']:10.2f} µs/delta {row['mb_per_s']:9.1f} MB/s"
    return f"{head} {row['status']}: {row.get('reason', '')}"

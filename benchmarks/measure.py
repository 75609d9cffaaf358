"""Timing and checking, shared by every section of the suite.

* :func:`timings` — seconds per whole run, several rounds (a small document is run in a batch so
  that each timing spans at least ``min_time``); the suite reports medians.
* :func:`estimate` — how long one run would take, from two short prefixes (the growth exponent is
  fitted, so re-parsers are seen to be quadratic and incremental parsers linear); runs past the
  budget are skipped and marked so.
* :func:`verify` — feeds the deltas to a peer and checks its partial value against the
  :class:`~benchmarks.oracle.Reference` after every delta (every delta up to ``FULL_CHECK``
  characters, whole values compared; beyond, the growing tail after each of ~2,000 evenly spread
  deltas and the whole value at the end).
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from typing import Any, Callable, Optional

from .oracle import Reference, disagreement, short_path

FULL_CHECK = 128 * 1024
SAMPLES = 2000


#: A case whose rounds are short gets more of them, up to ``MAX_ROUNDS`` or until its rounds
#: add up to ``SHORT_TOTAL`` seconds: a 20 ms round on a shared VM can be off by 30 %, and the
#: median of three such rounds moves with it, while fifteen cost well under a second.
SHORT_TOTAL = 0.5
MAX_ROUNDS = 15


def timings(
    run: Callable[[Any], Any], arg: Any, rounds: int, min_time: float = 0.02
) -> tuple[list[float], Any]:
    """Seconds per run for at least ``rounds`` rounds, and the last run's result. The first run
    warms up and sizes the batch; a run longer than 2 s counts as a round itself, and such runs
    get at most 3 rounds (a 1 MB re-parse is not repeated 7 times). Short cases get more
    rounds, up to ``MAX_ROUNDS`` while they add up to less than ``SHORT_TOTAL`` seconds."""
    start = time.perf_counter()
    result = run(arg)
    first = time.perf_counter() - start
    out = []
    if first > 2.0:
        out.append(first)
        rounds = min(rounds, 3)
    batch = max(1, int(min_time / max(first, 1e-7)))
    spent = 0.0
    while len(out) < rounds or (spent < SHORT_TOTAL and len(out) < MAX_ROUNDS):
        gc.collect()
        start = time.perf_counter()
        for _ in range(batch):
            result = run(arg)
        elapsed = time.perf_counter() - start
        spent += elapsed
        out.append(elapsed / batch)
    return out, result


#: Paired rounds of a ratio measured interleaved (see :func:`paired_ratio`).
PAIRS = 21


def paired_ratio(
    run_a: Callable[[], Any],
    run_b: Callable[[], Any],
    pairs: int = PAIRS,
    min_time: float = 0.02,
) -> list[float]:
    """``a``'s time / ``b``'s time, measured interleaved: ``pairs`` rounds, each timing a batch
    of ``a`` then a batch of ``b`` right after. A ratio of two medians measured seconds apart
    moves with the host (on a shared VM a slow spell of a few seconds slows one of them by up
    to 2×); a pair's two batches run under the same conditions, so the median of the pairs'
    ratios does not."""
    batches = []
    for run in (run_a, run_b):  # warm up and size each batch
        start = time.perf_counter()
        run()
        batches.append(max(1, int(min_time / max(time.perf_counter() - start, 1e-7))))
    ratios = []
    for _ in range(pairs):
        spent = []
        for run, batch in zip((run_a, run_b), batches):
            gc.collect()
            start = time.perf_counter()
            for _ in range(batch):
                run()
            spent.append((time.perf_counter() - start) / batch)
        ratios.append(spent[0] / spent[1])
    return ratios


def _probe(run: Callable[[list[str]], Any], deltas: list[str]) -> float:
    start = time.perf_counter()
    with contextlib.suppress(Exception):  # a peer failing on a prefix still took its time
        run(deltas)
    return time.perf_counter() - start


def estimate(run: Callable[[list[str]], Any], deltas: list[str], budget: float = 20.0) -> float:
    """Estimated seconds for one whole run, from prefixes of doubling length (1 %, 2 %, 4 %...)
    until a probe takes a twentieth of the budget or a tenth of the deltas: the growth exponent
    between the last two probes (1 to 2) extrapolates it, so a re-parser is seen to be
    quadratic and an incremental parser linear, and no probe costs much."""
    n = len(deltas)
    if n < 200:
        return 0.0
    length = max(2, n // 100)
    spent, exponent = _probe(run, deltas[:length]), 2.0
    while spent < budget / 40 and length * 2 <= n // 10:
        before = min(spent, _probe(run, deltas[:length]))  # best of two: the machine is noisy
        length *= 2
        spent = min(_probe(run, deltas[:length]), _probe(run, deltas[:length]))
        exponent = min(2.0, max(1.0, math.log2(max(spent, 1e-9) / max(before, 1e-9))))
    return spent * (n / length) ** exponent


def verify(
    values: Callable[[list[str]], Any],
    deltas: list[str],
    final: Any,
    complete: bool = True,
) -> str:
    """Why the peer's partial values are wrong ("" if right after every checked delta)."""
    total = sum(map(len, deltas))
    full = total <= FULL_CHECK
    step = 1 if full else max(1, len(deltas) // SAMPLES)
    reference = Reference()
    last = len(deltas) - 1
    received = 0
    shown: Any = None
    try:
        for i, (delta, shown) in enumerate(zip(deltas, values(deltas))):
            reference.feed(delta)
            received += len(delta)
            if i % step == 0 or i == last:
                why = disagreement(shown, reference.value, final, full=full or i == last)
                if why:
                    where, _, what = why.partition(": ")
                    why = f"{short_path(where)}: {what}"
                    return f"after delta {i + 1} of {len(deltas)} ({received} characters): {why}"
    except Exception as error:
        return f"raised {type(error).__name__} at character {received}: {error}"[:300]
    if complete and shown != final:
        return "the value after the last delta is not the document"
    return ""


def median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values: list[float], q: float) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]

"""Section 3: many streams at once on one core — the full path, under asyncio.

N simulated responses run concurrently in one process (one core: the GIL), each an async source
that delivers one OpenAI Chat Completions SSE event every 20 ms (50 deltas/s, a fast model),
read the way a backend relays an answer to a browser::

    async for chunk in partialjson.arelay(partialjson.stream(source, Form)):
        ...  # would be written to the browser's response

— SSE bytes → SSE decoder → provider adapter → lifecycle → typed view → relay. A source waits for
its next delta the way a read on a server's network does: woken by one event when data arrives,
arrivals grouped per 0.5 ms tick as an event loop's poll returns the sockets that became readable
(:class:`_Network`; a delta is never delivered before it is due, and the wait for the tick counts
in its latency). The older simulation, a timer per stream per delta, costs several µs per delta
that no server pays (``PARTIALJSON_SCALE_SIMULATION=timers`` measures that way).

Two modes, each a row per count:

* **steady** (the main row: the issue's "one core carries N streams" is a steady state) — N
  clients, each running streams back to back (a new response starts when its previous one ends,
  as a server sees requests keep coming), the first starts spread at random over one stream's
  length. After that warm-up N streams are always open and new ones start at the steady rate
  N / length, so each stream's setup (``stream()``, the typed parser, the relay) is paid at the
  rate a server pays it. Everything is measured over a window after the warm-up (twice a
  stream's length, at least 2 s): the CPU and wall time between its ends, the deltas due inside
  it, their latency.
* **burst** (``section: "scale-burst"``, an extra row) — all N streams start within 20 ms and run
  once: the whole run is measured. It is what a server sees when N clients arrive at once (a
  deploy, a reconnect storm after a network blip): the first deltas queue behind ~N stream
  setups, so its p99 measures the burst's backlog as much as the per-delta cost.

Measured:

* **CPU per delta** — process CPU time / deltas read in that time (``deltas_measured``: in a
  steady run, between the window's ends, whenever they were due); and apart, what the
  simulation costs alone (the same streams read bare, no partialjson: the network's wake-ups and
  asyncio's task switches) and the difference, what partialjson's path costs;
* **core load** — CPU time / wall time (1.0: the core is saturated);
* **memory per stream** — resident memory at the busiest moment (sampled every 50 ms) minus
  before the streams started, / N;
* **added latency** — from the moment a delta was due (its scheduled arrival) to the moment the
  relay produced the first bytes for it: parsing, validation, encoding and waiting for the loop.
  p50 and p99 over every delta (due inside the window) of every stream;
* **GC pauses** — the garbage collector's collections inside the window, how many and the longest
  (each delays every delta due while it runs).

A burst run that cannot finish within ``cap`` seconds of wall time is stopped and reported as
overloaded (the demand is then stated in cores: CPU per delta × 50 × N); a steady run is
overloaded when deltas due inside its window were not delivered within ``GRACE`` of its end.

Streams are independent, so capacity scales out by processes: one process per core behind an ASGI
server (uvicorn/gunicorn workers), with resumable streams shared across instances through Redis.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import json
import math
import os
import random
import subprocess
import sys
import time
from array import array
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Callable, Optional

import partialjson

from . import workloads as w
from .measure import percentile

_ROOT = Path(__file__).resolve().parent.parent
RATE = 50.0  # deltas per second per stream
TARGET_P99 = 0.010  # seconds
TICK = 0.0005  # seconds: the simulated network delivers what became due in each tick at once
#: ``"network"``: a read wakes by its future, arrivals grouped per tick (see :class:`_Network`);
#: ``"timers"``: a timer per stream per delta (``asyncio.sleep``).
SIMULATION = os.environ.get("PARTIALJSON_SCALE_SIMULATION", "network")
LOOP = os.environ.get("PARTIALJSON_SCALE_LOOP", "asyncio")
#: ``"default"``: the garbage collector as CPython sets it (the main figures); ``"freeze"``:
#: ``gc.freeze()`` once the process has imported and warmed up, as servers that preload do (the
#: objects that live as long as the process are no longer walked by every full collection);
#: ``"tuned"``: that and the thresholds :data:`TUNED_THRESHOLDS` (the extra steady rows).
GC_MODE = os.environ.get("PARTIALJSON_SCALE_GC", "default")
GC_MODES = ("default", "freeze", "tuned")
#: A server's collection thresholds for the ``"tuned"`` rows. Why the default's first (700)
#: costs a server with many streams open: it counts allocations less deallocations, and each
#: open stream keeps ~16 objects alive across every wait for its next delta (asyncio's future
#: and wake-up, the simulated network's read, the relay's steps), made anew each delta — so
#: the youngest generation holds ~16 per open stream, and each of its collections (dozens a
#: second, set off by new responses) walks them all and moves them to the older generations,
#: whose collections then walk them again. At 50,000 a collection of the youngest comes about
#: once per tens of thousands of objects that outlive their delta, not per 700.
TUNED_THRESHOLDS = (50_000, 20, 10)
VARIANTS = 8  # distinct documents shared by the streams (memory measures the streams, not data)
MODES = ("steady", "burst")
#: Seconds after a steady run's window during which the deltas due inside it may still arrive.
GRACE = 0.5


def _rss() -> int:
    """Resident memory of this process in bytes (Linux /proc; else the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Clock:
    """When the delta a stream is processing was due."""

    __slots__ = ("due", "index")

    def __init__(self) -> None:
        self.due = 0.0
        self.index = -1


class _Network:
    """The upstream connections, simulated as a server's network delivers data: a read that
    waits is woken by one event (``set_result`` on the future it waits on, as asyncio's
    transports wake a reader), not by a timer of its own. Arrivals are grouped in ticks of
    ``TICK`` seconds — as an event loop's poll returns every socket that became readable — by
    one timer for all the streams; a delta due within a tick is delivered at the tick's end
    (never before it was due: the wait counts in its latency).

    A timer per stream per delta (``asyncio.sleep``) costs the simulation several µs per delta
    (a heap of timer handles compared in Python), which no real server pays:
    ``SIMULATION = "timers"`` measures that way."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._slots: dict[int, list[asyncio.Future[None]]] = {}
        self._heap: list[int] = []  # the slots that have readers waiting, earliest first
        self._timer: Optional[asyncio.TimerHandle] = None
        self._armed = 0  # the slot the timer rings for

    def until(self, due: float) -> asyncio.Future[None]:
        """A future that is done once ``due`` (on the loop's clock) has passed."""
        slot = math.ceil(due / TICK)
        waiters = self._slots.get(slot)
        if waiters is None:
            waiters = self._slots[slot] = []
            heapq.heappush(self._heap, slot)
            if self._timer is None or slot < self._armed:
                self._arm(slot)
        future: asyncio.Future[None] = self._loop.create_future()
        waiters.append(future)
        return future

    def _arm(self, slot: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._armed = slot
        self._timer = self._loop.call_at(slot * TICK, self._ring)

    def _ring(self) -> None:
        self._timer = None
        now = self._loop.time()
        heap = self._heap
        while heap and heap[0] * TICK <= now + 1e-9:
            for future in self._slots.pop(heapq.heappop(heap)):
                if not future.done():  # cancelled if its stream was stopped at the cap
                    future.set_result(None)
        if heap:
            self._arm(heap[0])


class _Window:
    """The span of due times a run measures (a burst run: all of them), and whether the CPU is
    being measured (``open``, between the marks at its ends: the deltas read then are what that
    CPU time paid for, whenever they were due — a loop that lags reads them late)."""

    __slots__ = ("begin", "end", "open")

    def __init__(self, begin: float = -math.inf, end: float = math.inf) -> None:
        self.begin, self.end = begin, end
        self.open = False

    def __contains__(self, due: float) -> bool:
        return self.begin <= due < self.end


async def _source(
    events: list[bytes],
    start: float,
    clock: _Clock,
    counts: list[int],
    network: _Network,
    window: _Window,
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    interval = 1.0 / RATE
    timers = SIMULATION == "timers"
    for index, event in enumerate(events):
        due = start + index * interval
        delay = due - loop.time()
        if delay > 0:
            if timers:
                await asyncio.sleep(delay)
            else:
                await network.until(due)
        clock.due, clock.index = due, index
        if due in window:  # delivered (counted here, so a run stopped at the cap counts too)
            counts[0] += 1
        if window.open:
            counts[4] += 1
        counts[5] += 1
        yield event


async def _one(
    events: list[bytes],
    start: float,
    latencies: array[float],
    counts: list[int],
    bare: bool,
    network: _Network,
    window: _Window,
) -> None:
    loop = asyncio.get_running_loop()
    clock = _Clock()
    seen = -1
    source = _source(events, start, clock, counts, network, window)
    chunks = source if bare else partialjson.arelay(partialjson.stream(source, w.Form))
    async for chunk in chunks:
        if clock.index != seen:
            seen = clock.index
            if clock.due in window:
                latencies.append(loop.time() - clock.due)
        counts[1] += len(chunk)


def _due_in(window: _Window, start: float, count: int) -> int:
    """How many of a stream's ``count`` deltas, the first due at ``start``, are due inside."""
    return sum(1 for index in range(count) if start + index / RATE in window)


def _plan(variants: list[list[bytes]], first: int, start: float, end: float) -> list[int]:
    """A client's streams (indices into ``variants``) in order, back to back from ``start``:
    each one due a delta's interval after its previous one's last delta, until one would start
    at ``end`` or later. The schedule a server sees: requests keep coming whether or not it
    keeps up (a stream that is late starts late, and its latency says so)."""
    plan = []
    k = first
    while start < end:
        plan.append(k % VARIANTS)
        start += len(variants[k % VARIANTS]) / RATE
        k += 1
    return plan


async def _client(
    variants: list[list[bytes]],
    plan: list[int],
    start: float,
    latencies: array[float],
    counts: list[int],
    bare: bool,
    network: _Network,
    window: _Window,
) -> None:
    """The streams of ``plan`` back to back, the first due at ``start``."""
    for variant in plan:
        events = variants[variant]
        counts[3] += start in window  # streams started inside the window
        await _one(events, start, latencies, counts, bare, network, window)
        start += len(events) / RATE


async def _run(
    n: int, seconds: float, cap: float, bare: bool = False, mode: str = "steady"
) -> dict[str, Any]:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    loop = asyncio.get_running_loop()
    per_stream = max(2, int(seconds * RATE))
    # A form of about 4.5 characters per delta, so each stream lasts ``seconds``.
    variants = []
    for variant in range(VARIANTS):
        text = w.document("form", int(per_stream * 4.5), seed=variant)
        variants.append(w.sse_events(w.token_deltas(text, seed=variant)))
    for _ in partialjson.relay(partialjson.stream(variants[0], w.Form)):
        pass  # warm up: imports, the partial model class, adapters (once per process)
    if GC_MODE not in GC_MODES:
        raise ValueError(f"PARTIALJSON_SCALE_GC must be one of {GC_MODES}")
    if GC_MODE != "default":
        gc.collect()
        gc.freeze()
    if GC_MODE == "tuned":
        gc.set_threshold(*TUNED_THRESHOLDS)
    rng = random.Random(n)
    # An array of doubles, not a list of floats: the garbage collector walks a list's items (a
    # full collection would read every latency measured, a cost no server pays).
    latencies: array[float] = array("d")
    # Deltas due inside the window delivered, relay bytes sent, deltas due inside
    # the window, streams started inside it, deltas read while measuring, deltas read in all.
    counts = [0, 0, 0, 0, 0, 0]
    gc.collect()
    baseline = _rss()
    peak = [baseline]

    async def monitor() -> None:
        while True:
            peak[0] = max(peak[0], _rss())
            await asyncio.sleep(0.05)

    watcher = asyncio.ensure_future(monitor())
    begin = loop.time() + 0.05
    network = _Network(loop)
    steady = mode == "steady"
    length = sum(map(len, variants)) / VARIANTS / RATE  # a stream's mean length in seconds
    measured = max(2 * length, 2.0)
    window = _Window(begin + length, begin + length + measured) if steady else _Window()
    marks: list[tuple[float, float]] = []  # (CPU, wall) at the window's ends

    def mark() -> None:
        marks.append((time.process_time(), time.perf_counter()))
        window.open = len(marks) == 1

    # The garbage collector's pauses inside the window: a pause delays every delta due while
    # it runs, so the p99 reads with them.
    pauses: list[float] = []
    began = [0.0]

    def collecting(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        elif window.open:
            pauses.append(time.perf_counter() - began[0])

    gc.callbacks.append(collecting)

    run_start = (time.process_time(), time.perf_counter())
    if steady:
        loop.call_at(window.begin, mark)
        loop.call_at(window.end, mark)
        starts = [begin + rng.random() * length for _ in range(n)]
        plans = [_plan(variants, i, starts[i], window.end) for i in range(n)]
        for start, plan in zip(starts, plans):  # the deltas due inside the window
            for variant in plan:
                counts[2] += _due_in(window, start, len(variants[variant]))
                start += len(variants[variant]) / RATE
        tasks = [
            asyncio.ensure_future(
                _client(variants, plan, start, latencies, counts, bare, network, window)
            )
            for start, plan in zip(starts, plans)
        ]
        await asyncio.sleep(window.end + GRACE - loop.time())
        pending = {task for task in tasks if not task.done()}  # their last streams: not measured
        done = set(tasks) - pending
        overloaded = counts[0] < counts[2]
    else:
        mark()
        tasks = [
            asyncio.ensure_future(
                _one(
                    variants[i % VARIANTS],
                    begin + rng.random() / RATE,
                    latencies,
                    counts,
                    bare,
                    network,
                    window,
                )
            )
            for i in range(n)
        ]
        counts[2] = sum(len(variants[i % VARIANTS]) for i in range(n))
        counts[3] = n
        done, pending = await asyncio.wait(tasks, timeout=cap)
        mark()
        overloaded = bool(pending)
    gc.callbacks.remove(collecting)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # a stream that failed fails the harness
    (cpu0, wall0), (cpu1, wall1) = marks[0], marks[-1]
    measured_deltas = counts[4]
    if steady and wall1 - wall0 < measured / 2:
        # The loop lagged so far behind that the window's ends were marked together: there is
        # no steady state to measure. The whole run stands in for it (and it is overloaded).
        (cpu0, wall0), (cpu1, wall1) = run_start, (time.process_time(), time.perf_counter())
        measured_deltas, overloaded = counts[5], True
    cpu, wall = cpu1 - cpu0, wall1 - wall0
    watcher.cancel()
    delivered = counts[0]
    cpu_per_delta = cpu / max(1, measured_deltas)
    return {
        "section": "scale" if steady else "scale-burst",
        "mode": mode,
        "simulation": SIMULATION,
        "gc": GC_MODE,
        "streams": n,
        "stream_seconds": length,
        "deltas_per_stream": sum(map(len, variants)) / VARIANTS,
        "deltas": delivered,
        "deltas_measured": measured_deltas,
        "latency_samples": len(latencies),
        "deltas_expected": counts[2],
        "streams_started": counts[3],
        "overloaded": overloaded,
        "wall_s": wall,
        "cpu_s": cpu,
        "core_load": cpu / wall,
        "cpu_us_per_delta": cpu_per_delta * 1e6,
        "demand_cores": cpu_per_delta * RATE * n,
        "memory_per_stream_kib": (peak[0] - baseline) / n / 1024,
        "p50_ms": (percentile(list(latencies), 50) or 0.0) * 1e3,
        "p99_ms": (percentile(list(latencies), 99) or 0.0) * 1e3,
        "max_ms": (max(latencies) if latencies else 0.0) * 1e3,
        "relay_bytes_per_delta": counts[1] / max(1, counts[5]),
        "gc_pauses": len(pauses),
        "gc_pause_ms_total": sum(pauses) * 1e3,
        "gc_pause_ms_max": max(pauses, default=0.0) * 1e3,
    }


def run(
    n: int, seconds: float = 4.0, cap: float = 60.0, bare: bool = False, mode: str = "steady"
) -> dict[str, Any]:
    """One harness run of ``n`` streams of ``seconds`` each, in a fresh event loop (``bare``:
    the simulation alone, the sources read with no partialjson at all; ``mode``: ``"steady"``
    or ``"burst"``, see the module's docstring). The event loop is the standard library's, or
    uvloop's with ``PARTIALJSON_SCALE_LOOP=uvloop`` (an extra row: the main figures stay on the
    standard loop)."""
    if LOOP == "uvloop":
        import uvloop  # not a dependency: installed by hand for that row

        loop = uvloop.new_event_loop()
        try:
            row = loop.run_until_complete(_run(n, seconds, cap, bare, mode))
        finally:
            loop.close()
        return {**row, "loop": "uvloop"}
    return asyncio.run(_run(n, seconds, cap, bare, mode))


def streams_per_core(cpu_us_per_delta: float, load: float = 0.7) -> int:
    """Streams one core carries at ``load`` utilisation (headroom keeps the p99 low)."""
    return int(load / (cpu_us_per_delta * 1e-6 * RATE))


def run_all(
    counts: list[int],
    seconds: float,
    cap: float,
    log: Callable[[str], None],
    modes: tuple[str, ...] = MODES,
    also_gc: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Each count and mode in a fresh process: its memory and latency are its own, not shaped
    by what the rest of the suite left in the heap. Steady rows (``section: "scale"``) first,
    then the burst rows (``section: "scale-burst"``), then steady rows again for each of the
    garbage collector's modes in ``also_gc`` (``gc: "tuned"``: what a server that tunes it
    gets, see :data:`TUNED_THRESHOLDS`)."""
    rows = []
    runs = [(mode, GC_MODE) for mode in modes]
    runs += [("steady", gc_mode) for gc_mode in also_gc if "steady" in modes]
    for mode, gc_mode in runs:
        for n in counts:
            bare = _fresh(n, seconds, cap, bare=True, mode=mode, gc_mode=gc_mode)
            row = _fresh(n, seconds, cap, mode=mode, gc_mode=gc_mode)
            # What partialjson costs: the run's CPU less the simulation's own (timers, task
            # switches), measured alone with the same streams. The total is what a server pays.
            row["floor_us_per_delta"] = bare["cpu_us_per_delta"]
            row["path_us_per_delta"] = row["cpu_us_per_delta"] - bare["cpu_us_per_delta"]
            row["floor_p99_ms"] = bare["p99_ms"]
            log(format_row(row))
            rows.append(row)
    return rows


def _fresh(
    n: int,
    seconds: float,
    cap: float,
    bare: bool = False,
    mode: str = "steady",
    gc_mode: str = GC_MODE,
) -> dict[str, Any]:
    """One run in a fresh process."""
    command = [sys.executable, "-m", "benchmarks.streams_at_scale", str(n), str(seconds), str(cap)]
    done = subprocess.run(
        [*command, mode, *(["bare"] if bare else [])],
        capture_output=True,
        text=True,
        cwd=_ROOT,
        check=False,
        env={**os.environ, "PARTIALJSON_SCALE_GC": gc_mode},
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {n}-stream {mode} run failed:\n{done.stderr}")
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def format_row(row: dict[str, Any]) -> str:
    state = "OVERLOADED " if row["overloaded"] else ""
    measured = "deltas in a window of" if row.get("mode", "steady") == "steady" else "deltas in"
    tuned = f" (GC {row['gc']})" if row.get("gc", "default") != "default" else ""
    return (
        f"{row.get('mode', 'steady'):>6} {row['streams']:>6} streams{tuned}: {state}"
        f"{row['deltas']} "
        f"{measured} {row['wall_s']:.1f} s, "
        f"CPU {row['cpu_us_per_delta']:.1f} µs/delta"
        + (
            f" (partialjson {row['path_us_per_delta']:.1f}, the simulation alone "
            f"{row['floor_us_per_delta']:.1f})"
            if "path_us_per_delta" in row
            else ""
        )
        + f", core load {row['core_load']:.2f} "
        f"(demand {row['demand_cores']:.2f} cores), {row['memory_per_stream_kib']:.1f} KiB/stream, "
        f"added latency p50 {row['p50_ms']:.2f} ms p99 {row['p99_ms']:.2f} ms"
        + (
            f", {row['gc_pauses']} GC pauses (longest {row['gc_pause_ms_max']:.1f} ms)"
            if "gc_pauses" in row
            else ""
        )
    )


def verdict(rows: list[dict[str, Any]]) -> Optional[str]:
    """The target in words, from the steady 1,000-stream row."""
    for row in rows:
        if (
            row["streams"] == 1000
            and row.get("section", "scale") == "scale"
            and row.get("gc", "default") == "default"
        ):
            ok = not row["overloaded"] and row["p99_ms"] < TARGET_P99 * 1e3
            return ("met" if ok else "not met") + f": p99 {row['p99_ms']:.1f} ms"
    return None


if __name__ == "__main__":  # one run, as run_all starts it: N seconds cap [mode] [bare] -> a row
    options = sys.argv[4:]
    mode = next((option for option in options if option in MODES), "steady")
    bare = "bare" in options
    row = run(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), bare, mode)
    print(json.dumps(row))

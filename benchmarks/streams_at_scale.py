"""Section 3: many streams at once on one core — the full path, under asyncio.

N simulated responses run concurrently in one process (one core: the GIL), each an async source
that delivers one OpenAI Chat Completions SSE event every 20 ms (50 deltas/s, a fast model),
read the way a backend relays an answer to a browser::

    async for chunk in partialjson.arelay(partialjson.stream(source, Form)):
        ...  # would be written to the browser's response

— SSE bytes → SSE decoder → provider adapter → lifecycle → typed view → relay. Starts are spread
over the first 20 ms. A source waits for its next delta the way a read on a server's network
does: woken by one event when data arrives, arrivals grouped per 0.5 ms tick as an event loop's
poll returns the sockets that became readable (:class:`_Network`; a delta is never delivered
before it is due, and the wait for the tick counts in its latency). The older simulation, a
timer per stream per delta, costs several µs per delta that no server pays
(``PARTIALJSON_SCALE_SIMULATION=timers`` measures that way). Measured:

* **CPU per delta** — process CPU time over the run / deltas delivered; and apart, what the
  simulation costs alone (the same streams read bare, no partialjson: the network's wake-ups and
  asyncio's task switches) and the difference, what partialjson's path costs;
* **core load** — CPU time / wall time (1.0: the core is saturated);
* **memory per stream** — resident memory at the busiest moment (sampled every 50 ms) minus
  before the streams started, / N;
* **added latency** — from the moment a delta was due (its scheduled arrival) to the moment the
  relay produced the first bytes for it: parsing, validation, encoding and waiting for the loop.
  p50 and p99 over every delta of every stream.

A run that cannot finish within ``cap`` seconds of wall time is stopped and reported as
overloaded (the demand is then stated in cores: CPU per delta × 50 × N).

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
VARIANTS = 8  # distinct documents shared by the streams (memory measures the streams, not data)


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


async def _source(
    events: list[bytes], start: float, clock: _Clock, counts: list[int], network: _Network
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
        counts[0] += 1  # delivered (counted here, so a run stopped at the cap counts too)
        yield event


async def _one(
    events: list[bytes],
    start: float,
    latencies: list[float],
    counts: list[int],
    bare: bool,
    network: _Network,
) -> None:
    loop = asyncio.get_running_loop()
    clock = _Clock()
    seen = -1
    source = _source(events, start, clock, counts, network)
    chunks = source if bare else partialjson.arelay(partialjson.stream(source, w.Form))
    async for chunk in chunks:
        if clock.index != seen:
            seen = clock.index
            latencies.append(loop.time() - clock.due)
        counts[1] += len(chunk)


async def _run(n: int, seconds: float, cap: float, bare: bool = False) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    per_stream = max(2, int(seconds * RATE))
    # A form of about 4.5 characters per delta, so each stream lasts ``seconds``.
    variants = []
    for variant in range(VARIANTS):
        text = w.document("form", int(per_stream * 4.5), seed=variant)
        variants.append(w.sse_events(w.token_deltas(text, seed=variant)))
    for _ in partialjson.relay(partialjson.stream(variants[0], w.Form)):
        pass  # warm up: imports, the partial model class, adapters (once per process)
    rng = random.Random(n)
    latencies: list[float] = []
    counts = [0, 0]  # deltas delivered, relay bytes sent
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
    cpu0, wall0 = time.process_time(), time.perf_counter()
    tasks = [
        asyncio.ensure_future(
            _one(
                variants[i % VARIANTS],
                begin + rng.random() / RATE,
                latencies,
                counts,
                bare,
                network,
            )
        )
        for i in range(n)
    ]
    done, pending = await asyncio.wait(tasks, timeout=cap)
    overloaded = bool(pending)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # a stream that failed fails the harness
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    watcher.cancel()
    expected = sum(len(variants[i % VARIANTS]) for i in range(n))
    delivered = counts[0]
    cpu_per_delta = cpu / max(1, delivered)
    return {
        "section": "scale",
        "simulation": SIMULATION,
        "streams": n,
        "deltas_per_stream": sum(map(len, variants)) / VARIANTS,
        "deltas": delivered,
        "latency_samples": len(latencies),
        "deltas_expected": expected,
        "overloaded": overloaded,
        "wall_s": wall,
        "cpu_s": cpu,
        "core_load": cpu / wall,
        "cpu_us_per_delta": cpu_per_delta * 1e6,
        "demand_cores": cpu_per_delta * RATE * n,
        "memory_per_stream_kib": (peak[0] - baseline) / n / 1024,
        "p50_ms": (percentile(latencies, 50) or 0.0) * 1e3,
        "p99_ms": (percentile(latencies, 99) or 0.0) * 1e3,
        "max_ms": (max(latencies) if latencies else 0.0) * 1e3,
        "relay_bytes_per_delta": counts[1] / max(1, counts[0]),
    }


def run(n: int, seconds: float = 4.0, cap: float = 60.0, bare: bool = False) -> dict[str, Any]:
    """One harness run of ``n`` streams of ``seconds`` each, in a fresh event loop (``bare``:
    the simulation alone, the sources read with no partialjson at all). The event loop is the
    standard library's, or uvloop's with ``PARTIALJSON_SCALE_LOOP=uvloop`` (an extra row: the
    main figures stay on the standard loop)."""
    if LOOP == "uvloop":
        import uvloop  # not a dependency: installed by hand for that row

        loop = uvloop.new_event_loop()
        try:
            row = loop.run_until_complete(_run(n, seconds, cap, bare))
        finally:
            loop.close()
        return {**row, "loop": "uvloop"}
    return asyncio.run(_run(n, seconds, cap, bare))


def streams_per_core(cpu_us_per_delta: float, load: float = 0.7) -> int:
    """Streams one core carries at ``load`` utilisation (headroom keeps the p99 low)."""
    return int(load / (cpu_us_per_delta * 1e-6 * RATE))


def run_all(
    counts: list[int], seconds: float, cap: float, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Each count in a fresh process: its memory and latency are its own, not shaped by what
    the rest of the suite left in the heap."""
    rows = []
    for n in counts:
        bare = _fresh(n, seconds, cap, bare=True)
        row = _fresh(n, seconds, cap)
        # What partialjson costs: the run's CPU less the simulation's own (timers, task switches),
        # measured alone with the same streams. The total is what a server pays.
        row["floor_us_per_delta"] = bare["cpu_us_per_delta"]
        row["path_us_per_delta"] = row["cpu_us_per_delta"] - bare["cpu_us_per_delta"]
        row["floor_p99_ms"] = bare["p99_ms"]
        log(format_row(row))
        rows.append(row)
    return rows


def _fresh(n: int, seconds: float, cap: float, bare: bool = False) -> dict[str, Any]:
    """One run in a fresh process."""
    command = [sys.executable, "-m", "benchmarks.streams_at_scale", str(n), str(seconds), str(cap)]
    done = subprocess.run(
        [*command, *(["bare"] if bare else [])],
        capture_output=True,
        text=True,
        cwd=_ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {n}-stream run failed:\n{done.stderr}")
    row: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return row


def format_row(row: dict[str, Any]) -> str:
    state = "OVERLOADED " if row["overloaded"] else ""
    return (
        f"{row['streams']:>6} streams: {state}{row['deltas']} deltas in {row['wall_s']:.1f} s, "
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
    )


def verdict(rows: list[dict[str, Any]]) -> Optional[str]:
    """The target in words, from the 1,000-stream row."""
    for row in rows:
        if row["streams"] == 1000:
            ok = not row["overloaded"] and row["p99_ms"] < TARGET_P99 * 1e3
            return ("met" if ok else "not met") + f": p99 {row['p99_ms']:.1f} ms"
    return None


if __name__ == "__main__":  # one run, as run_all starts it: N seconds cap [bare] -> a JSON row
    bare = sys.argv[4:5] == ["bare"]
    print(json.dumps(run(int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), bare)))

"""Resumable relays on Redis: what a shared store costs beside the in-memory one.

1,000 responses stream at once through one Redis, each with its owner appending events (token-
sized ``append`` patches, ``--interval`` apart) and one reader following it with blocking reads
through a second store instance, as a browser connected to another server instance would.
Measured, for :class:`AsyncRedisStore` and
:class:`AsyncMemoryStore` under the same load in the same process, per event: the time from
the owner's ``append`` call to the reader having the event. The difference is what Redis adds.
Then Redis's memory per active response: ``MEMORY USAGE`` of every key (and ``INFO memory``
before and after) once ``--memory-streams`` responses of ``--memory-events`` events each are
written and still open (lease held, no TTL yet).

    python benchmarks/bench_redis.py                       # starts its own redis-server
    python benchmarks/bench_redis.py --url redis://host:6379/0 --streams 1000 --rounds 3

Writers and readers share one Python process and event loop, so at high rates the loop itself
adds queueing to both stores alike; the figures are indicative, and on a shared machine more so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis

from partialjson.web.redis_store import AsyncRedisStore
from partialjson.web.store import AsyncMemoryStore
from partialjson.web.wire import RelayEvent
from tests.redis_server import RedisServer


def answer_events(count: int) -> list[RelayEvent]:
    """started, ``count - 2`` patches appending 5 characters of text, completed."""
    events = [RelayEvent("1", "started", b"{}")]
    first = [{"op": "replace", "path": "", "value": {"text": "Once "}}]
    events.append(RelayEvent("2", "patch", json.dumps(first).encode()))
    for n in range(3, count):
        ops = [{"op": "append", "path": "/text", "value": f"w{n % 1000:03d} "}]
        events.append(RelayEvent(str(n), "patch", json.dumps(ops).encode()))
    events.append(RelayEvent(str(count), "completed", b'{"value":null,"reason":"stop"}'))
    return events


async def one_round(
    make_stores: Callable[[], tuple[Any, Any]],
    streams: int,
    events: list[RelayEvent],
    interval: float,
) -> tuple[list[float], int]:
    """Per-event latencies (seconds), append call to reader, across all streams; and how many
    streams ended otherwise than ``completed`` (a lease lost in an overloaded process)."""
    writer_store, reader_store = make_stores()
    sent: dict[tuple[int, int], float] = {}
    latencies: list[float] = []
    lost = 0
    opened = [asyncio.Event() for _ in range(streams)]

    async def owner(n: int) -> None:
        key = f"bench-{n}"
        await asyncio.sleep(random.random() * interval)  # streams start (and tick) apart
        await writer_store.append(key, events[0])
        opened[n].set()
        for event in events[1:]:
            await asyncio.sleep(interval)
            sent[(n, event.seq)] = time.perf_counter()
            await writer_store.append(key, event)

    async def reader(n: int) -> None:
        await opened[n].wait()
        key, after = f"bench-{n}", "1"
        while True:
            got = await reader_store.read(key, after, block=30)
            now = time.perf_counter()
            for event in got:
                if (n, event.seq) in sent:
                    latencies.append(now - sent[(n, event.seq)])
            if got:
                after = got[-1].id
                if got[-1].terminal:
                    if got[-1].event != "completed":
                        nonlocal lost
                        lost += 1
                    return

    await asyncio.gather(*(owner(n) for n in range(streams)), *(reader(n) for n in range(streams)))
    for store in {id(writer_store): writer_store, id(reader_store): reader_store}.values():
        if isinstance(store, AsyncRedisStore):
            await store.aclose()
    return latencies, lost


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def memory_per_response(
    url: str, streams: int, events: list[RelayEvent], maxlen: int
) -> dict[str, Any]:
    client = redis.Redis.from_url(url)
    client.flushdb()
    before = int(client.info("memory")["used_memory"])

    async def write() -> None:
        store = AsyncRedisStore(url, maxlen=maxlen, lease=60)
        for chunk in range(0, streams, 100):
            await asyncio.gather(
                *(write_one(store, f"mem-{n}") for n in range(chunk, min(streams, chunk + 100)))
            )
        # the responses stay open: no terminal event, the lease held

    async def write_one(store: AsyncRedisStore, key: str) -> None:
        for event in events[:-1]:
            await store.append(key, event)

    asyncio.run(write())
    after = int(client.info("memory")["used_memory"])
    names = AsyncRedisStore(url).keys("mem-0")  # makes a client, but does not connect
    usage = {name: client.memory_usage(key) or 0 for name, key in names.items()}
    keys_total = sum(client.memory_usage(key) or 0 for key in client.scan_iter(count=1000))
    client.flushdb()
    return {
        "streams": streams,
        "events_per_response": len(events) - 1,
        "maxlen": maxlen,
        "event_data_bytes_per_response": sum(len(e.data) for e in events[:-1]),
        "keys_bytes_per_response": keys_total / streams,  # MEMORY USAGE of every key
        "used_memory_bytes_per_response": (after - before) / streams,  # INFO: with buffers
        "memory_usage_of_one_response": usage,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a Redis to use (default: start a redis-server)")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--events", type=int, default=8, help="events per response")
    parser.add_argument("--interval", type=float, default=4.0, help="seconds between events")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lease", type=float, default=30.0, help="the writers' lease (s)")
    parser.add_argument("--memory-streams", type=int, default=100)
    parser.add_argument("--memory-events", type=int, default=400)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()

    server = None
    directory = None
    url = args.url
    if url is None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("no redis-server on PATH: apt-get install redis-server, or pass --url")
        directory = tempfile.mkdtemp(prefix="bench-redis-")
        server = RedisServer(binary, directory)
        server.start()
        url = server.url
    try:
        events = answer_events(args.events)
        results: dict[str, Any] = {}

        def memory_stores() -> tuple[Any, Any]:
            store = AsyncMemoryStore(max_streams=args.streams)
            return store, store

        def redis_stores() -> tuple[Any, Any]:  # two instances: readers go through Redis
            return AsyncRedisStore(url, lease=args.lease), AsyncRedisStore(url, lease=args.lease)

        stores: dict[str, Callable[[], tuple[Any, Any]]] = {
            "memory": memory_stores,
            "redis": redis_stores,
        }
        for name in ("memory", "redis"):
            p50s, p99s, failed = [], [], []
            for _ in range(args.rounds):
                redis.Redis.from_url(url).flushdb()
                latencies, lost = asyncio.run(
                    one_round(stores[name], args.streams, events, args.interval)
                )
                p50s.append(quantile(latencies, 0.5))
                p99s.append(quantile(latencies, 0.99))
                failed.append(lost)
            results[name] = {
                "p50_ms": statistics.median(p50s) * 1e3,
                "p99_ms": statistics.median(p99s) * 1e3,
                "rounds_p50_ms": [x * 1e3 for x in p50s],
                "rounds_p99_ms": [x * 1e3 for x in p99s],
                "rounds_streams_not_completed": failed,
            }
        results["added_by_redis"] = {
            q: results["redis"][q] - results["memory"][q] for q in ("p50_ms", "p99_ms")
        }
        results["redis_memory"] = memory_per_response(
            url, args.memory_streams, answer_events(args.memory_events), maxlen=1000
        )
        info = redis.Redis.from_url(url).info("server")
        results["machine"] = {
            "python": platform.python_version(),
            "redis": info.get("redis_version"),
            "redis-py": redis.__version__,
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "streams": args.streams,
            "events_per_stream": len(events),
            "interval_s": args.interval,
        }
        print(json.dumps(results, indent=2))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    finally:
        if server is not None:
            server.stop()
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()

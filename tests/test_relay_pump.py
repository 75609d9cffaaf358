"""The sync relay's hand-over between the thread that reads the stream and the one that sends:
every item once and in order however the two race, bounded memory, timeouts, stopping."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

from partialjson.web.relay import SOURCE_END, SourcePump


def drain(pump: SourcePump, timeout: float = 5.0) -> list[object]:
    items: list[object] = []
    while True:
        item = pump.get(timeout)
        assert item is not None, "timed out"
        if item is SOURCE_END:
            return items
        items.append(item)


def test_every_item_once_in_order_whoever_is_faster() -> None:
    rng = random.Random(13)
    for round_ in range(20):
        pauses = [rng.choice([0.0, 0.0, 0.0001, 0.001]) for _ in range(60)]

        def source(pauses: list[float], slow: bool) -> Iterator[int]:
            for i, pause in enumerate(pauses):
                if slow:
                    time.sleep(pause)
                yield i

        size = rng.choice([1, 2, 4, 64])
        pump = SourcePump(source(pauses, bool(round_ % 2)), lambda n: n * 10, size=size)
        got: list[object] = []
        while True:
            if not round_ % 2:
                time.sleep(rng.choice([0.0, 0.0001]))
            item = pump.get(rng.choice([None, 0.0005, 5.0]))
            if item is None:  # a timeout: nothing is lost by it
                continue
            if item is SOURCE_END:
                break
            got.append(item)
        pump.stop()
        assert got == [i * 10 for i in range(60)]


def test_the_reader_waits_while_the_sender_is_slow() -> None:
    read: list[int] = []

    def source() -> Iterator[int]:
        for i in range(1000):
            read.append(i)
            yield i

    pump = SourcePump(source(), lambda n: n, size=8)
    time.sleep(0.2)
    assert len(read) <= 8 + 1  # the items waiting, and the one being handed over
    assert drain(pump) == list(range(1000))
    pump.stop()


def test_a_quiet_source_times_out_then_delivers() -> None:
    go = threading.Event()

    def source() -> Iterator[str]:
        go.wait(5)
        yield "late"

    pump = SourcePump(source(), lambda x: x)
    started = time.monotonic()
    assert pump.get(0.05) is None
    assert time.monotonic() - started >= 0.04
    go.set()
    assert pump.get(5.0) == "late"
    assert pump.get(5.0) is SOURCE_END
    pump.stop()


def test_an_error_of_the_source_is_handed_over_last() -> None:
    def source() -> Iterator[int]:
        yield 1
        raise OSError("connection reset")

    pump = SourcePump(source(), lambda n: n)
    assert pump.get(5.0) == 1
    error = pump.get(5.0)
    assert isinstance(error, OSError)
    pump.stop()


def test_stop_ends_a_reader_that_waits_for_room() -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            n += 1
            yield n

    pump = SourcePump(endless(), lambda n: n, size=2)
    assert pump.get(5.0) == 1
    pump.stop(wait=2.0)
    assert not pump._thread.is_alive()


def test_done_stops_reading() -> None:
    read: list[int] = []

    def source() -> Iterator[int]:
        for i in range(100):
            read.append(i)
            yield i

    pump = SourcePump(source(), lambda n: n, done=lambda: len(read) >= 3)
    assert drain(pump) == [0, 1, 2]
    pump.stop()

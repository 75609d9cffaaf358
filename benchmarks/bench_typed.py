"""Per-delta cost of the typed layer: ``TypedParser(Invoice)`` reading ``.partial`` after every
token-sized delta, beside the bare ``Parser`` reading ``.value``, at growing invoice sizes.

    python benchmarks/bench_typed.py

The typed view is updated one path per event, so its cost per delta should stay flat as the
document grows, like the parser's.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_parser import machine, token_deltas

from partialjson import Parser, TypedParser
from partialjson.samples import Invoice


def invoice(items: int, rng: random.Random) -> str:
    return json.dumps(
        {
            "invoice_number": "INV-2024-0042",
            "issued": "2024-05-01",
            "customer": {"name": "Zoë Ångström", "email": "zoe@example.com", "vip": True},
            "items": [
                {
                    "sku": f"SKU-{i}",
                    "description": 'Mechanical keyboard, "silent" edition ⌨',
                    "quantity": rng.randint(1, 9),
                    "unit_price": round(rng.random() * 100, 2),
                }
                for i in range(items)
            ],
            "discount": None,
            "notes": "Thank you for your order!\nPayment is due within 30 days.",
            "total": 224.99,
        }
    )


def run_typed(deltas: list[str]) -> Any:
    parser = TypedParser(Invoice)
    for delta in deltas:
        parser.feed(delta)
        parser.partial  # noqa: B018 - reading the view is the point
    return parser.finish()


def run_parser(deltas: list[str]) -> Any:
    parser = Parser()
    for delta in deltas:
        parser.feed(delta)
        parser.value  # noqa: B018
    return parser.close()


def median_us_per_delta(runner: Callable[[list[str]], Any], deltas: list[str]) -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        runner(deltas)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / len(deltas) * 1e6


def main() -> int:
    rng = random.Random(7)
    print("machine:", ", ".join(f"{k} {v}" for k, v in machine().items()))
    print(f"{'document':>10} {'deltas':>8} {'Parser µs/delta':>16} {'TypedParser µs/delta':>21}")
    for items in (5, 50, 500, 5000):
        text = invoice(items, rng)
        deltas = token_deltas(text, rng)
        assert run_typed(deltas) == Invoice.model_validate_json(text)
        plain, typed = (
            median_us_per_delta(run_parser, deltas),
            median_us_per_delta(run_typed, deltas),
        )
        print(f"{len(text) / 1024:9.0f}K {len(deltas):8} {plain:16.2f} {typed:21.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

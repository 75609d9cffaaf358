"""Streams both protocol test suites feed to the encoders (and to the official JS clients):
every recorded provider stream, generated documents in random splits, and hand-made answers
with reasoning, refusals and values JSON text cannot carry as they are."""

from __future__ import annotations

import json
import random
from typing import Any

import partialjson
from partialjson.web.patches import jsonable

from ..streams import EXPECTED, body


def chat(pieces: list[str], finish: str = "stop") -> list[dict[str, Any]]:
    chunks = [{"id": "c", "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    chunks.append({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    return chunks


def generated(seed: int) -> Any:
    """A random JSON document (nested objects, lists, long and unicode strings, numbers)."""
    rng = random.Random(seed)

    def value(depth: int) -> Any:
        kind = rng.randrange(8 if depth < 4 else 5)
        if kind == 0:
            return rng.choice([True, False, None])
        if kind == 1:
            return rng.randint(-(10**12), 10**12)
        if kind == 2:
            return rng.uniform(-1e6, 1e6)
        if kind in (3, 4):
            alphabet = 'abc xyz/~"\\\n\u00e9\u4e2d\U0001f600'
            return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        if kind in (5, 6):
            return {f"k{i}/{rng.randrange(9)}~": value(depth + 1) for i in range(rng.randrange(5))}
        return [value(depth + 1) for _ in range(rng.randrange(5))]

    return {"doc": value(0), "items": [value(2) for _ in range(rng.randrange(1, 6))]}


def split(text: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, len(text) // 3)))
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


def gemini(parts: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"candidates": [{"content": {"parts": p}}]} for p in parts]
    events[-1]["candidates"][0]["finishReason"] = "STOP"
    return events


def sources() -> dict[str, Any]:
    """name → a callable that opens a fresh response stream of it."""
    from partialjson.samples import Invoice, SendInvoice, invoice_stream

    raw: dict[str, Any] = {}
    for name in EXPECTED:
        raw[name] = lambda name=name: body(name)
    for seed in range(12):
        text = json.dumps(generated(seed), ensure_ascii=seed % 2 == 0)
        raw[f"generated-{seed}"] = lambda t=text, s=seed: chat(split(t, s))
    raw["reasoning-then-answer"] = lambda: gemini(
        [
            [{"text": "Let me think", "thought": True}],
            [{"text": " about it.", "thought": True}],
            [{"text": '{"answer": "fo'}],
            [{"text": 'rty-two", "n": 42}'}],
        ]
    )
    raw["hostile-values"] = lambda: chat(
        ['{"s": "a\\ud800b", "big": 1e400, "deep": ', "[" * 300, "1", "]" * 300, "}"]
    )
    raw["truncated"] = lambda: chat(['{"title": "Half a sen', "tence"], finish="length")
    out = {name: (lambda make=make: partialjson.stream(make())) for name, make in raw.items()}
    out["typed-invoice"] = lambda: partialjson.stream(
        invoice_stream(), Invoice, tools={"send_invoice": SendInvoice}
    )
    return out


def expected(source: Any) -> dict[str, Any]:
    """What a client must end with: the state, the terminal status, the released tool calls."""
    stream = source()
    rejected = [u.call_id for u in stream if isinstance(u, partialjson.ToolCallRejected)]
    state = stream.state.value
    value = stream.partial
    if state == "completed" and stream.partial is not None:
        value = stream.final
    return {
        "status": state,
        "value": jsonable(value),
        "tool_calls": [(c.call_id, c.name, c.arguments_json) for c in stream.tool_calls],
        "rejected": rejected,
        "refusal": stream.refusal,
        "reasoning": stream.reasoning,
        "has_value": value is not None,
        "text": stream.refusal or (stream.text if state == "completed" and value is None else ""),
    }

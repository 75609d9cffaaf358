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


def chat_tools(calls: list[tuple[str, str, str]], seed: int) -> list[dict[str, Any]]:
    """Chat Completions chunks of tool calls (id, name, arguments text), the arguments split
    at random."""
    chunks: list[dict[str, Any]] = []
    for index, (call_id, name, arguments) in enumerate(calls):
        for n, piece in enumerate(split(arguments, seed + index)):
            call: dict[str, Any] = {"index": index, "function": {"arguments": piece}}
            if n == 0:
                call.update(id=call_id, type="function")
                call["function"]["name"] = name
            chunks.append({"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]})
    chunks.append(
        {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
    )
    return chunks


def responses_call(
    pieces: list[str],
    done: str,
    skip: int = 0,
    extra: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> list[dict[str, Any]]:
    """A Responses function call whose deltas are ``pieces`` and whose done event says ``done``;
    ``skip`` sequence numbers are lost after the first delta (a gap)."""
    item = {"id": "fc_1", "type": "function_call", "call_id": "call_r1", "name": "lookup"}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": "resp_1"}},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**item, "arguments": ""},
        },
    ]
    for n, piece in enumerate(pieces):
        delta = {
            "type": "response.function_call_arguments.delta",
            "item_id": "fc_1",
            "delta": piece,
        }
        events.append(delta)
        if n == 0 and skip:
            events.append({"skip": skip})
    events += [
        {"type": "response.function_call_arguments.done", "item_id": "fc_1", "arguments": done},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**item, "arguments": done},
        },
        *extra,
        {"type": "response.completed", "response": {"id": "resp_1"}},
    ]
    numbered, number = [], 0
    for event in events:
        if "skip" in event:
            number += event["skip"]
            continue
        numbered.append({**event, "sequence_number": number})
        number += 1
    return numbered


def with_server_tool_and_sources() -> list[dict[str, Any]]:
    """A Responses answer that ran a web search and cites a page and a file."""
    search = {"id": "ws_1", "type": "web_search_call", "status": "in_progress"}
    failing = {"id": "ws_2", "type": "web_search_call", "status": "in_progress"}
    url = {"type": "url_citation", "url": "https://example.com/a", "title": "A", "start_index": 0}
    file = {"type": "file_citation", "file_id": "file_1", "filename": "notes.pdf", "index": 3}
    text = '{"answer": "forty-two", "rows": [1, 2, 3]}'
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": {"id": "resp_2"}},
        {"type": "response.output_item.added", "output_index": 0, "item": search},
        {"type": "response.web_search_call.searching", "output_index": 0, "item_id": "ws_1"},
        {"type": "response.web_search_call.completed", "output_index": 0, "item_id": "ws_1"},
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": {**search, "status": "completed", "action": {"query": "life"}},
        },
        {"type": "response.output_item.added", "output_index": 1, "item": failing},
        {
            "type": "response.output_item.done",
            "output_index": 1,
            "item": {**failing, "status": "failed", "action": {"query": "the universe"}},
        },
    ]
    for piece in split(text, 7):
        events.append({"type": "response.output_text.delta", "item_id": "m", "delta": piece})
    for n, annotation in enumerate([url, file]):
        events.append(
            {
                "type": "response.output_text.annotation.added",
                "item_id": "m",
                "annotation_index": n,
                "annotation": annotation,
            }
        )
    events.append({"type": "response.completed", "response": {"id": "resp_2"}})
    return events


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
    for seed in range(4):
        rng = random.Random(seed)
        calls = [
            (f"call_{seed}_{n}", f"tool_{n}", json.dumps(generated(seed * 10 + n)))
            for n in range(rng.randrange(1, 4))
        ]
        raw[f"generated-tools-{seed}"] = lambda c=calls, s=seed: chat_tools(c, s)
    arguments = json.dumps({"query": "weather in Paris", "days": [1, 2, 3]})
    raw["tool-args-after-a-gap"] = lambda: responses_call(
        [arguments[:10], arguments[25:]], arguments, skip=2
    )
    raw["tool-args-contradicted-by-done"] = lambda: responses_call(
        ['{"query": "Ly', 'on"}'], arguments
    )
    raw["tool-args-invalid"] = lambda: chat_tools([("call_bad", "lookup", '{"a": [1, 2}')], 3)
    raw["server-tool-and-sources"] = with_server_tool_and_sources
    out = {name: (lambda make=make: partialjson.stream(make())) for name, make in raw.items()}
    out["items"] = lambda: partialjson.stream(with_server_tool_and_sources(), items="rows")
    out["typed-invoice"] = lambda: partialjson.stream(
        invoice_stream(), Invoice, tools={"send_invoice": SendInvoice}
    )
    return out


def expected(source: Any) -> dict[str, Any]:
    """What a client must end with: the state, the terminal status, the released tool calls."""
    stream = source()
    updates = list(stream)
    rejected = [u.call_id for u in updates if isinstance(u, partialjson.ToolCallRejected)]
    state = stream.state.value
    value = stream.partial
    if state == "completed" and stream.partial is not None:
        value = stream.final
    return {
        "status": state,
        "value": jsonable(value),
        "tool_calls": [(c.call_id, c.name, c.arguments_json) for c in stream.tool_calls],
        "rejected": rejected,
        "server_tools": [(c.call_id, c.name or c.kind, c.status) for c in stream.server_tool_calls],
        "citations": [
            c for u in updates if isinstance(u, partialjson.CitationAdded) for c in [u.citation]
        ],
        "items": [jsonable(u.item) for u in updates if isinstance(u, partialjson.ItemCompleted)],
        "refusal": stream.refusal,
        "reasoning": stream.reasoning,
        "has_value": value is not None,
        "text": stream.refusal or (stream.text if state == "completed" and value is None else ""),
    }

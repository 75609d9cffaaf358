"""A hypothesis property over the real recorded streams, mutated: events dropped, duplicated,
reordered, fields retyped, the stream truncated. Whatever arrives, the iterator raises nothing,
ends in one of the terminal states with exactly one terminal update, releases no tool call the
stream did not complete, and loses none of the text it applied."""

from __future__ import annotations

import copy
from typing import Any, Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import partialjson
from partialjson import Cancelled, Completed, Failed, Incomplete, Lifecycle, Refused

from .streams import EXPECTED, events

TERMINALS = (Completed, Incomplete, Refused, Failed, Cancelled)
RECORDED = {name: events(name) for name in sorted(EXPECTED)}
WRONG_VALUES = [0, -1, 1.5, "x", "", [], [1], {}, {"a": 1}, None, True]


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            paths += leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            paths += leaf_paths(child, (*path, i))
    return paths


def set_at(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for key in path[:-1]:
        value = value[key]
    value[path[-1]] = new


@st.composite
def mutated_streams(draw: st.DrawFn) -> tuple[str, list[Any]]:
    name = draw(st.sampled_from(sorted(RECORDED)))
    stream = copy.deepcopy(RECORDED[name])
    for _ in range(draw(st.integers(1, 4))):
        if not stream:
            break
        i = draw(st.integers(0, len(stream) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "retype", "truncate"]))
        if action == "drop":
            del stream[i]
        elif action == "duplicate":
            stream.insert(i, copy.deepcopy(stream[i]))
        elif action == "swap" and i + 1 < len(stream):
            stream[i], stream[i + 1] = stream[i + 1], stream[i]
        elif action == "truncate":
            del stream[i:]
        elif action == "retype":
            paths = leaf_paths(stream[i])
            if paths:
                path = draw(st.sampled_from(paths))
                set_at(stream[i], path, draw(st.sampled_from(WRONG_VALUES)))
    return name, stream


def text_of(provider: Optional[str], event: Any) -> str:
    """The answer text an event carries (choice 0), by the providers' documented shapes."""
    if not isinstance(event, dict):
        return ""
    if provider == "openai-responses" and event.get("type") == "response.output_text.delta":
        delta = event.get("delta")
        return delta if isinstance(delta, str) else ""
    if provider == "openai-chat":
        text = ""
        for choice in event.get("choices") or ():
            if (choice.get("index") or 0) == 0 and isinstance(choice.get("delta"), dict):
                content = choice["delta"].get("content")
                text += content if isinstance(content, str) else ""
        return text
    if provider == "anthropic":
        if event.get("type") == "content_block_delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
                return str(delta["text"])
        if event.get("type") == "content_block_start":
            block = event.get("content_block") or {}
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                return str(block["text"])
    return ""


def applied_text(stream: list[Any]) -> tuple[str, Optional[str]]:
    """The text of the events the machine applied: up to its end, not the one it refused,
    not a replayed sequence number. (The machine only says *when*; the text is read here.)"""
    machine = Lifecycle()
    pieces = []
    highest = None
    for event in stream:
        if machine.state.terminal:
            break
        provider = machine.provider
        sequence = event.get("sequence_number") if isinstance(event, dict) else None
        replay = isinstance(sequence, int) and highest is not None and sequence <= highest
        machine.handle(event)
        if isinstance(sequence, int) and not isinstance(sequence, bool) and not replay:
            highest = sequence
        refused = machine.reason == "protocol_error"
        if not replay and not refused:
            pieces.append(text_of(provider or machine.provider, event))
    return "".join(pieces), machine.provider


def closed_call_ids(stream: list[Any]) -> set[str]:
    """Ids of the tool calls whose done event is in the stream."""
    ids: set[str] = set()
    starts: dict[Any, Any] = {}
    finished = False
    for event in stream:
        if not isinstance(event, dict):
            continue
        item = event.get("item") if isinstance(event.get("item"), dict) else {}
        block = event.get("content_block") if isinstance(event.get("content_block"), dict) else {}
        if item.get("type") == "function_call":
            starts[item.get("id")] = item.get("call_id")
            if event.get("type") == "response.output_item.done":
                ids.add(item.get("call_id"))
        if event.get("type") == "response.function_call_arguments.done":
            ids.add(starts.get(event.get("item_id")))
        if block.get("type") == "tool_use":
            starts[("block", event.get("index"))] = block.get("id")
        if event.get("type") == "content_block_stop":
            ids.add(starts.get(("block", event.get("index"))))
        for choice in event.get("choices") or ():
            if isinstance(choice, dict):
                delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
                for call in delta.get("tool_calls") or ():
                    if isinstance(call, dict) and call.get("id"):
                        starts[("chat", call.get("id"))] = call.get("id")
                finished = finished or choice.get("finish_reason") in ("tool_calls", "stop")
    if finished:
        ids |= {v for k, v in starts.items() if isinstance(k, tuple) and k[0] == "chat"}
    return {i for i in ids if isinstance(i, str)}


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(mutated_streams())
def test_mutated_recordings(case: tuple[str, list[Any]]) -> None:
    _, stream = case
    response = partialjson.stream(stream)
    updates = list(response)  # nothing escapes

    terminals = [u for u in updates if isinstance(u, TERMINALS)]
    assert terminals == [updates[-1]]
    assert response.state.terminal and response.state.value != "cancelled"
    assert type(updates[-1]).__name__.lower() == response.state.value

    closed = closed_call_ids(stream)
    for call in response.tool_calls:
        assert call.call_id in closed or not call.call_id
        assert isinstance(call.arguments_json, str)

    text, provider = applied_text(stream)
    if response.provider == provider:
        assert response.text == text or (not text and response.text)  # a done event's whole text
    if response.state.value != "completed":
        assert response.choices[0].state.terminal

"""Chat Completions chunks read from SSE bytes go the fast way (the reader's template, then
``Lifecycle.text_event`` with no event made); the same chunks given as dicts go through
``Lifecycle.handle`` whole. Both must give the same updates, metrics and log lines, whatever
the chunks: text, empty text, other ids, roles, refusals, tool calls, finish reasons, errors,
usage chunks, several choices."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import partialjson
from partialjson import Lifecycle
from partialjson.streaming.reader import Steps

_text = st.one_of(
    st.sampled_from(["", "[1", ", 2", "]", '{"a": "x', 'y"}', " ", "\n", '"\\u00e9', "é€😀"]),
    st.text(max_size=4),
)


@st.composite
def chunk(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["text"] * 8 + ["role", "refusal", "tool", "finish", "usage", "error"])
    )
    event: dict[str, Any] = {}
    response_id = draw(st.sampled_from(["chatcmpl-1"] * 6 + ["chatcmpl-2", "", None]))
    if response_id is not None:
        event["id"] = response_id
    event["object"] = "chat.completion.chunk"
    event["model"] = "m"
    index = draw(st.sampled_from([0] * 6 + [None, 1]))
    choice: dict[str, Any] = {} if index is None else {"index": index}
    if kind == "text":
        choice["delta"] = {"content": draw(_text)}
    elif kind == "role":
        choice["delta"] = {"role": "assistant", "content": draw(_text)}
    elif kind == "refusal":
        choice["delta"] = {"refusal": draw(_text)}
    elif kind == "tool":
        call = {"index": 0, "id": "call_1", "function": {"name": "f", "arguments": draw(_text)}}
        choice["delta"] = {"tool_calls": [call]}
    elif kind == "finish":
        choice["delta"] = {}
        choice["finish_reason"] = draw(st.sampled_from(["stop", "length", "tool_calls"]))
    elif kind == "error":
        return {"error": {"code": "server_error", "message": "x"}}
    if kind == "usage":
        event["choices"] = []
        event["usage"] = {"total_tokens": draw(st.integers(0, 9))}
    else:
        choice.setdefault("finish_reason", None)
        event["choices"] = [choice]
    return event


def run(source: list[Any], type_: Any) -> tuple[list[str], dict[str, Any], list[str]]:
    """The updates (as ``repr`` s, taken as they come: the partial value is live), the
    metrics but timings, and the log lines (times masked) of a stream over ``source``."""
    lines: list[str] = []

    class Lines(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(re.sub(r"\d+\.\d+s", "Ts", record.getMessage()))

    logger = logging.getLogger("partialjson")
    handler, level = Lines(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        stream = partialjson.stream(source, type_)
        updates = [repr(update) for update in stream]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    counts = ["deltas", "characters", "state", "events", "unknown_events", "duplicate_events"]
    counts.append("gaps")
    timings = ["time_to_first_delta", "time_to_first_complete_field", "duration"]
    metrics = {name: getattr(stream.metrics, name) for name in counts}
    metrics.update({name: getattr(stream.metrics, name) is not None for name in timings})
    return updates, metrics, lines


def sse(events: list[dict[str, Any]]) -> list[bytes]:
    return [f"data: {json.dumps(event)}\n\n".encode() for event in events]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(chunk(), max_size=14),
    st.sampled_from([None, list[int], Any]),
    st.booleans(),
)
def test_chunks_read_the_fast_way_give_what_handling_them_whole_gives(
    events: list[dict[str, Any]], type_: Any, done: bool
) -> None:
    body = sse(events) + ([b"data: [DONE]\n\n"] if done else [])
    dicts = events + ([{"done": True}] if done else [])
    assert run(body, type_) == run(dicts, type_)


def test_a_long_answer_goes_the_fast_way() -> None:
    text = json.dumps({"rows": [{"name": f"row {i}", "n": i} for i in range(40)]})
    pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    events = [{**head, "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    assert run(sse(events), None) == run(events, None)
    assert partialjson.stream(sse(events)).until_done().final == json.loads(text)
    steps = Steps(Lifecycle())
    for item in sse(events)[:10]:
        steps.updates(item)
    assert steps._text_template is not None  # the fast way: text alone, no event made


@pytest.mark.parametrize(
    "event",
    [
        {"choices": [{"index": 0, "delta": {"content": "x"}}]},
        {"id": "a", "choices": [{"index": 2, "delta": {"content": ""}, "finish_reason": None}]},
    ],
)
def test_text_only_names_the_choice_of_a_plain_text_chunk(event: dict[str, Any]) -> None:
    machine = Lifecycle(provider="openai-chat")
    machine.handle(event)
    assert machine.text_only(event) == event["choices"][0]["index"]


@pytest.mark.parametrize(
    "event",
    [
        {"id": "b", "choices": [{"index": 0, "delta": {"content": "x"}}]},  # a new id: Begin
        {"choices": [{"index": 0, "delta": {"content": "x", "refusal": None}}]},
        {"choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": "stop"}]},
        {"choices": [{"index": 0, "delta": {"content": "x"}}, {"index": 1, "delta": {}}]},
        {"choices": [{"index": True, "delta": {"content": "x"}}]},
        {"error": "x", "choices": [{"index": 0, "delta": {"content": "x"}}]},
        {"sequence_number": 1, "choices": [{"index": 0, "delta": {"content": "x"}}]},
    ],
)
def test_text_only_refuses_a_chunk_that_does_more(event: dict[str, Any]) -> None:
    machine = Lifecycle(provider="openai-chat")
    machine.handle({"id": "a", "choices": [{"index": 0, "delta": {"content": "["}}]})
    assert machine.text_only(event) is None


def test_an_error_in_the_chunk_of_a_delta_event_fails_the_response_at_once() -> None:
    head = {"id": "c", "object": "chat.completion.chunk", "model": "m"}
    texts = ["[1", ", 2", ", 3", ", 4"]
    body = sse([{**head, "choices": [{"index": 0, "delta": {"content": t}}]} for t in texts])
    body[-1] += b"data: " + b"x" * 400  # a line over the limit, after the event
    asked: list[Any] = []

    def source() -> Any:
        for i, item in enumerate(body):
            asked.append(i)
            yield item
        asked.append("end")

    stream = partialjson.stream(source(), max_sse_size=300)
    for update in stream:
        if isinstance(update, partialjson.Failed):
            assert asked[-1] == len(body) - 1  # before the source is asked for more
            assert update.reason == "protocol_error"
            assert "longer than the limit" in str(update.error)
    assert stream.choices[0].text == "[1, 2, 3, 4"
    assert stream.state == "failed"

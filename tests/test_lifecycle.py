"""The response lifecycle under faults: cuts, duplicates, reordering, every error shape."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from pydantic import BaseModel

import partialjson
from partialjson import (
    Failed,
    FieldCompleted,
    Lifecycle,
    ResponseState,
    SequenceGap,
    ToolCallReady,
    ToolCallRejected,
)

from .streams import EXPECTED, body, events

RESPONSES_TOOL = "openai__responses__dotnet-function-call.sse"
TERMINAL_TYPES = {
    "response.completed",
    "response.incomplete",
    "response.failed",
    "error",
    "message_stop",
}


def complete_calls(name: str) -> dict[str, str]:
    return {
        c["call_id"]: c["final_text"]
        for c in EXPECTED[name]["channels"]
        if c["kind"] == "tool_args" and c["closed"] and c["json_valid"]
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cut_at_every_event_boundary(name: str) -> None:
    stream_events = events(name)
    for cut in range(len(stream_events) + 1):
        prefix = stream_events[:cut]
        response = partialjson.stream(prefix).until_done()
        assert response.state.terminal
        ended = any(e.get("type") in TERMINAL_TYPES for e in prefix) or any(
            (c.get("finish_reason") for c in e.get("choices") or ()) for e in prefix
        )
        if not ended:
            assert (response.state, response.reason) == (ResponseState.FAILED, "interrupted")
        released = [c.call_id for c in response.tool_calls]
        assert len(released) == len(set(released))  # never twice
        for call in response.tool_calls:  # only complete calls, with all their arguments
            assert call.arguments_json == complete_calls(name)[call.call_id]


def test_cut_inside_a_tool_call_never_releases_it() -> None:
    raw = body(RESPONSES_TOOL)
    start = raw.index(b"function_call_arguments.delta")
    end = raw.index(b"function_call_arguments.done")
    for cut in range(start, end, 3):
        response = partialjson.stream(raw[:cut]).until_done()
        assert response.tool_calls == []
        assert (response.state.value, response.reason) == ("failed", "interrupted")


def test_anthropic_max_tokens_cut_mid_arguments_is_not_released() -> None:
    stream_events = events("anthropic__messages__max-tokens-mid-tool-args.sse")
    # The recording's final message_stop has no blank line after it, so the SSE rules drop it;
    # given as dicts with it restored, the response is incomplete, and the call still unreleased.
    restored = [*stream_events, {"type": "message_stop"}]
    response = partialjson.stream(restored).until_done()
    assert (response.state.value, response.reason) == ("incomplete", "max_tokens")
    assert response.tool_calls == []


def test_duplicated_events_change_nothing() -> None:
    stream_events = events(RESPONSES_TOOL)
    doubled = [e for event in stream_events for e in (event, event)]
    response = partialjson.stream(doubled).until_done()
    [call] = response.tool_calls
    assert call.arguments_json == complete_calls(RESPONSES_TOOL)[call.call_id]
    # Every copy is dropped; the terminal event's copy arrives after the end and is not read.
    assert response.metrics.duplicate_events == len(stream_events) - 1


def test_a_resumed_stream_after_the_original_never_duplicates_text() -> None:
    stream_events = events(RESPONSES_TOOL)
    first = stream_events[:8]
    machine = Lifecycle()
    for event in first:
        machine.handle(event)
    resume_after = machine.last_sequence_number
    assert resume_after == first[-1]["sequence_number"]
    resumed = [e for e in stream_events if e["sequence_number"] > resume_after - 3]  # overlaps
    for event in resumed:
        machine.handle(event)
    assert machine.state is ResponseState.COMPLETED
    [call] = machine.tool_calls
    assert call.arguments_json == complete_calls(RESPONSES_TOOL)[call.call_id]


def test_a_gap_is_reported() -> None:
    stream_events = events(RESPONSES_TOOL)
    gappy = stream_events[:3] + stream_events[5:]
    updates = list(partialjson.stream(gappy))
    gaps = [u for u in updates if isinstance(u, SequenceGap)]
    expected = stream_events[3]["sequence_number"]
    assert gaps == [SequenceGap(expected, stream_events[5]["sequence_number"])]


def test_reordered_events_are_applied_once_in_sequence() -> None:
    stream_events = events(RESPONSES_TOOL)
    swapped = list(stream_events)
    swapped[5], swapped[6] = swapped[6], swapped[5]
    response = partialjson.stream(swapped).until_done()
    assert response.metrics.duplicate_events == 1 and response.metrics.gaps == 1


def responses(*tail: dict[str, Any]) -> list[dict[str, Any]]:
    head = {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_1"}}
    delta = {"type": "response.output_text.delta", "sequence_number": 1, "delta": '{"a": 1'}
    return [head, delta, *({"sequence_number": 2 + i, **t} for i, t in enumerate(tail))]


@pytest.mark.parametrize(
    ("tail", "state", "reason"),
    [
        (
            [{"type": "error", "code": "server_error", "message": "boom", "param": None}],
            "failed",
            "server_error",
        ),
        (
            [
                {
                    "type": "error",
                    "error": {"type": "invalid_request_error", "code": "bad", "message": "x"},
                }
            ],
            "failed",
            "bad",
        ),
        (
            [
                {
                    "type": "response.failed",
                    "response": {"error": {"code": "rate_limit", "message": "x"}},
                }
            ],
            "failed",
            "rate_limit",
        ),
        (
            [
                {
                    "type": "response.incomplete",
                    "response": {"incomplete_details": {"reason": "max_output_tokens"}},
                }
            ],
            "incomplete",
            "max_output_tokens",
        ),
        (
            [
                {
                    "type": "response.incomplete",
                    "response": {"incomplete_details": {"reason": "content_filter"}},
                }
            ],
            "incomplete",
            "content_filter",
        ),
        (
            [{"type": "response.refusal.delta", "delta": "No."}, {"type": "response.completed"}],
            "refused",
            None,
        ),
        ([], "failed", "interrupted"),
    ],
)
def test_responses_terminal_states(
    tail: list[dict[str, Any]], state: str, reason: Optional[str]
) -> None:
    response = partialjson.stream(responses(*tail)).until_done()
    assert (response.state.value, response.reason) == (state, reason)
    assert response.partial == {}  # what arrived stays readable; `1` may have been `12`
    with pytest.raises(partialjson.FinalValueError):
        _ = response.final


def test_an_error_then_response_failed_ends_once() -> None:
    tail = [
        {"type": "error", "code": "insufficient_quota", "message": "quota"},
        {"type": "response.failed", "response": {"error": {"code": "other", "message": "x"}}},
    ]
    updates = list(partialjson.stream(responses(*tail)))
    assert [type(u).__name__ for u in updates].count("Failed") == 1
    assert isinstance(updates[-1], Failed) and updates[-1].reason == "insufficient_quota"


def test_chat_error_chunk_and_anthropic_error_event() -> None:
    chat = [
        {"id": "c", "choices": [{"index": 0, "delta": {"content": "{"}}]},
        {"error": {"code": "e1", "message": "m"}},
    ]
    assert partialjson.stream(chat).until_done().reason == "e1"
    claude = [
        {"type": "message_start", "message": {"id": "m"}},
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    ]
    response = partialjson.stream(claude).until_done()
    assert (response.state.value, response.reason, response.message) == (
        "failed",
        "overloaded_error",
        "Overloaded",
    )


def test_unknown_event_types_are_ignored_and_counted() -> None:
    stream_events = events(RESPONSES_TOOL)
    noisy = [*stream_events[:2], {"type": "response.brand_new.thing", "sequence_number": 2}]
    noisy += [{**e, "sequence_number": e["sequence_number"] + 1} for e in stream_events[2:]]
    response = partialjson.stream(noisy).until_done()
    assert response.state is ResponseState.COMPLETED and response.metrics.unknown_events == 1


def test_chat_with_several_choices() -> None:
    def chunk(index: int, content: str, finish: Optional[str] = None) -> dict[str, Any]:
        return {
            "id": "c",
            "choices": [{"index": index, "delta": {"content": content}, "finish_reason": finish}],
        }

    chunks = [
        chunk(0, '{"n": '),
        chunk(1, '{"n": 2'),
        chunk(0, "1}", "stop"),
        chunk(1, "}", "length"),
    ]
    response = partialjson.stream(chunks).until_done()
    first, second = response.choices
    assert (first.state.value, first.final) == ("completed", {"n": 1})
    assert (second.state.value, second.reason, second.partial) == ("incomplete", "length", {"n": 2})
    assert response.state is ResponseState.COMPLETED and response.final == {"n": 1}


def test_chat_truncated_tool_call_is_never_released() -> None:
    start = {
        "index": 0,
        "id": "call_1",
        "type": "function",
        "function": {"name": "f", "arguments": '{"a": 1'},
    }
    chunks = [
        {"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [start]}}]},
        {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]},
    ]
    response = partialjson.stream(chunks).until_done()
    assert response.state is ResponseState.INCOMPLETE and response.tool_calls == []


def test_gemini() -> None:
    chunks = [
        {"candidates": [{"content": {"parts": [{"text": '{"city": "Par'}]}}], "responseId": "g1"},
        {"candidates": [{"content": {"parts": [{"text": 'is"}'}]}, "finishReason": "STOP"}]},
    ]
    response = partialjson.stream(chunks).until_done()
    assert response.provider == "gemini" and response.final == {"city": "Paris"}
    call = {
        "candidates": [
            {
                "content": {"parts": [{"functionCall": {"name": "f", "args": {"x": 1}}}]},
                "finishReason": "STOP",
            }
        ]
    }
    response = partialjson.stream([call]).until_done()
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("f", {"x": 1})]
    sse = "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks)  # Gemini's SSE uses CRLF
    assert partialjson.stream(sse).until_done().final == {"city": "Paris"}


class Weather(BaseModel):
    location: str


class Strict(BaseModel):
    count: int


def test_typed_answers_and_typed_tool_arguments() -> None:
    response = partialjson.stream(
        events(RESPONSES_TOOL), tools={"get_weather_at_location": Weather}
    )
    ready = [u for u in response if isinstance(u, ToolCallReady)]
    assert ready[0].call.arguments == Weather(location="San Francisco, CA")
    rejected = partialjson.stream(events(RESPONSES_TOOL), tools={"get_weather_at_location": Strict})
    assert any(isinstance(u, ToolCallRejected) for u in rejected) and rejected.tool_calls == []


def test_a_typed_answer_that_does_not_validate_fails_the_response() -> None:
    chunks = [
        {
            "id": "c",
            "choices": [
                {"index": 0, "delta": {"content": '{"count": "many"}'}, "finish_reason": "stop"}
            ],
        }
    ]
    response = partialjson.stream(chunks, Strict).until_done()
    assert (response.state.value, response.reason) == ("failed", "invalid_output")
    ok = [
        {
            "id": "c",
            "choices": [
                {"index": 0, "delta": {"content": '{"count": 3}'}, "finish_reason": "stop"}
            ],
        }
    ]
    assert partialjson.stream(ok, Strict).until_done().final == Strict(count=3)


def test_a_source_that_raises_ends_failed_interrupted() -> None:
    def source() -> Iterator[dict[str, Any]]:
        yield from events(RESPONSES_TOOL)[:5]
        raise ConnectionResetError("peer went away")

    response = partialjson.stream(source())
    updates = list(response)
    assert (response.state.value, response.reason, response.message) == (
        "failed",
        "interrupted",
        "ConnectionResetError",
    )
    assert isinstance(updates[-1], Failed) and isinstance(updates[-1].error, ConnectionResetError)


def test_metrics() -> None:
    response = partialjson.stream(events("openai__chat__json-object-unicode-nested.sse"))
    updates = list(response)
    metrics = response.metrics
    assert metrics.state is ResponseState.COMPLETED and metrics.deltas > 10
    assert metrics.characters == len(response.text)
    assert (
        0 <= metrics.time_to_first_delta <= metrics.time_to_first_complete_field <= metrics.duration
    )
    assert any(isinstance(u, FieldCompleted) for u in updates)


def leaf_strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaf_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in leaf_strings(v)]
    return [value] if isinstance(value, str) and len(value) > 3 else []


def test_logs_record_types_and_states_never_content(caplog: pytest.LogCaptureFixture) -> None:
    name = "openai__responses__insufficient-quota-error-then-failed.sse"
    secrets = ["San Francisco", "You exceeded your current quota"]  # arguments, an error message
    with caplog.at_level(logging.DEBUG, logger="partialjson"):
        partialjson.stream(body(RESPONSES_TOOL)).until_done()
        partialjson.stream(body(name)).until_done()
        partialjson.stream(body("openai__chat__json-object-unicode-nested.sse")).until_done()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "response.function_call_arguments.delta" in text and "insufficient_quota" in text
    assert "completed" in text and "failed" in text
    answer = json.loads(
        EXPECTED["openai__chat__json-object-unicode-nested.sse"]["channels"][0]["final_text"]
    )
    for secret in [*secrets, *leaf_strings(answer)]:
        assert secret not in text


def test_an_interrupted_response_resumes_without_repeating_text() -> None:
    stream_events = events("openai__responses__agents-long-nested-args.sse")
    first = partialjson.stream(stream_events[:60]).until_done()
    assert (first.state.value, first.reason) == ("failed", "interrupted")
    after = first.last_sequence_number
    assert after is not None
    replay = [e for e in stream_events if e["sequence_number"] > after - 10]  # overlapping
    second = first.resume(replay).until_done()
    assert second.state is ResponseState.COMPLETED
    [call] = second.tool_calls
    assert (
        call.arguments_json
        == complete_calls("openai__responses__agents-long-nested-args.sse")[call.call_id]
    )
    assert second.metrics.duplicate_events == 10
    with pytest.raises(RuntimeError, match="only an interrupted response"):
        second.resume([])


def test_leaving_the_loop_early_cancels_and_closes_the_source() -> None:
    closed = []

    def source() -> Iterator[dict[str, Any]]:
        try:
            yield from events(RESPONSES_TOOL)
        finally:
            closed.append(True)

    response = partialjson.stream(source())
    for update in response:
        if isinstance(update, partialjson.ToolCallProgress):
            break
    gc.collect()  # the abandoned iterator is finalized (at once in CPython)
    assert response.state is ResponseState.CANCELLED and closed == [True]
    assert response.tool_calls == []

"""Hostile event shapes: every event that does not fit its provider's schema ends the response
*failed* (``protocol_error``) with the position — never an exception from inside — keeps what
arrived readable and releases nothing. Also: odd-but-valid shapes that must not fail, sanitized
codes, and the limits that apply to tool arguments and SSE framing."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

import partialjson
from partialjson import Failed, Parser, ResponseState, ToolCallRejected

from .streams import body

# -- per provider: a prefix with an answer under way and a complete-but-unreleased tool call -----

RESPONSES_PREFIX = [
    {"type": "response.created", "response": {"id": "resp_1", "model": "m"}},
    {"type": "response.output_text.delta", "item_id": "msg_1", "delta": '{"a": "x'},
    {
        "type": "response.output_item.added",
        "item": {"id": "fc_1", "type": "function_call", "call_id": "call_1", "name": "f"},
    },
    {"type": "response.function_call_arguments.delta", "item_id": "fc_1", "delta": '{"q": 1}'},
]
RESPONSES_DONE = {"type": "response.function_call_arguments.done", "item_id": "fc_1"}
CHAT_PREFIX = [
    {"id": "c1", "choices": [{"index": 0, "delta": {"content": '{"a": "x'}}]},
    {
        "id": "c1",
        "choices": [
            {
                "index": 0,
                "delta": {
                    "tool_calls": [
                        {"index": 0, "id": "call_1", "function": {"name": "f", "arguments": "{}"}}
                    ]
                },
            }
        ],
    },
]
CHAT_DONE = {"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
ANTHROPIC_PREFIX = [
    {"type": "message_start", "message": {"id": "msg_1", "model": "m"}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": '{"a": "x'},
    },
    {
        "type": "content_block_start",
        "index": 1,
        "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}},
    },
    {
        "type": "content_block_delta",
        "index": 1,
        "delta": {"type": "input_json_delta", "partial_json": '{"q": 1}'},
    },
]
ANTHROPIC_DONE = {"type": "content_block_stop", "index": 1}
GEMINI_PREFIX = [
    {"candidates": [{"content": {"parts": [{"text": '{"a": "x'}]}}], "responseId": "g"}
]
GEMINI_DONE = {"candidates": [{"content": {"parts": [{"text": '"}'}]}, "finishReason": "STOP"}]}

PREFIXES = {
    "openai-responses": (RESPONSES_PREFIX, RESPONSES_DONE),
    "openai-chat": (CHAT_PREFIX, CHAT_DONE),
    "anthropic": (ANTHROPIC_PREFIX, ANTHROPIC_DONE),
    "gemini": (GEMINI_PREFIX, GEMINI_DONE),
}


def r(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, **fields}


def chat(choice: Any) -> dict[str, Any]:
    return {"id": "c1", "choices": [choice]}


def chat_delta(delta: Any) -> dict[str, Any]:
    return chat({"index": 0, "delta": delta})


def block_delta(delta: Any, index: Any = 0) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def candidate(value: Any) -> dict[str, Any]:
    return {"candidates": [value]}


def part(value: Any) -> dict[str, Any]:
    return candidate({"content": {"parts": [value]}})


HOSTILE: dict[str, tuple[str, Any]] = {
    # OpenAI Responses
    "responses-delta-number": ("openai-responses", r("response.output_text.delta", delta=5)),
    "responses-delta-list": ("openai-responses", r("response.output_text.delta", delta=["a"])),
    "responses-delta-object": ("openai-responses", r("response.output_text.delta", delta={})),
    "responses-item-id-number": (
        "openai-responses",
        r("response.output_text.delta", item_id=3, delta="a"),
    ),
    "responses-item-missing": ("openai-responses", r("response.output_item.added")),
    "responses-item-string": ("openai-responses", r("response.output_item.added", item="fc")),
    "responses-item-type-number": (
        "openai-responses",
        r("response.output_item.added", item={"type": 7}),
    ),
    "responses-call-id-number": (
        "openai-responses",
        r("response.output_item.added", item={"type": "function_call", "id": "x", "call_id": 1}),
    ),
    "responses-name-list": (
        "openai-responses",
        r("response.output_item.added", item={"type": "function_call", "name": ["f"]}),
    ),
    "responses-arguments-delta-number": (
        "openai-responses",
        r("response.function_call_arguments.delta", item_id="fc_1", delta=1),
    ),
    "responses-arguments-done-object": (
        "openai-responses",
        r("response.function_call_arguments.done", item_id="fc_1", arguments={"q": 1}),
    ),
    "responses-response-list": ("openai-responses", r("response.in_progress", response=[])),
    "responses-incomplete-details-string": (
        "openai-responses",
        r("response.incomplete", response={"incomplete_details": "max"}),
    ),
    "responses-sequence-number-string": (
        "openai-responses",
        r("response.output_text.delta", delta="a", sequence_number="7"),
    ),
    "responses-type-number": ("openai-responses", {"type": 12, "delta": "a"}),
    "responses-refusal-number": ("openai-responses", r("response.refusal.delta", delta=0)),
    "responses-annotation-list": (
        "openai-responses",
        r("response.output_text.annotation.added", annotation=[1]),
    ),
    "responses-reasoning-number": (
        "openai-responses",
        r("response.reasoning_summary_text.delta", delta=2),
    ),
    "responses-text-done-number": ("openai-responses", r("response.output_text.done", text=1)),
    "responses-mcp-delta-bool": (
        "openai-responses",
        r("response.mcp_call_arguments.delta", item_id="m", delta=True),
    ),
    "responses-event-a-list": ("openai-responses", ["response.output_text.delta"]),
    # OpenAI Chat Completions
    "chat-choices-object": ("openai-chat", {"id": "c1", "choices": {"0": {}}}),
    "chat-choices-string": ("openai-chat", {"id": "c1", "choices": "none"}),
    "chat-choice-list": ("openai-chat", chat([0])),
    "chat-index-string": ("openai-chat", chat({"index": "0", "delta": {"content": "a"}})),
    "chat-index-bool": ("openai-chat", chat({"index": True, "delta": {"content": "a"}})),
    "chat-delta-string": ("openai-chat", chat({"index": 0, "delta": "a"})),
    "chat-content-number": ("openai-chat", chat_delta({"content": 1})),
    "chat-tool-calls-object": ("openai-chat", chat_delta({"tool_calls": {"index": 0}})),
    "chat-tool-call-string": ("openai-chat", chat_delta({"tool_calls": ["call"]})),
    "chat-tool-index-string": ("openai-chat", chat_delta({"tool_calls": [{"index": "1"}]})),
    "chat-function-list": (
        "openai-chat",
        chat_delta({"tool_calls": [{"index": 0, "function": []}]}),
    ),
    "chat-arguments-object": (
        "openai-chat",
        chat_delta({"tool_calls": [{"index": 0, "function": {"arguments": {}}}]}),
    ),
    "chat-finish-reason-number": ("openai-chat", chat({"index": 0, "finish_reason": 1})),
    "chat-refusal-list": ("openai-chat", chat_delta({"refusal": ["no"]})),
    "chat-id-number": ("openai-chat", {"id": 5, "choices": []}),
    # Anthropic
    "anthropic-content-block-missing": ("anthropic", r("content_block_start", index=2)),
    "anthropic-content-block-string": (
        "anthropic",
        r("content_block_start", index=2, content_block="text"),
    ),
    "anthropic-index-string": (
        "anthropic",
        block_delta({"type": "text_delta", "text": "a"}, index="0"),
    ),
    "anthropic-delta-missing": ("anthropic", r("content_block_delta", index=0)),
    "anthropic-text-number": ("anthropic", block_delta({"type": "text_delta", "text": 1})),
    "anthropic-partial-json-number": (
        "anthropic",
        block_delta({"type": "input_json_delta", "partial_json": 1}, index=1),
    ),
    "anthropic-delta-type-number": ("anthropic", block_delta({"type": 3})),
    "anthropic-message-delta-list": ("anthropic", r("message_delta", delta=[])),
    "anthropic-stop-reason-number": ("anthropic", r("message_delta", delta={"stop_reason": 1})),
    "anthropic-message-list": ("anthropic", r("message_start", message=[])),
    "anthropic-citation-string": (
        "anthropic",
        block_delta({"type": "citations_delta", "citation": "c"}),
    ),
    "anthropic-stop-index-list": ("anthropic", r("content_block_stop", index=[1])),
    # Gemini
    "gemini-candidates-object": ("gemini", {"candidates": {"0": {}}}),
    "gemini-parts-object": ("gemini", candidate({"content": {"parts": {"text": "a"}}})),
    "gemini-part-string": ("gemini", part("a")),
    "gemini-text-number": ("gemini", part({"text": 1})),
    "gemini-function-call-list": ("gemini", part({"functionCall": []})),
    "gemini-args-list": ("gemini", part({"functionCall": {"name": "f", "args": [1]}})),
    "gemini-finish-reason-number": ("gemini", candidate({"finishReason": 1})),
    "gemini-content-string": ("gemini", candidate({"content": "a"})),
    "gemini-prompt-feedback-list": ("gemini", {"promptFeedback": [], "candidates": []}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_event_fails_the_response_and_keeps_what_arrived(name: str) -> None:
    provider, bad = HOSTILE[name]
    prefix, done = PREFIXES[provider]
    before = partialjson.stream(prefix, provider=provider)
    list(before)  # the prefix alone: interrupted, but its text and partial value are what arrived
    response = partialjson.stream([*prefix, bad, done], provider=provider)
    updates = list(response)  # never raises
    assert (response.state, response.reason) == (ResponseState.FAILED, "protocol_error")
    assert isinstance(updates[-1], Failed) and isinstance(updates[-1].error, ValueError)
    assert response.message is not None
    assert response.message.startswith(f"event {len(prefix) + 1}: ")
    assert response.tool_calls == []  # the done event after it is never applied
    assert response.text == before.text
    assert response.partial == before.partial == {"a": "x"}
    with pytest.raises(partialjson.FinalValueError, match="failed"):
        _ = response.final


def test_there_are_more_than_45_hostile_shapes() -> None:
    assert len(HOSTILE) > 45
    assert {provider for provider, _ in HOSTILE.values()} == set(PREFIXES)


FINE: dict[str, tuple[str, Any]] = {
    "chat-tool-calls-null": ("openai-chat", chat_delta({"content": None, "tool_calls": None})),
    "chat-delta-null": ("openai-chat", chat({"index": 0, "delta": None})),
    "chat-choices-empty": ("openai-chat", {"id": "c1", "choices": [], "usage": {"total": 1}}),
    "chat-index-missing": ("openai-chat", chat({"delta": {"content": None}})),
    "responses-delta-null": ("openai-responses", r("response.output_text.delta", delta=None)),
    "responses-delta-missing": ("openai-responses", r("response.output_text.delta")),
    "responses-unknown-family": ("openai-responses", r("response.audio.delta", delta="AAA=")),
    "responses-unknown-item": (
        "openai-responses",
        r("response.output_item.added", item={"type": "computer_call", "id": "cu_1"}),
    ),
    "anthropic-ping": ("anthropic", r("ping")),
    "anthropic-unknown-delta": ("anthropic", block_delta({"type": "brand_new_delta"})),
    "anthropic-unknown-block": (
        "anthropic",
        r("content_block_start", index=5, content_block={"type": "container_upload"}),
    ),
    "anthropic-text-null": ("anthropic", block_delta({"type": "text_delta", "text": None})),
    "gemini-text-empty": ("gemini", part({"text": ""})),
    "gemini-unknown-part": ("gemini", part({"inlineData": {"mimeType": "image/png"}})),
    "gemini-usage-only": ("gemini", {"usageMetadata": {"totalTokenCount": 3}}),
}


@pytest.mark.parametrize("name", sorted(FINE))
def test_odd_but_valid_shapes_change_nothing(name: str) -> None:
    provider, event = FINE[name]
    prefix, _ = PREFIXES[provider]
    response = partialjson.stream([*prefix, event], provider=provider).until_done()
    assert (response.state.value, response.reason) == ("failed", "interrupted")
    assert response.text == '{"a": "x' and "None" not in response.text


def test_unknown_event_types_of_every_provider_are_counted_and_skipped() -> None:
    for provider, event in [
        ("openai-responses", r("response.brand_new.delta", delta="x")),
        ("openai-responses", r("response.output_item.added", item={"type": "shell_call"})),
        ("anthropic", r("brand_new_event")),
        ("anthropic", block_delta({"type": "brand_new_delta"})),
        ("gemini", part({"videoMetadata": {}})),
        (
            "gemini",
            part({"functionCall": {"name": "f", "partialArgs": [{}], "willContinue": True}}),
        ),
    ]:
        prefix, _ = PREFIXES[provider]
        response = partialjson.stream([*prefix, event], provider=provider).until_done()
        assert response.metrics.unknown_events == 1, (provider, event)
        assert response.reason == "interrupted"


# -- sanitized provider strings -------------------------------------------------------------------


def test_codes_and_ids_are_sanitized_in_states_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    forged = "rate_limit\r\nINFO partialjson: response ok\x1b[2J" + "x" * 500
    events = [
        {"type": "response.created", "response": {"id": "resp\nINFO forged"}},
        {
            "type": "response.output_item.added",
            "item": {"id": "fc", "type": "function_call", "call_id": "call\r\n1", "name": "f\n"},
        },
        {"type": "response.function_call_arguments.done", "item_id": "fc", "arguments": "{}"},
        {"type": "error", "code": forged, "message": "m"},
    ]
    with caplog.at_level(logging.DEBUG, logger="partialjson"):
        response = partialjson.stream(events).until_done()
    assert response.reason is not None and len(response.reason) <= 128
    assert not any(ch in response.reason for ch in "\r\n\x1b")
    [call] = response.tool_calls
    assert call.call_id == "call\r\n1"  # the app needs the exact id to answer; logs get it clean
    for record in caplog.records:
        message = record.getMessage()
        assert "\n" not in message and "\r" not in message and "\x1b" not in message
        assert len(message) < 400
    reasons = [
        {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop\nforged"}]},
    ]
    assert "\n" not in (partialjson.stream(reasons).until_done().reason or "")


# -- limits --------------------------------------------------------------------------------------


def test_max_size_and_max_depth_apply_to_tool_arguments() -> None:
    def call(arguments: str) -> list[dict[str, Any]]:
        return [
            {
                "type": "response.output_item.added",
                "item": {"id": "fc", "type": "function_call", "call_id": "c", "name": "f"},
            },
            {"type": "response.function_call_arguments.delta", "item_id": "fc", "delta": arguments},
            {"type": "response.function_call_arguments.done", "item_id": "fc"},
            {"type": "response.completed"},
        ]

    big = partialjson.stream(call(json.dumps({"a": "x" * 200})), max_size=100)
    rejected = [u for u in big if isinstance(u, ToolCallRejected)]
    assert big.tool_calls == [] and "max_size" in str(rejected[0].error)
    deep = partialjson.stream(call("[" * 50 + "]" * 50), max_depth=10)
    rejected = [u for u in deep if isinstance(u, ToolCallRejected)]
    assert deep.tool_calls == [] and "max_depth" in str(rejected[0].error)
    fine = partialjson.stream(call('{"a": [1]}'), max_size=100, max_depth=10).until_done()
    assert fine.tool_calls[0].arguments == {"a": [1]}


def test_an_endless_sse_line_fails_the_response_with_bounded_memory() -> None:
    def endless() -> Any:
        yield b'data: {"type": "response.created", "response": {}}\n\n'
        yield b'data: {"type": "response.output_text.delta", "delta": "{\\"a\\": 1"}\n\n'
        while True:
            yield b"data: " + b"x" * 65536  # never a line end

    response = partialjson.stream(endless(), max_sse_size=1 << 20)
    updates = list(response)
    assert (response.state.value, response.reason) == ("failed", "protocol_error")
    assert "longer than the limit" in (response.message or "")
    assert isinstance(updates[-1], Failed) and response.partial == {}
    assert response.text == '{"a": 1'


def test_sse_data_that_is_not_a_json_object_is_a_protocol_error() -> None:
    for data in [b"not json", b"[1, 2]", b'"text"']:
        head = b'data: {"type": "response.created", "response": {}}\n\n'
        response = partialjson.stream(head + b"data: " + data + b"\n\n").until_done()
        assert response.reason == "protocol_error", data


def test_an_item_of_no_known_kind_is_a_protocol_error() -> None:
    response = partialjson.stream([{"type": "response.created"}, 42]).until_done()
    assert response.reason == "protocol_error"


def test_real_recordings_stay_parseable_at_a_small_sse_limit() -> None:
    raw = body("openai__responses__agents-long-nested-args.sse")
    longest = max(len(line) for line in raw.splitlines())
    ok = partialjson.stream(raw, max_sse_size=longest).until_done()
    assert ok.state is ResponseState.COMPLETED
    too_small = partialjson.stream(raw, max_sse_size=longest - 1).until_done()
    assert too_small.reason == "protocol_error"


def test_what_was_received_equals_the_parser_fed_the_text() -> None:
    response = partialjson.stream([*RESPONSES_PREFIX]).until_done()
    parser = Parser()
    parser.feed(response.text)
    assert response.partial == parser.value

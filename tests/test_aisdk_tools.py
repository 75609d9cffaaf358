"""AI SDK tool calls, provider-executed tools, sources and items: raw input deltas, the input
whole at release (whatever the deltas said), tool-input-error for a rejected or cut-off call,
moderation (the `ai` package's view of the same streams: test_aisdk_clients.py)."""

from __future__ import annotations

import json
from typing import Any

import partialjson
from partialjson.web.aisdk import ui_message_stream

from .js.cases import chat_tools, responses_call, sources
from .test_aisdk import chunks_of

ARGUMENTS = json.dumps({"query": "weather in Paris", "days": [1, 2, 3]})


def run(events: Any, **options: Any) -> list[dict[str, Any]]:
    stream = events if hasattr(events, "state") else partialjson.stream(events)
    return chunks_of(b"".join(ui_message_stream(stream, heartbeat=None, **options)))


def deltas(sent: list[dict[str, Any]], call_id: str) -> str:
    return "".join(
        c["inputTextDelta"]
        for c in sent
        if c["type"] == "tool-input-delta" and c["toolCallId"] == call_id
    )


def test_the_raw_deltas_assemble_the_arguments_at_every_split() -> None:
    for seed in range(20):
        sent = run(chat_tools([("call_1", "f", ARGUMENTS), ("call_2", "g", "{}")], seed))
        assert deltas(sent, "call_1") == ARGUMENTS and deltas(sent, "call_2") == "{}"
        available = [c for c in sent if c["type"] == "tool-input-available"]
        assert [c["input"] for c in available] == [json.loads(ARGUMENTS), {}]


def test_the_input_at_release_is_the_done_events_arguments() -> None:
    for events in (
        responses_call([ARGUMENTS[:10], ARGUMENTS[25:]], ARGUMENTS, skip=2),  # a gap
        responses_call(['{"query": "Ly', 'on"}'], ARGUMENTS),  # contradicted
    ):
        sent = run(events)
        available = [c for c in sent if c["type"] == "tool-input-available"]
        assert [c["input"] for c in available] == [json.loads(ARGUMENTS)]


def test_a_rejected_call_is_a_tool_input_error_with_the_text_received() -> None:
    sent = run(chat_tools([("call_bad", "f", '{"a": [1, 2}')], 1))
    errors = [c for c in sent if c["type"] == "tool-input-error"]
    assert [(c["errorText"], c["input"]) for c in errors] == [("invalid_arguments", '{"a": [1, ')]
    assert not any(c["type"] == "tool-input-available" for c in sent)


def test_with_a_moderator_no_raw_text_streams() -> None:
    def no_paris(path: str, text: str, complete: bool) -> str:
        return text.replace("Paris", "*****")

    sent = run(chat_tools([("call_1", "f", ARGUMENTS)], 4), moderation=no_paris)
    types = [c["type"] for c in sent if c.get("toolCallId") == "call_1"]
    assert types == ["tool-input-start", "tool-input-delta", "tool-input-available"]
    assert "Paris" not in json.dumps(sent)


def test_provider_executed_tools_sources_and_transient_items() -> None:
    sent = run(sources()["items"]())
    search = [c for c in sent if c.get("toolCallId") == "ws_1"]
    assert all(c["providerExecuted"] and c["dynamic"] for c in search)
    assert search[-2:] == [
        {
            "type": "tool-input-available",
            "toolCallId": "ws_1",
            "providerExecuted": True,
            "dynamic": True,
            "toolName": "web_search",
            "input": {"query": "life"},
        },
        {
            "type": "tool-output-available",
            "toolCallId": "ws_1",
            "providerExecuted": True,
            "dynamic": True,
            "output": {"status": "completed"},
        },
    ]
    assert [c["type"] for c in sent if c["type"].startswith("source-")] == [
        "source-url",
        "source-document",
    ]
    items = [c for c in sent if c["type"] == "data-object-item"]
    assert [(c["id"], c["data"]["item"], c["transient"]) for c in items] == [
        ("item-0", 1, True),
        ("item-1", 2, True),
        ("item-2", 3, True),
    ]

"""AG-UI tool calls, server-run tools, sources and items: raw argument deltas, what happens
after a gap, when the done event contradicts the deltas, when a call is rejected or cut off,
and with a moderator (the official client's view of the same streams: test_agui_clients.py)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import partialjson
from partialjson.web.agui import ITEM_EVENT, agui_events
from partialjson.web.aisdk import ui_message_stream

from .js.cases import chat_tools, responses_call, sources
from .test_agui import parsed

ARGUMENTS = json.dumps({"query": "weather in Paris", "days": [1, 2, 3]})


def run(events: list[dict[str, Any]], **options: Any) -> list[dict[str, Any]]:
    stream = partialjson.stream(events)
    return parsed(b"".join(agui_events(stream, heartbeat=None, run_id="r", **options)))


def assembled(events: list[dict[str, Any]], call_id: str) -> str:
    return "".join(
        e["delta"] for e in events if e["type"] == "TOOL_CALL_ARGS" and e["toolCallId"] == call_id
    )


def test_the_raw_deltas_assemble_the_arguments_at_every_split() -> None:
    for seed in range(20):
        events = run(chat_tools([("call_1", "f", ARGUMENTS), ("call_2", "g", "{}")], seed))
        assert assembled(events, "call_1") == ARGUMENTS
        assert assembled(events, "call_2") == "{}"
        assert events[-1]["outcome"]["pendingToolCallIds"] == ["call_1", "call_2"]


def test_after_a_gap_the_release_sends_the_rest() -> None:
    events = run(responses_call([ARGUMENTS[:10], ARGUMENTS[25:]], ARGUMENTS, skip=2))
    args = [e["delta"] for e in events if e["type"] == "TOOL_CALL_ARGS"]
    assert args == [ARGUMENTS[:10], ARGUMENTS[10:]]  # nothing after the gap until the release
    assert "MESSAGES_SNAPSHOT" not in [e["type"] for e in events]


def test_arguments_the_done_event_contradicts_are_replaced_by_a_messages_snapshot() -> None:
    given = [{"id": "u1", "role": "user", "content": "Weather?"}]
    events = run(responses_call(['{"query": "Ly', 'on"}'], ARGUMENTS), messages=given)
    types = [e["type"] for e in events]
    assert types.index("TOOL_CALL_END") < types.index("MESSAGES_SNAPSHOT")
    snapshot = events[types.index("MESSAGES_SNAPSHOT")]["messages"]
    assert snapshot[0] == given[0]  # the conversation the client shows is kept
    assert snapshot[1]["toolCalls"][0]["function"]["arguments"] == ARGUMENTS


def test_a_rejected_call_is_ended_and_answered_so_nothing_runs_it() -> None:
    events = run(chat_tools([("call_bad", "f", '{"a": [1, 2}'), ("call_ok", "g", "{}")], 1))
    types = [(e["type"], e.get("toolCallId")) for e in events]
    end = types.index(("TOOL_CALL_END", "call_bad"))
    assert types[end + 1] == ("TOOL_CALL_RESULT", "call_bad")
    assert json.loads(events[end + 1]["content"]) == {"error": "invalid_arguments"}
    assert events[-1]["outcome"]["pendingToolCallIds"] == ["call_ok"]


def test_a_call_cut_off_is_answered_interrupted_before_the_run_error() -> None:
    events = run(chat_tools([("call_1", "f", ARGUMENTS)], 2)[:-1])  # no finish: interrupted
    tail = [(e["type"], e.get("toolCallId")) for e in events[-3:]]
    assert tail == [
        ("TOOL_CALL_END", "call_1"),
        ("TOOL_CALL_RESULT", "call_1"),
        ("RUN_ERROR", None),
    ]
    assert json.loads(events[-2]["content"]) == {"error": "interrupted"}


def test_with_a_moderator_the_arguments_go_out_whole_and_moderated() -> None:
    def no_paris(path: str, text: str, complete: bool) -> str:
        return text.replace("Paris", "*****")

    events = run(chat_tools([("call_1", "f", ARGUMENTS)], 4), moderation=no_paris)
    args = [e["delta"] for e in events if e["type"] == "TOOL_CALL_ARGS"]
    assert len(args) == 1 and json.loads(args[0])["query"] == "weather in *****"


def test_server_tools_are_activities_and_citations_a_sources_activity() -> None:
    events = run_source("server-tool-and-sources")
    search = [
        e for e in events if e["type"] == "ACTIVITY_SNAPSHOT" and e["activityType"] != "sources"
    ]
    first = [e["content"] for e in search if e["content"]["toolCallId"] == "ws_1"]
    assert [c["status"] for c in first] == ["in_progress", "searching", "completed", "completed"]
    assert first[-1]["arguments"] == {"query": "life"}
    second = [e["content"] for e in search if e["content"]["toolCallId"] == "ws_2"]
    assert [(c["status"], c["arguments"]) for c in second] == [
        ("in_progress", None),
        ("in_progress", {"query": "the universe"}),  # its arguments arrived
        ("failed", {"query": "the universe"}),
    ]
    assert len({e["messageId"] for e in search}) == 2  # one activity message per call
    cited = [e for e in events if e.get("activityType") == "sources"]
    assert [e["type"] for e in cited] == ["ACTIVITY_SNAPSHOT", "ACTIVITY_DELTA"]
    assert cited[0]["content"]["sources"][0]["url"] == "https://example.com/a"
    assert cited[1]["patch"][0]["value"]["filename"] == "notes.pdf"


def test_items_are_custom_events() -> None:
    events = run_source("items")
    items = [e["value"] for e in events if e["type"] == "CUSTOM" and e["name"] == ITEM_EVENT]
    assert items == [{"index": i, "path": f"/rows/{i}", "item": i + 1} for i in range(3)]


def run_source(name: str) -> list[dict[str, Any]]:
    stream = sources()[name]()
    return parsed(b"".join(agui_events(stream, heartbeat=None, run_id="r")))


@settings(max_examples=60, deadline=None)
@given(
    arguments=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=12,
    ).map(lambda v: json.dumps({"v": v}, ensure_ascii=False)),
    seed=st.integers(0, 10**6),
)
def test_both_protocols_assemble_the_arguments_at_any_split(arguments: str, seed: int) -> None:
    """The law: whatever the split, the raw deltas a client joins are the call's arguments."""
    events = run(chat_tools([("call_1", "f", arguments)], seed))
    assert assembled(events, "call_1") == arguments
    stream = partialjson.stream(chat_tools([("call_1", "f", arguments)], seed))
    sent = b"".join(ui_message_stream(stream, heartbeat=None)).decode().split("\n\n")
    chunks = [json.loads(b[6:]) for b in sent if b.startswith("data: {")]
    text = "".join(c["inputTextDelta"] for c in chunks if c["type"] == "tool-input-delta")
    assert text == arguments

"""Tool call arguments under held fields and moderation: the relay never sends anything but
JSON data a browser may see. Held at "/tool_calls" (or by a pattern such as "/*" that matches
it), the arguments show as null while they stream and whole once the call is ready (held until
complete); text the moderator holds back shows as null."""

from __future__ import annotations

from typing import Any, Optional

import pytest

import partialjson
from partialjson import SSEDecoder, relay
from partialjson.web.agui import agui_events
from partialjson.web.aisdk import ui_message_stream

from .streams import body

FIXTURE = "openai__chat__two-parallel-tools.sse"
READY = [
    ("get_current_weather", {"location": "Seattle, WA"}),
    ("get_current_weather", {"location": "San Francisco, CA"}),
]


def sent(**options: Any) -> list[tuple[str, Any]]:
    raw = b"".join(relay(partialjson.stream(body(FIXTURE)), heartbeat=None, **options))
    decoder = SSEDecoder()
    return [(e.event, e.json()) for e in decoder.feed(raw) + decoder.close()]


def arguments(events: list[tuple[str, Any]], kind: str) -> list[Any]:
    return [data["arguments"] for name, data in events if name == kind]


@pytest.mark.parametrize("pattern", ["/*", "/tool_calls"])
def test_held_arguments_show_as_null_while_they_stream_and_whole_once_ready(pattern: str) -> None:
    events = sent(hold_until_complete=[pattern])
    progress = arguments(events, "tool_call_progress")
    assert progress and all(value is None for value in progress)
    ready = [(d["name"], d["arguments"]) for kind, d in events if kind == "tool_call_ready"]
    assert ready == READY


def test_arguments_the_moderator_holds_back_show_as_null() -> None:
    def hold_everything(path: str, text: str, complete: bool) -> Optional[str]:
        return None

    events = sent(moderation=hold_everything)
    for kind in ("tool_call_progress", "tool_call_ready"):
        values = arguments(events, kind)
        assert values
        # The strings inside are left out; the arguments themselves stay JSON objects.
        assert all(value is None or value == {} for value in values), values


def test_no_relayed_byte_carries_a_python_object() -> None:
    def hold_everything(path: str, text: str, complete: bool) -> Optional[str]:
        return None

    for options in ({"hold_until_complete": ["/*"]}, {"moderation": hold_everything}):
        raw = b"".join(
            relay(partialjson.stream(body(FIXTURE)), heartbeat=None, **options)  # type: ignore[arg-type]
        )
        assert b"object at 0x" not in raw
        for encoder in (agui_events, ui_message_stream):
            out = b"".join(encoder(partialjson.stream(body(FIXTURE)), heartbeat=None, **options))  # type: ignore[operator]
            assert b"object at 0x" not in out

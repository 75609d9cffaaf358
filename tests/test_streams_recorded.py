"""Every recorded provider stream through the adapters: raw SSE, dicts and SDK objects."""

from __future__ import annotations

import json
from typing import Any, Callable, List

import pytest
from pydantic import BaseModel

import partialjson
from partialjson import FinalValueError, PartialUpdate, ResponseState

from .streams import EXPECTED, body, events, sdk_events

SOURCES: dict[str, Callable[[str], Any]] = {
    "sse-whole": body,
    "sse-bytes-1": lambda name: [body(name)[i : i + 1] for i in range(len(body(name)))],
    "sse-text-7": lambda name: [
        body(name).decode()[i : i + 7] for i in range(0, len(body(name)), 7)
    ],
    "dicts": events,
    "sdk-objects": sdk_events,
}


def expected_state(entry: dict[str, Any]) -> tuple[str, Any]:
    state = entry["terminal"]["state"]
    if state.startswith("failed (interrupted)"):
        return "failed", "interrupted"
    return state, entry["terminal"]["reason"]


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recorded_stream(name: str, source: str) -> None:
    entry = EXPECTED[name]
    response = partialjson.stream(SOURCES[source](name))
    updates = list(response)
    state, reason = expected_state(entry)
    assert (response.state.value, response.reason) == (state, reason)
    assert type(updates[-1]).__name__ == state.capitalize()
    assert response.provider == entry["provider_api"].replace("anthropic-messages", "anthropic")

    tool_channels = [c for c in entry["channels"] if c["kind"] == "tool_args"]
    released = {call.call_id: call for call in response.tool_calls}
    for channel in tool_channels:
        if channel["closed"] and channel["json_valid"] and state == "completed":
            call = released.pop(channel["call_id"])
            assert call.name == channel["name"]
            assert call.arguments_json == channel["final_text"]
            assert call.arguments == json.loads(channel["final_text"])
    assert released == {}  # nothing released that was not complete, nothing twice

    text_channels = [c for c in entry["channels"] if c["kind"] == "structured_text"]
    if text_channels:
        [channel] = text_channels
        assert response.text == channel["final_text"]
        if state == "completed":
            assert response.final == json.loads(channel["final_text"])
    if state != "completed":
        with pytest.raises(FinalValueError, match=state):
            _ = response.final


def test_refusal_text_is_collected() -> None:
    response = partialjson.stream(body("openai__chat__structured-refusal.sse")).until_done()
    assert response.state is ResponseState.REFUSED and response.refusal.startswith("I'm sorry")


def test_truncated_structured_output_is_incomplete_not_a_json_error() -> None:
    response = partialjson.stream(
        body("openai__chat__structured-length-truncated.sse")
    ).until_done()
    assert response.state is ResponseState.INCOMPLETE and response.reason == "length"
    assert response.partial is not None  # what arrived is still there, for display
    with pytest.raises(FinalValueError, match=r"incomplete \(length\)"):
        _ = response.final


def test_prose_text_beside_tool_calls_does_not_fail_the_response() -> None:
    response = partialjson.stream(body("anthropic__messages__two-parallel-tools.sse")).until_done()
    assert response.state is ResponseState.COMPLETED and response.reason == "tool_use"
    assert [c.name for c in response.tool_calls] == ["get_weather", "get_time"]
    with pytest.raises(FinalValueError, match="not valid"):
        _ = response.final


class Weather(BaseModel):
    temperature: str
    condition: str


class Report(BaseModel):
    location: str
    weather: Weather


def test_typed_answers_from_recordings() -> None:
    chat = partialjson.stream(body("openai__chat__json-object-unicode-nested.sse"), Report)
    views = [u.value for u in chat if isinstance(u, PartialUpdate)]
    assert type(views[-1]).__name__ == "PartialReport"
    assert (
        chat.final.location == "San Francisco, CA"
        and chat.final.weather.condition == "Partly Cloudy"
    )
    numbers = partialjson.stream(body("anthropic__messages__structured-int-array.sse"), List[int])
    assert numbers.until_done().final == [12345, 67890]

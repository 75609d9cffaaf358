"""Every record-shaped provider case (tests/fixtures/provider_cases) — tools without arguments,
provider-run tools, reasoning, citations, odd tool ids — as dicts, as the SDKs' event objects,
and as raw SSE bytes split at random points."""

from __future__ import annotations

import random
from typing import Any, Callable

import pytest

import partialjson
from partialjson import (
    Cancelled,
    Completed,
    Failed,
    Incomplete,
    ReasoningDelta,
    Refused,
    ServerToolCallUpdate,
    ToolCallIdIssue,
    ToolCallReady,
)
from partialjson.providers.detect import PROVIDERS

from .provider_cases import CASES, sdk_objects, sse_body

TERMINALS = (Completed, Incomplete, Refused, Failed, Cancelled)


def random_splits(body: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, 40)))
    return [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)])]


SOURCES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "dicts": lambda case: case["events"],
    "sdk-objects": lambda case: sdk_objects(case["provider"], case["events"]),
    "sse-random-splits": lambda case: random_splits(
        sse_body(case["provider"], case["events"]), seed=len(case["name"])
    ),
    "sse-bytes-1": lambda case: [bytes([b]) for b in sse_body(case["provider"], case["events"])],
}


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("name", sorted(CASES))
def test_provider_case(name: str, source: str) -> None:
    case = CASES[name]
    expect = case["expect"]
    response = partialjson.stream(SOURCES[source](case))
    updates = list(response)

    assert response.provider == case["provider"]
    assert [type(u) for u in updates if isinstance(u, TERMINALS)] == [type(updates[-1])]
    assert response.state.value == expect["state"], response.message
    if "reason" in expect:
        assert response.reason == expect["reason"]
    if "text" in expect:
        assert response.text == expect["text"]
    if "final" in expect:
        assert response.final == expect["final"]

    released = [(c.call_id, c.name, c.arguments, c.kind) for c in response.tool_calls]
    expected_calls = [
        (c["call_id"], c["name"], c["arguments"], c["kind"]) for c in expect.get("tool_calls", [])
    ]
    assert released == expected_calls
    ready = [u.call for u in updates if isinstance(u, ToolCallReady)]
    assert ready == response.tool_calls

    servers = response.server_tool_calls
    assert len(servers) == len(expect.get("server_tool_calls", []))
    for call, wanted in zip(servers, expect.get("server_tool_calls", [])):
        for field, value in wanted.items():
            assert getattr(call, field) == value, field
    shown = [u.call.call_id for u in updates if isinstance(u, ServerToolCallUpdate)]
    assert set(shown) == {c.call_id for c in servers}
    assert not {c.call_id for c in servers} & {c.call_id for c in response.tool_calls}

    reasoning = [u for u in updates if isinstance(u, ReasoningDelta)]
    assert response.reasoning == expect.get("reasoning", "")
    assert "".join(u.delta for u in reasoning) == response.reasoning
    if response.reasoning:  # kept apart from the answer and from tool arguments
        assert response.reasoning not in response.text
        assert all(response.reasoning not in c.arguments_json for c in response.tool_calls)
    if "reasoning_kinds" in expect:
        assert [u.kind for u in reasoning] == expect["reasoning_kinds"]
    if "signature" in expect:
        assert response.choices[0].reasoning_signature == expect["signature"]
    assert response.citations == expect.get("citations", [])

    issues = [[u.call_id, u.problem] for u in updates if isinstance(u, ToolCallIdIssue)]
    assert issues == expect.get("id_issues", [])


def test_every_case_has_a_documented_source() -> None:
    assert len(CASES) >= 20
    for case in CASES.values():
        assert case["documented"] and case["provider"] in PROVIDERS

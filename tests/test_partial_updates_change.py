"""A PartialUpdate is emitted only when the value as shown changed (issue 16)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import partialjson
from partialjson import PartialUpdate

from .jsonlaws import json_values


def _chunks(text: str, cuts: list[int]) -> list[dict[str, Any]]:
    points = sorted({0, *(c % (len(text) + 1) for c in cuts), len(text)})
    pieces = [text[a:b] for a, b in zip(points, points[1:])]
    chunks = [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    return [*chunks, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]


def test_closing_quotes_and_brackets_are_not_changes() -> None:
    deltas = ['{"a": [1, ', "   ", "\n", '"x', "", '"', "]}"]
    cuts = [sum(map(len, deltas[:i])) for i in range(len(deltas) + 1)]
    response = partialjson.stream(_chunks("".join(deltas), cuts))
    shown = [copy.deepcopy(u.value) for u in response if isinstance(u, PartialUpdate)]
    assert shown == [{"a": [1]}, {"a": [1, "x"]}]


@given(json_values, st.lists(st.integers(min_value=0), max_size=12))
def test_no_update_repeats_the_previous_value(value: Any, cuts: list[int]) -> None:
    text = json.dumps(value)
    previous: Any = object()
    for update in partialjson.stream(_chunks(text, cuts)):
        if isinstance(update, PartialUpdate):
            assert update.changed
            assert update.value != previous
            previous = copy.deepcopy(update.value)

"""The lists a parser or a choice makes only when first needed (no empty list per open stream
for the garbage collector to visit) behave as lists made up front: each caller gets its own,
the same one on every read until the parser moves on, and changing it changes nothing else."""

from __future__ import annotations

import json
from typing import Any, Optional

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import partialjson
from partialjson import TypedParser
from partialjson.lifecycle.choices import ChoiceResult


class Row(BaseModel):
    id: int
    name: str = ""


class Table(BaseModel):
    title: str = ""
    rows: list[Row] = []
    score: Optional[float] = None


documents = st.builds(
    lambda title, rows, score: json.dumps(
        {"title": title, "rows": [{"id": i, "name": n} for i, n in rows], "score": score}
    ),
    st.text(max_size=8),
    st.lists(st.tuples(st.integers(-5, 5), st.text(max_size=5)), max_size=4),
    st.one_of(st.none(), st.floats(-10, 10)),
)


def _run(text: str, cuts: list[int], meddle: bool) -> list[Any]:
    """What a typed parser says after each delta; ``meddle``: junk added to every list read."""
    parser: TypedParser[Table] = TypedParser(Table, items="rows")
    seen: list[Any] = []
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    for start, end in zip(bounds, bounds[1:]):
        parser.feed(text[start:end])
        lists = [parser.changed, parser.completed, parser.issues, parser.items]
        seen.append([list(each) for each in lists])
        assert [parser.changed, parser.completed, parser.issues, parser.items] == lists
        if meddle:
            for each in lists:
                each.append(("junk",))
    parser.finish()
    return seen


@settings(max_examples=60, deadline=None)
@given(documents, st.lists(st.integers(0, 400), max_size=12))
def test_a_list_a_caller_changed_changes_no_other_parser(text: str, cuts: list[int]) -> None:
    before = _run(text, cuts, meddle=False)
    _run(text, cuts, meddle=True)
    assert _run(text, cuts, meddle=False) == before


def test_a_list_read_is_the_same_list_until_the_next_delta() -> None:
    parser: TypedParser[Table] = TypedParser(Table, items="rows")
    parser.feed('{"title": "a", "rows": [{"id": 1}')
    completed, issues, items = parser.completed, parser.issues, parser.items
    assert parser.completed is completed and parser.issues is issues and parser.items is items
    assert completed == [("title",), ("rows", 0, "id"), ("rows", 0)] and issues == []
    parser.feed(', {"id": "x"}], "score": 1}')
    assert parser.issues is issues and parser.items is items  # they grow in place
    assert [issue.path for issue in issues] == [("rows", 1, "id"), ("rows", 1)]
    assert items == [Row(id=1)]


def test_a_choices_tool_calls_and_citations_are_its_own_lists() -> None:
    first, second = ChoiceResult(0, None, {}), ChoiceResult(1, None, {})
    first.citations.append("a")
    first.tool_calls.append(partialjson.ToolCall("c", "f", {}, "{}"))
    assert first.citations is first.citations and first.citations == ["a"]
    assert second.citations == [] and second.tool_calls == []
    second.citations = ["b"]
    assert second.citations == ["b"] and first.citations == ["a"]


def test_a_streams_citations_and_tool_calls() -> None:
    events = [
        {"type": "response.output_text.annotation.added", "annotation": {"url": "u"}},
        {"type": "response.output_text.delta", "delta": "[1]"},
        {"type": "response.completed"},
    ]
    stream = partialjson.stream(events)
    assert stream.until_done().citations == [{"url": "u"}]
    assert stream.tool_calls == [] and stream.choices[0].tool_calls == []

"""Issue.position and ValidationError positions point exactly at the offending value."""

from __future__ import annotations

import datetime
from typing import List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from partialjson import TypedParser

from .jsonlaws import cut


class Reading(BaseModel):
    at: datetime.date
    value: int
    ok: bool


class Log(BaseModel):
    readings: List[Reading]


TEXT = (
    '{"readings": [{"at": "2024-01-01", "value": 1, "ok": true},\n'
    ' {"at": "someday", "value": 12.5, "ok": "maybe"},\n'
    ' {"at": "2024-01-03", "value": -77, "ok": null}]}'
)


def starts(text: str, needle: str, count: int = 1) -> int:
    at = -1
    for _ in range(count):
        at = text.index(needle, at + 1)
    return at


EXPECTED = [
    (("readings", 1, "at"), starts(TEXT, '"someday"')),
    (("readings", 1, "value"), starts(TEXT, "12.5")),
    (("readings", 1, "ok"), starts(TEXT, '"maybe"')),
    (("readings", 2, "ok"), starts(TEXT, "null")),
]


@given(st.lists(st.integers(0, len(TEXT)), max_size=40))
def test_issue_positions_are_exact_however_the_text_is_split(points: list[int]) -> None:
    parser = TypedParser(Log)
    for piece in cut(TEXT, points):
        parser.feed(piece)
    assert [(i.path, i.position) for i in parser.issues] == EXPECTED
    assert all(TEXT[i.position] in '"-0123456789tfn' for i in parser.issues)


def test_final_errors_carry_the_same_positions() -> None:
    parser = TypedParser(Log)
    parser.feed(TEXT)
    with pytest.raises(ValidationError) as info:
        parser.finish()
    assert info.value.positions == dict(EXPECTED)  # type: ignore[attr-defined]


@given(st.lists(st.integers(0, len(TEXT)), max_size=40))
def test_final_positions_however_the_text_is_split_with_a_missing_field(points: list[int]) -> None:
    """Known issues lend their offsets to finish(); the others are looked for in the text."""
    text = TEXT.replace('"value": -77, ', "")  # item 2 misses `value`: no issue while streaming
    parser = TypedParser(Log)
    for piece in cut(text, points):
        parser.feed(piece)
    with pytest.raises(ValidationError) as info:
        parser.finish()
    expected = {**dict(EXPECTED[:3]), ("readings", 2, "value"): starts(text, "{", 4)}
    expected[("readings", 2, "ok")] = starts(text, "null")
    assert info.value.positions == expected  # type: ignore[attr-defined]


def test_a_missing_field_points_at_its_object() -> None:
    parser = TypedParser(Log)
    parser.feed('{"readings": [{"at": "2024-01-01", "ok": true}]}')
    with pytest.raises(ValidationError) as info:
        parser.finish()
    assert info.value.positions == {("readings", 0, "value"): 14}  # type: ignore[attr-defined]


def test_positions_count_characters_of_bytes_input() -> None:
    text = '{"readings": [{"at": "☕☕", "value": 1, "ok": true}]}'
    parser = TypedParser(Log)
    data = text.encode()
    for i in range(len(data)):
        parser.feed(data[i : i + 1])
    assert [i.position for i in parser.issues] == [text.index('"☕☕"')]


def test_an_issue_under_an_open_value_is_located_without_looping() -> None:
    class Pair(BaseModel):
        a: List[int]
        b: int

    parser = TypedParser(Pair)
    parser.feed('{"a": [1, "x", 2')
    assert [(i.path, i.position) for i in parser.issues] == [(("a", 1), 10)]
    assert parser._locator.find('{"a": [1, "x"', 0, ("b",)) == (0, 0)


@pytest.mark.parametrize("long_at", [None, 3, 40, 100])
def test_positions_are_exact_with_many_deltas_and_a_long_one(long_at: Optional[int]) -> None:
    """str deltas reach the text log a few dozen at a time: every question the log answers
    (an issue's position, finish()'s text) sees every delta received before it."""
    pieces = list(TEXT)  # one character per delta: the log takes them in batches
    if long_at is not None:  # a long delta (taken at once) among short ones
        pieces[long_at : long_at + 300] = ["".join(pieces[long_at : long_at + 300])]
    parser = TypedParser(Log)
    for piece in pieces:
        parser.feed(piece)
    assert [(i.path, i.position) for i in parser.issues] == EXPECTED
    with pytest.raises(ValidationError) as info:
        parser.finish()
    assert info.value.positions == dict(EXPECTED)  # type: ignore[attr-defined]


@pytest.mark.parametrize("before", [0, 1, 30, 31, 32, 33, 64])
def test_a_lone_surrogate_anywhere_in_a_batch_of_deltas(before: int) -> None:
    text = '["' + "a" * before + '\ud800", "ok"]'
    parser: TypedParser[List[str]] = TypedParser(List[str])
    for piece in text:
        parser.feed(piece)
    with pytest.raises(ValidationError) as ours:
        parser.finish()
    with pytest.raises(ValidationError) as theirs:
        TypeAdapter(List[str]).validate_json(text)
    assert ours.value.errors() == theirs.value.errors()

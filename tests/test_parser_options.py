"""Parser options: limits, lenient JSON-mode answers, several root values."""

from __future__ import annotations

import pytest

from partialjson import IncompleteJSONError, ParseError, Parser, loads


def test_max_depth() -> None:
    assert loads("[" * 5 + "]" * 5, max_depth=5) == [[[[[]]]]]
    with pytest.raises(ParseError, match="max_depth=5") as info:
        loads("[" * 6, max_depth=5)
    assert info.value.pos == 5


def test_default_max_depth_is_1000_and_never_recurses() -> None:
    assert loads("[" * 1000 + "]" * 1000) is not None
    with pytest.raises(ParseError, match="max_depth"):
        loads("[" * 1001)


def test_max_size_keeps_what_fits() -> None:
    parser = Parser(max_size=10)
    parser.feed('["abc", ')
    with pytest.raises(ParseError, match="max_size of 10") as info:
        parser.feed('"defgh"]')
    assert info.value.pos == 10
    assert parser.value == ["abc", "d"]


@pytest.mark.parametrize(
    "text",
    [
        'Sure! Here is the JSON:\n```json\n{"a": [1, 2]}\n```\nAnything else?',
        '<think>The user wants {"a": 0}... maybe [1]</think>\n{"a": [1, 2]} trailing',
        '\ufeff{"a": [1, 2]}',
        '{"a": [1, 2]}',
    ],
)
def test_lenient_mode_finds_the_json(text: str) -> None:
    for step in (1, 3, len(text)):
        parser = Parser(lenient=True)
        for i in range(0, len(text), step):
            parser.feed(text[i : i + step])
        assert parser.close() == {"a": [1, 2]}


def test_lenient_mode_reports_positions_in_the_whole_text() -> None:
    with pytest.raises(ParseError) as info:
        loads("Here: {x}", lenient=True)
    assert info.value.pos == 7


def test_lenient_mode_with_no_json() -> None:
    parser = Parser(lenient=True)
    parser.feed("I cannot help with that.")
    assert parser.value is None
    with pytest.raises(IncompleteJSONError, match="No JSON"):
        parser.close()


def test_strict_mode_rejects_prose() -> None:
    with pytest.raises(ParseError, match="Expecting value"):
        loads("Sure! {}")


def test_multiple_values() -> None:
    parser = Parser(multiple_values=True)
    events = parser.feed('{"a": 1}\n{"a": 2}\n[3')
    assert parser.value == [{"a": 1}, {"a": 2}, []]  # 3 may still become 30
    assert events[0].path == (0,) and events[-1].path == (2,)
    assert [e.path for e in parser.feed("] 4 ")] == [(2, 0), (2,), (3,)]
    assert parser.close() == [{"a": 1}, {"a": 2}, [3], 4]


def test_multiple_values_close_on_truncated_root() -> None:
    parser = Parser(multiple_values=True)
    parser.feed('{"a": 1} {"a"')
    with pytest.raises(IncompleteJSONError):
        parser.close()
    assert parser.value == [{"a": 1}, {}]


def test_multiple_values_empty_input() -> None:
    assert Parser(multiple_values=True).close() == []

"""The bulk path: complete containers in a big delta go through the stdlib's C scanner.

Whatever path a value takes, the value, the events, the limits and the errors are those of the
token-by-token path. These tests force the bulk path onto every container (the minimum span is
patched to zero) and compare with feeding one character at a time, where it never applies.
"""

from __future__ import annotations

import copy
import io
import json
import pickle
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import ijson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from partialjson import ParseError, Parser, StringFragment, loads
from partialjson.core import lexer
from partialjson.core.builder import nests_deeper

from .jsonlaws import cut, dump_options, json_values, serialize

ijson_python = ijson.get_backend("python")
cut_points = st.lists(st.integers(min_value=0, max_value=10_000), max_size=6)
parser_options = st.fixed_dictionaries(
    {"partial_numbers": st.booleans(), "partial_strings": st.booleans()}
)


@pytest.fixture(autouse=True)
def every_container_is_offered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(lexer, "_BULK_MIN", 0)
    yield


def run(pieces: list[Any], **options: Any) -> tuple[Any, list[Any], Any]:
    """Feed the pieces: (final value or error, completed events, value after the end)."""
    parser = Parser(**options)
    events: list[Any] = []
    outcome: Any
    try:
        for piece in pieces:
            events += parser.feed(piece)
        outcome = parser.close()
    except ParseError as error:
        events += error.events
        outcome = (type(error), error.msg, error.pos, error.lineno, error.colno)
    completed = [e for e in events if not isinstance(e, StringFragment)]
    return outcome, completed, parser.value


@given(json_values, dump_options, cut_points)
def test_big_deltas_agree_with_one_character_at_a_time(
    value: Any, options: dict[str, Any], points: list[int]
) -> None:
    text = serialize(value, options)
    assert run(cut(text, points)) == run(list(text))
    assert run([text])[0] == json.loads(text)


@given(json_values, dump_options)
def test_bulk_events_equal_ijson(value: Any, options: dict[str, Any]) -> None:
    text = serialize(value, options)
    parser = Parser()
    ours = [e.as_ijson() for e in parser.feed(text) if not isinstance(e, StringFragment)]
    parser.close()
    theirs = list(ijson_python.parse(io.BytesIO(text.encode()), use_float=True))
    if len(theirs) == 1 and theirs[0][1] == "number":
        ours = [("", "number", parser.value)]
    assert ours == theirs


@st.composite
def damaged(draw: st.DrawFn) -> str:
    text = serialize(draw(json_values), draw(dump_options))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    junk = draw(st.sampled_from([*'{}[]:,"\\x-0.eE+tfn \x00\x1f\n', "\ud800", "NaN", "1e999"]))
    return text[:at] + junk + text[at + draw(st.integers(0, 1)) :]


@given(damaged(), cut_points, parser_options)
def test_errors_and_what_was_accepted_do_not_depend_on_the_split(
    text: str, points: list[int], options: dict[str, Any]
) -> None:
    assert run(cut(text, points), **options) == run(list(text), **options)


@given(json_values, st.integers(min_value=1, max_value=8))
def test_max_depth_is_the_same_on_the_bulk_path(value: Any, max_depth: int) -> None:
    text = json.dumps(value)
    assert run([text], max_depth=max_depth) == run(list(text), max_depth=max_depth)


def _counted_parser() -> tuple[Parser, list[int]]:
    """A parser whose calls of the stdlib's C scanner are recorded (where each began)."""
    parser = Parser()
    calls: list[int] = []
    scan_once = parser._lexer.scan_once
    assert scan_once is not None

    def counting(buf: str, i: int) -> Any:
        calls.append(i)
        return scan_once(buf, i)

    parser._lexer.scan_once = counting
    return parser, calls


def test_the_bulk_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"id": i, "name": f"n{i}", "tags": ["a", "b"], "ok": None} for i in range(50)]
    text = json.dumps(records)
    parser, calls = _counted_parser()
    events = parser.feed(text[:-10])
    assert calls and parser.value[:49] == records[:49]
    parser.feed(text[-10:])
    assert parser.close() == records
    assert [e.as_ijson() for e in events][:3] == [
        ("", "start_array", None),
        ("item", "start_map", None),
        ("item", "map_key", "id"),
    ]


def test_repeated_keys_keep_both_events_and_the_last_value() -> None:
    text = '[{"a": 1, "b": [2], "a": {"c": 3}}, {"a": {"x": 1}, "a": 2}]'
    parser = Parser()
    events = parser.feed(text)
    assert parser.close() == json.loads(text)
    assert [e.as_ijson()[1:] for e in events if e.kind == "map_key"] == [
        ("map_key", "a"),
        ("map_key", "b"),
        ("map_key", "a"),
        ("map_key", "c"),
        ("map_key", "a"),
        ("map_key", "x"),
        ("map_key", "a"),
    ]


@pytest.mark.parametrize(
    "text",
    ["[NaN]", "[1, Infinity]", "[-Infinity]", '{"a": [1, 2,]}', "[1e5, 01]", '["\\x"]'],
)
def test_what_the_stdlib_accepts_and_json_does_not_is_still_an_error(text: str) -> None:
    with pytest.raises(ParseError) as whole:
        loads(text)
    with pytest.raises(ParseError) as one_by_one:
        parser = Parser()
        for char in text:
            parser.feed(char)
    assert whole.value.pos == one_by_one.value.pos


def test_custom_number_types_on_the_bulk_path() -> None:
    text = '[{"a": 1.10, "b": 2, "c": [true, null, "x"]}]'
    assert loads(text, parse_float=Decimal, parse_int=str) == [
        {"a": Decimal("1.10"), "b": "2", "c": [True, None, "x"]}
    ]
    assert loads(text, parse_int=lambda s: [int(s)]) == [
        {"a": 1.1, "b": [2], "c": [True, None, "x"]}
    ]


def test_long_strings_with_escapes_split_anywhere() -> None:
    # The C decoder takes long string text; an escape, a surrogate pair or a run of escaped
    # backslashes cut by the end of a delta waits for the next one, whatever the cut.
    value = {
        "body": 'a\\"b\\\\\\" \U0001f600 \ud800 x\n\t\u00e9\\\\' * 3,
        "k\U0001f600": ["\\", '"', "\udbff\udfff"],
    }
    text = json.dumps(value)
    for at in range(len(text) + 1):
        parser = Parser()
        events = parser.feed(text[:at])
        partial = copy.deepcopy(parser.value)
        events += parser.feed(text[at:])
        assert parser.close() == json.loads(text), at
        assert partial == run(list(text[:at]))[2], at
        strings = [e for e in events if e.kind == "string"]
        fragments = [e for e in events if e.kind == "string_fragment"]
        for string in strings:  # the fragments of a string rebuild it
            pieces = [f.fragment for f in fragments if f.path == string.path]
            assert not pieces or "".join(pieces) == string.string[: len("".join(pieces))]


def test_the_events_of_a_big_delta_are_built_when_used() -> None:
    records = [{"id": i, "tags": ["a", {"b": None}], "ok": True} for i in range(20)]
    text = json.dumps(records)
    expected = run(list(text))[1]

    def fresh() -> list[Any]:
        events = Parser().feed(text)
        assert isinstance(events, list)
        assert list.__len__(events) < len(expected)  # not built yet
        return events

    assert fresh() == expected and expected == fresh()
    assert not (fresh() != expected)  # noqa: SIM202 - __ne__ is the point
    assert len(fresh()) == len(expected) and bool(fresh())
    assert list(fresh()) == expected and tuple(fresh()) == tuple(expected)
    assert [*fresh()] == expected and list(reversed(fresh())) == expected[::-1]
    assert fresh()[0] == expected[0] and fresh()[-3:] == expected[-3:]
    assert expected[5] in fresh() and fresh().index(expected[5]) == 5
    assert fresh().count(expected[0]) == 1
    assert repr(fresh()) == repr(expected) and str(fresh()) == str(expected)
    assert fresh().copy() == expected and copy.copy(fresh()) == expected
    assert pickle.loads(pickle.dumps(fresh())) == expected
    assert [] + fresh() == expected  # noqa: RUF005 - list.__add__ is the point
    assert fresh() + [] == expected and fresh() * 2 == expected * 2  # noqa: RUF005
    plain: list[Any] = []
    alias = plain
    plain += fresh()
    assert alias is plain and plain == expected
    plain.extend(fresh())
    assert plain == expected * 2
    assert fresh() + fresh() == expected * 2 and fresh() == fresh()
    assert sorted(fresh(), key=lambda e: e.kind) == sorted(expected, key=lambda e: e.kind)
    events = fresh()
    events.append(expected[0])
    assert events == [*expected, expected[0]]
    events = fresh()
    del events[0]
    assert events == expected[1:]
    events = fresh()
    assert events.pop() == expected[-1] and events == expected[:-1]
    error_events = fresh()
    error_events[0] = expected[1]
    assert error_events[:2] == [expected[1], expected[1]]


def test_a_bad_character_after_bulk_members_keeps_their_events() -> None:
    text = json.dumps([{"a": [i, "x"]} for i in range(10)])[:-1] + "}"
    with pytest.raises(ParseError) as error:
        Parser().feed(text)
    assert error.value.pos == len(text) - 1
    assert [e for e in error.value.events if not isinstance(e, StringFragment)] == run(list(text))[
        1
    ]


@pytest.mark.parametrize(
    "text",
    [
        # The last `}, {` of the delta inside a string, inside a member, or at the array's level.
        '[{"a": 1}, {"b": "x}, {y"}, {"c": 2}]',
        '[{"a": 1}, {"b": [{"c": 1}, {"d": 2}]}, {"e": "}, {"}]',
        '[[1], [[2], [3]], {"f": {"g": [{}, {}]}}, [{"h": "]"}]]',
        '[{"a": 1, "a": 2}, {"b": 3}, {"b": 4, "b": {"c": 5}}, {"d": 6}]',
        '{"list": [{"a": "\\"}, {\\""}, {"b": "\\\\"}, {"c": [1, 2]}]}',
        '[{"a": NaN}, {"b": 1}, {"c": 2}]',
    ],
)
def test_members_read_in_one_call_agree_with_one_character_at_a_time(text: str) -> None:
    # Every cut: the batch of members read in one C call ends at the last `}, {` of the delta,
    # which may lie inside a string or a member rather than between members.
    expected = run(list(text))
    for at in range(len(text) + 1):
        assert run([text[:at], text[at:]]) == expected, at
        assert run([text[:at], text[at:]], max_depth=3) == run(list(text), max_depth=3), at


def test_members_are_read_in_one_call() -> None:
    records = [{"id": i, "name": f"n{i}", "tags": ["a", "b"], "ok": None} for i in range(50)]
    text = json.dumps(records)
    parser, calls = _counted_parser()
    parser.feed(text[:-10])  # the last member is cut: one call for the 48 before it, one for it
    assert len(calls) <= 3 and parser.value[:49] == records[:49]
    parser.feed(text[-10:])
    assert parser.close() == records


def test_a_deep_document_cut_by_the_delta_still_reads_its_records_in_bulk() -> None:
    """Forty levels open above a list of records, and the delta ends among the records: every
    level is cut, so offering it to the C scanner fails; the records are still read in one call
    (the offers after a failed one are those of members that follow a container)."""
    node: Any = [{"k": i, "v": "leaf"} for i in range(500)]
    for level in range(40):
        node = {"level": level, "child": node} if level % 2 else [node, level]
    text = json.dumps(node)
    head = text[: len(text) // 2]
    parser = Parser()
    scan_once = parser._lexer.scan_once
    assert scan_once is not None
    scans: list[tuple[str, bool]] = []  # what each call began with, and whether it read it

    def recording(buf: str, i: int) -> Any:
        try:
            result = scan_once(buf, i)
        except Exception:
            scans.append((buf[i : i + 12], False))
            raise
        scans.append((buf[i : i + 12], True))
        return result

    parser._lexer.scan_once = recording
    parser.feed(head)
    assert len(scans) <= 3
    assert ('[{"k": 1, "v', True) in scans  # the members after the first, in one call
    parser.feed(text[len(head) :])
    assert parser.close() == node
    assert run([head, text[len(head) :]])[1] == run(list(text))[1]  # the same events


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


@given(st.lists(json_values, max_size=5), st.integers(min_value=0, max_value=6))
def test_nests_deeper_agrees_with_the_depth(values: list[Any], room: int) -> None:
    assert nests_deeper(values, room) == (max(map(_depth, values), default=0) > room)

"""The laws of the incremental parser, checked over generated documents and splits."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import ijson
from hypothesis import given
from hypothesis import strategies as st

from partialjson import ParseError, Parser, StringFragment

from .jsonlaws import cut, dump_options, is_prefix, json_values, serialize

# ijson's pure-Python backend is its reference; the C backend overflows on big integers and
# drops the dot of an empty key in prefixes ('item' for ("", 0)).
ijson_python = ijson.get_backend("python")
cut_points = st.lists(st.integers(min_value=0, max_value=10_000), max_size=40)


def feed_all(parser: Parser, pieces: list[Any]) -> list[Any]:
    """Feed every piece, returning a snapshot of the partial value after each."""
    snapshots = []
    for piece in pieces:
        parser.feed(piece)
        snapshots.append(copy.deepcopy(parser.value))
    return snapshots


@given(json_values, dump_options, cut_points)
def test_any_split_gives_json_loads_result(
    value: Any, options: dict[str, Any], points: list[int]
) -> None:
    text = serialize(value, options)
    parser = Parser()
    feed_all(parser, cut(text, points))
    assert parser.close() == json.loads(text)


@given(json_values, dump_options, cut_points)
def test_every_partial_value_is_a_prefix_of_the_final_one(
    value: Any, options: dict[str, Any], points: list[int]
) -> None:
    text = serialize(value, options)
    parser = Parser()
    snapshots = feed_all(parser, cut(text, points))
    final = parser.close()
    for before, after in zip(snapshots, snapshots[1:]):
        assert before is None or is_prefix(before, after)  # values only grow
    for snapshot in snapshots:
        assert snapshot is None or is_prefix(snapshot, final)


@given(json_values, dump_options)
def test_one_character_at_a_time(value: Any, options: dict[str, Any]) -> None:
    text = serialize(value, options)
    parser = Parser()
    snapshots = feed_all(parser, list(text))
    final = parser.close()
    assert final == json.loads(text)
    assert all(s is None or is_prefix(s, final) for s in snapshots)


@given(json_values, dump_options, cut_points)
def test_bytes_split_inside_multibyte_characters(
    value: Any, options: dict[str, Any], points: list[int]
) -> None:
    data = serialize(value, {**options, "ensure_ascii": False}).encode("utf-8")
    parser = Parser()
    snapshots = feed_all(parser, cut(data, points))
    final = parser.close()
    assert final == json.loads(data)
    assert all(s is None or is_prefix(s, final) for s in snapshots)


@given(json_values, dump_options, cut_points)
def test_completed_events_equal_ijson(
    value: Any, options: dict[str, Any], points: list[int]
) -> None:
    text = serialize(value, options)
    parser = Parser()
    events = [e for piece in cut(text, points) for e in parser.feed(piece)]
    parser.close()
    ours = [e.as_ijson() for e in events if not isinstance(e, StringFragment)]
    theirs = list(ijson_python.parse(io.BytesIO(text.encode()), use_float=True))
    if len(theirs) == 1 and theirs[0][1] == "number":
        # A root number ends at end of input, inside close(), whose events are not returned.
        ours = [("", "number", parser.value)]
    assert ours == theirs


@given(json_values, dump_options, cut_points)
def test_fragments_rebuild_every_string(
    value: Any, options: dict[str, Any], points: list[int]
) -> None:
    text = serialize(value, options)
    parser = Parser()
    growing: dict[Any, str] = {}
    for piece in cut(text, points):
        for event in parser.feed(piece):
            if isinstance(event, StringFragment):
                growing[event.path] = growing.get(event.path, "") + event.fragment
            elif event.kind == "string":
                assert event.value.startswith(growing.pop(event.path, ""))
    parser.close()
    assert growing == {}


@st.composite
def invalid_documents(draw: st.DrawFn) -> str:
    text = serialize(draw(json_values), draw(dump_options))
    at = draw(st.integers(min_value=0, max_value=len(text)))
    junk = draw(st.sampled_from([*'{}[]:,"\\x-0.eE+tfn \x00\x1f\n', "\ud800", "é"]))
    if draw(st.booleans()):
        return text[:at] + junk + text[at:]
    return text[:at] + junk + text[at + 1 :]


@given(invalid_documents(), cut_points)
def test_errors_agree_with_json_loads_and_name_the_first_bad_character(
    text: str, points: list[int]
) -> None:
    try:
        expected: Any = json.loads(text)
    except ValueError:
        expected = ParseError
    parser = Parser()
    try:
        for piece in cut(text, points):
            parser.feed(piece)
        result = parser.close()
    except ParseError as error:
        if text.strip() and text.lstrip()[:3] in ("NaN", "Inf", "-In"):
            return  # json.loads accepts these extensions; RFC 8259 does not.
        assert expected is ParseError or any(w in text for w in ("NaN", "Infinity")), text
        # Everything before the reported position is a valid beginning, and it is the feed
        # delivering that position that raises.
        head = Parser()
        head.feed(text[: error.pos])
        assert error.pos == len(text) or isinstance(error, ParseError)
        if error.pos < len(text):
            try:
                head.feed(text[error.pos])
            except ParseError as again:
                assert again.pos == error.pos
            else:
                raise AssertionError(f"character at {error.pos} was accepted: {text!r}")
        return
    assert result == expected


prose = st.text(alphabet=st.characters(blacklist_characters="{[<"), max_size=30)


@given(st.lists(json_values, max_size=4), dump_options, cut_points)
def test_multiple_values_any_split(
    values: list[Any], options: dict[str, Any], points: list[int]
) -> None:
    options = {**options, "indent": None}  # one value a line: JSON Lines
    text = "".join(serialize(v, options) + "\n" for v in values)
    parser = Parser(multiple_values=True)
    feed_all(parser, cut(text, points))
    assert parser.close() == values


@given(
    st.one_of(st.lists(json_values), st.dictionaries(st.text(max_size=8), json_values)),
    dump_options,
    prose,
    st.booleans(),
    prose,
    cut_points,
)
def test_lenient_mode_finds_the_document_in_any_wrapping(
    value: Any, options: dict[str, Any], before: str, fenced: bool, after: str, points: list[int]
) -> None:
    body = serialize(value, options)
    if fenced:
        body = f"```json\n{body}\n```"
    text = f"<think>{{maybe}} [not this]</think>{before}{body}{after}"
    parser = Parser(lenient=True)
    feed_all(parser, cut(text, points))
    assert parser.close() == value

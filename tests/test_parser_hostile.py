"""Hostile input and broken streams (issue 14, issue 8): a documented error or state, in
bounded time and memory, with everything accepted before the bad character kept."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from partialjson import IncompleteJSONError, ParseError, Parser, StringFragment, loads
from partialjson.core.lexer import MAX_NUMBER_LENGTH

from .jsonlaws import cut

INT_DIGIT_LIMIT = getattr(sys, "get_int_max_str_digits", lambda: 0)()


def splits(text: Any) -> list[list[Any]]:
    """The same input whole, in two, in chunks of 7 and one character at a time."""
    return [
        [text],
        cut(text, [len(text) // 2]),
        cut(text, list(range(7, len(text), 7))),
        list(text[i : i + 1] for i in range(len(text))),
    ]


def outcome(pieces: list[Any], **options: Any) -> tuple[Any, ...]:
    """What a parser makes of the pieces: the result or error, the completed events (those the
    error carries included), and the value left readable."""
    parser = Parser(**options)
    events: list[Any] = []
    try:
        for piece in pieces:
            events += parser.feed(piece)
        result: Any = parser.close()
    except ParseError as error:
        events += error.events
        result = (type(error).__name__, error.msg, error.pos, error.lineno, error.colno)
    completed = [e for e in events if not isinstance(e, StringFragment)]
    return result, completed, parser.value


def same_for_every_split(text: Any, **options: Any) -> tuple[Any, ...]:
    results = [outcome(pieces, **options) for pieces in splits(text)]
    assert all(r == results[0] for r in results), text[:80]
    return results[0]


# ---------------------------------------------------------------- defects found from outside


@pytest.mark.skipif(not 0 < INT_DIGIT_LIMIT < 10_000, reason="int() has no digit limit here")
@pytest.mark.parametrize("partial_numbers", [True, False])
@pytest.mark.parametrize("closed", [True, False])
def test_number_over_the_int_digit_limit_is_a_parse_error(
    partial_numbers: bool, closed: bool
) -> None:
    text = '{"a": 1, "b": ' + "7" * (INT_DIGIT_LIMIT + 50) + ("}" if closed else "")
    result, events, value = same_for_every_split(text, partial_numbers=partial_numbers)
    assert result[0] == "ParseError" and "Number cannot be converted" in result[1]
    assert result[2] == text.index("7")  # the error names the number's start
    assert value == {"a": 1}
    assert [e.kind for e in events] == ["start_map", "map_key", "number", "map_key"]


@pytest.mark.parametrize("partial_numbers", [True, False])
def test_number_length_limit_does_not_depend_on_the_split(partial_numbers: bool) -> None:
    text = "[1." + "5" * MAX_NUMBER_LENGTH + "]"
    result, _, value = same_for_every_split(text, partial_numbers=partial_numbers)
    assert result[0] == "ParseError" and "longer than" in result[1]
    assert result[2] == 1 + MAX_NUMBER_LENGTH  # the first character over the limit
    assert value == ([float(text[1 : 1 + MAX_NUMBER_LENGTH])] if partial_numbers else [])


def test_a_number_fed_one_character_at_a_time_is_scanned_once() -> None:
    digits = "5" * (MAX_NUMBER_LENGTH - 3)
    parser = Parser()
    parser.feed("[1.")
    for digit in digits:  # O(length) in all: each feed scans only its own character
        parser.feed(digit)
    parser.feed("]")
    assert parser.close() == [float("1." + digits)]


@pytest.mark.parametrize(
    ("text", "options", "pos", "words"),
    [
        ('{"a": [1, 2], "b": "hello", "c": [true, n', {"max_size": 33}, 33, "max_size"),
        ('{"a": [1, 2], "b": "hello", "c": [true, nul]}', {}, 43, "'null'"),
        ('{"a": [1, 2], "b": "hel\x01lo"}', {}, 23, "control character"),
        ('{"a": [1, 2], "b": [3, 4] "c"}', {}, 26, "delimiter"),
        ('[{"x": 1.5e}]', {"partial_numbers": True}, 11, "expecting a digit"),
    ],
)
def test_what_was_accepted_before_an_error_is_kept(
    text: str, options: dict[str, Any], pos: int, words: str
) -> None:
    result, events, value = same_for_every_split(text, **options)
    assert result[2] == pos and words in result[1]
    # Exactly what feeding the text before the bad character gives: events and value.
    before = Parser(**options)
    expected = [e for e in before.feed(text[:pos]) if not isinstance(e, StringFragment)]
    assert events == expected and value == before.value


def test_events_of_the_failing_delta_are_on_the_error() -> None:
    parser = Parser(max_size=12)
    parser.feed("[1, ")
    with pytest.raises(ParseError, match="max_size") as info:
        parser.feed('{"a": 2}, {"b": 3}]')
    assert [e.kind for e in info.value.events] == ["start_map", "map_key", "number", "end_map"]
    assert parser.value == [1, {"a": 2}]


def test_invalid_utf8_keeps_what_came_before_it() -> None:
    data = b'{"a": [1, 2], "b": "ok", "c": "x\xff"}'
    result, events, value = same_for_every_split(data)
    assert result[0] == "ParseError" and "Invalid UTF-8" in result[1]
    assert result[2] == data.index(b"\xff")
    assert value == {"a": [1, 2], "b": "ok", "c": "x"}
    assert [e.kind for e in events][-2:] == ["string", "map_key"]


def test_partial_numbers_view_after_an_error_does_not_depend_on_the_split() -> None:
    for text in ["[1.x", "[12.5ex", "[-x", '{"a": 10, "b": 2.', "[1, 23e+x"]:
        same_for_every_split(text, partial_numbers=True)


def test_mixing_str_and_bytes_is_a_type_error_at_the_first_mixed_feed() -> None:
    parser = Parser()
    parser.feed(b'["caf\xc3')
    with pytest.raises(TypeError, match="str after bytes"):
        parser.feed('\xa9"]')
    parser.feed(b'\xa9"]')  # the parser is unharmed: the refused delta was not consumed
    assert parser.close() == ["café"]
    parser = Parser()
    parser.feed("[1, ")
    with pytest.raises(TypeError, match="bytes after str"):
        parser.feed(b"2]")
    assert parser.feed(b"") == [] and parser.feed("") == []  # empty deltas are harmless


# ---------------------------------------------------------------- truncated UTF-8 (issue 8)


@pytest.mark.parametrize("char", ["é", "€", "😀"])
def test_bytes_cut_inside_a_character_are_an_incomplete_document(char: str) -> None:
    data = json.dumps({"note": f"caf{char}"}, ensure_ascii=False).encode()
    start = data.index(char.encode())
    for end in range(start + 1, start + len(char.encode())):
        parser = Parser()
        parser.feed(data[:end])
        with pytest.raises(IncompleteJSONError, match="inside a UTF-8 character"):
            parser.close()
        assert parser.value == {"note": "caf"}
        assert loads(data[:end]) == {"note": "caf"}  # loads returns what is whole


def test_a_cut_character_after_a_complete_document() -> None:
    with pytest.raises(ParseError, match="Extra data") as info:
        loads(b"[1] \xe2\x82")
    assert not isinstance(info.value, IncompleteJSONError)
    assert loads(b'{"a": 1} \xe2\x82', lenient=True) == {"a": 1}  # lenient ignores a trailer


# ---------------------------------------------------------------- adversarial inputs


def test_100000_nested_brackets_fail_fast_and_cleanly() -> None:
    for pieces in (["[" * 100_000], ["[" * 1000] * 100):
        parser = Parser()
        with pytest.raises(ParseError, match="max_depth=1000") as info:
            for piece in pieces:
                parser.feed(piece)
        assert info.value.pos == 1000


def test_nesting_beyond_the_recursion_limit_within_a_raised_max_depth() -> None:
    # Deeper than sys.getrecursionlimit(): the stdlib scanner gives up (RecursionError) and
    # the token-by-token path, which never recurses, takes over. (Each event carries its full
    # path, so events cost O(depth) each: max_depth is what bounds them.)
    depth = 3 * sys.getrecursionlimit()
    text = "[" * depth + "]" * depth
    parser = Parser(max_depth=depth)
    parser.feed(text)
    value = parser.close()
    levels = 0
    while value:
        value, levels = value[0], levels + 1
    assert levels == depth - 1
    with pytest.raises(ParseError, match="max_depth"):
        Parser(max_depth=depth - 1).feed(text)


@pytest.mark.parametrize("make", [lambda n: '"' + "a" * n + '"', lambda n: "1" * n])
def test_50_mb_values_against_max_size(make: Any) -> None:
    text = make(50 * 2**20)
    parser = Parser(max_size=2**20)
    with pytest.raises(ParseError) as info:
        for i in range(0, len(text), 2**16):
            parser.feed(text[i : i + 2**16])
    first_bad = min(2**20, MAX_NUMBER_LENGTH if text[0] == "1" else 2**20)
    assert info.value.pos == first_bad


@pytest.mark.parametrize(
    "data",
    [
        b'"\xc0\xaf"',  # overlong "/"
        b'"\xe0\x80\xaf"',  # overlong, 3 bytes
        b'"\xf0\x80\x80\xaf"',  # overlong, 4 bytes
        b'"\xed\xa0\x80"',  # a surrogate encoded in UTF-8
        b'"\xf4\x90\x80\x80"',  # beyond U+10FFFF
        b'"\x80"',  # a lone continuation byte
        b'"\xff"',
        b'["a", "\xc3("]',
    ],
)
def test_invalid_utf8_has_the_same_outcome_as_json_loads(data: bytes) -> None:
    try:
        expected: Any = json.loads(data)
    except ValueError:
        expected = ParseError
    for pieces in splits(data):
        parser = Parser()
        try:
            for piece in pieces:
                parser.feed(piece)
            got: Any = parser.close()
        except ParseError:
            got = ParseError
        assert got == expected


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud800"',
        '"\\udc00"',
        '"\\ud800\\u0041"',
        '"\\ud83d\\ude00"',
        '"\\ude00\\ud83d"',
        '"\\ud800\\ud800"',
        '["\\ud83d", "\\ude00"]',
        '"\\ud83dx"',
    ],
)
def test_surrogate_escapes_as_json_loads(text: str) -> None:
    for pieces in splits(text):
        assert outcome(pieces)[0] == json.loads(text)


@pytest.mark.parametrize(
    "text",
    ['"a\x00b"', "[\x00]", '{"a\x1f": 1}', '"\x7f"', "[1,\x00 2]", '"\t"', "\x00", '"a\\u0000"'],
)
def test_nul_and_control_characters_as_json_loads(text: str) -> None:
    try:
        expected: Any = json.loads(text)
    except ValueError:
        expected = "ParseError"
    result = same_for_every_split(text)[0]
    assert (result[0] if isinstance(result, tuple) else result) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'\xef\xbb\xbf{"a": 1}', {"a": 1}),  # bytes: skipped, as json.loads(bytes) does
        ('\ufeff{"a": 1}', ParseError),  # str: an error, as json.loads(str) says
        (b"[1, \xef\xbb\xbf 2]", ParseError),  # not at the start: a stray character
        (b'["\xef\xbb\xbf"]', ["\ufeff"]),  # inside a string: a character like any other
    ],
)
def test_byte_order_marks(data: Any, expected: Any) -> None:
    for pieces in splits(data):
        result = outcome(pieces)[0]
        assert (ParseError if isinstance(result, tuple) else result) == expected


def test_a_million_key_object() -> None:
    text = "{" + ", ".join(f'"k{i}": {i}' for i in range(1_000_000)) + "}"
    parser = Parser()
    events = 0
    for i in range(0, len(text), 2**16):
        events += len(parser.feed(text[i : i + 2**16]))
    value = parser.close()
    assert value == {f"k{i}": i for i in range(1_000_000)}
    assert events == 2_000_002  # start_map, a key and a number per member, end_map


def test_repeated_keys_last_wins_like_json_loads() -> None:
    text = '{"a": 1, "b": {"c": 2, "c": [3]}, "a": {"d": 4}, "b": 5}'
    for pieces in splits(text):
        result, events, _ = outcome(pieces)
        assert result == json.loads(text) == {"a": {"d": 4}, "b": 5}
        assert sum(e.kind == "map_key" for e in events) == 7  # every key is reported


def test_reading_the_value_never_changes_a_string_already_handed_out() -> None:
    parser = Parser()
    parser.feed('{"a": "hel')
    first = parser.value["a"]
    parser.feed("lo")
    second = parser.value["a"]
    parser.feed(' world"}')
    assert (first, second, parser.close()["a"]) == ("hel", "hello", "hello world")

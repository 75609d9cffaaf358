"""Bad input: a clear ParseError at the first bad character, raised by the feed that delivers it."""

from __future__ import annotations

import json
import pickle

import pytest

from partialjson import IncompleteJSONError, ParseError, Parser, loads

# (document, offset of the first bad character, words the message contains)
INVALID = [
    ("01", 1, "Extra data"),
    ("-a", 1, "expecting a digit"),
    ("1.a", 2, "expecting a digit"),
    ("[1.]", 3, "expecting a digit"),
    ("1.e5", 2, "expecting a digit"),
    ("[1e]", 3, "expecting a digit"),
    ("trux", 3, "'true'"),
    ("[nulx]", 4, "'null'"),
    ("[tx]", 2, "'true'"),
    ('"a\\x"', 3, "Invalid \\escape"),
    ('"\\u12x4"', 5, "Invalid \\uXXXX escape"),
    ('"a\x01"', 2, "Invalid control character"),
    ('"a\nb"', 2, "Invalid control character"),
    ("[1 2]", 3, "Expecting ',' delimiter or ']'"),
    ('{"a" 1}', 5, "Expecting ':' delimiter"),
    ('{"a":1 "b"}', 7, "Expecting ',' delimiter or '}'"),
    ("{1:2}", 1, "Expecting property name"),
    ("[1,]", 3, "Expecting value"),
    ('{"a":1,}', 7, "Expecting property name"),
    ('{"a":1}}', 7, "Extra data"),
    ("[,1]", 1, "Expecting value"),
    ("NaN", 0, "Expecting value"),
    ("[Infinity]", 1, "Expecting value"),
    ("[-Infinity]", 2, "expecting a digit"),
    ("\ufeff{}", 0, "BOM"),
    ("[}", 1, "Expecting value"),
    ('{"a"]', 4, "Expecting ':'"),
    ("[1}", 2, "Expecting ',' delimiter or ']'"),
    ("'a'", 0, "Expecting value"),
]


@pytest.mark.parametrize(("text", "pos", "words"), INVALID)
def test_error_names_the_first_bad_character(text: str, pos: int, words: str) -> None:
    with pytest.raises(json.JSONDecodeError):  # json.loads rejects it too
        json.loads(text.replace("NaN", "NaX").replace("Infinity", "Infinitx"))
    parser = Parser()
    parser.feed(text[:pos])  # everything before it is a valid beginning
    with pytest.raises(ParseError) as info:
        parser.feed(text[pos:])
    error = info.value
    assert error.pos == pos and words in error.msg
    assert isinstance(error, json.JSONDecodeError) and isinstance(error, ValueError)


def test_line_and_column_count_across_deltas() -> None:
    parser = Parser()
    parser.feed('{\n  "a": 1,\n')
    parser.feed('  "b": [tr')
    with pytest.raises(ParseError) as info:
        parser.feed("ux]}")
    assert (info.value.lineno, info.value.colno, info.value.pos) == (3, 12, 23)
    assert str(info.value).endswith("line 3 column 12 (char 23)")


def test_what_was_received_stays_readable_after_an_error() -> None:
    parser = Parser()
    parser.feed('{"a": [1, 2], "b": "hel')
    with pytest.raises(ParseError):
        parser.feed('lo", "c": tru, "d": 4}')
    assert parser.value == {"a": [1, 2], "b": "hello"}
    with pytest.raises(ParseError):  # the parser stays failed
        parser.feed("e")
    with pytest.raises(ParseError):
        parser.close()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "Expecting value"),
        ('{"a": "xy', "Unterminated string"),
        ('{"a"', "Expecting ':'"),
        ('{"a": 1', "Expecting ',' delimiter or '}'"),
        ("[1.", "Expecting value"),
        ("[tr", "Expecting value"),
        ('{"', "Unterminated string"),
        ("{", "Expecting property name"),
    ],
)
def test_truncated_input_is_incomplete_not_invalid(text: str, words: str) -> None:
    parser = Parser()
    parser.feed(text)
    with pytest.raises(IncompleteJSONError) as info:
        parser.close()
    assert words in info.value.msg and "Truncated" in info.value.msg
    assert info.value.pos == len(text)


def test_errors_pickle() -> None:
    with pytest.raises(ParseError) as info:
        loads("[1 2]")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.msg, copy.pos, copy.lineno, copy.colno) == (
        info.value.msg,
        info.value.pos,
        info.value.lineno,
        info.value.colno,
    )


def test_invalid_utf8_keeps_the_valid_part() -> None:
    parser = Parser()
    parser.feed(b'["ab')
    with pytest.raises(ParseError, match="Invalid UTF-8") as info:
        parser.feed(b'c\xff"]')
    assert info.value.pos == 5
    assert parser.value == ["abc"]


def test_bytes_may_start_with_a_bom_as_json_loads_allows() -> None:
    data = b'\xef\xbb\xbf{"a": "\xc3\xa9"}'
    parser = Parser()
    for byte in data:
        parser.feed(bytes([byte]))
    assert parser.close() == json.loads(data) == {"a": "é"}


def test_feed_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="str or bytes"):
        Parser().feed(12)  # type: ignore[arg-type]


def test_number_too_long_to_convert_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="Number"):
        loads("[" + "9" * 5000 + "]")
    with pytest.raises(ParseError, match="longer than"):
        parser = Parser()
        for _ in range(3):
            parser.feed("1" * 5000)

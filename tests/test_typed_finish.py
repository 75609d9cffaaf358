"""finish() validates the text received, whichever way its last deltas reached the log.

The root's closing bracket writes the pending ``str`` deltas to the log, and ``finish()``
validates the log's buffer as it is when only valid ``str`` deltas were received
(``TextLog.plain``): what comes after the bracket, what never closes a container, what is no
UTF-8 and what arrives as bytes must still be validated (or refused) as ``validate_json`` of
the whole text would.
"""

from __future__ import annotations

from typing import Any, List, Union

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from partialjson import IncompleteJSONError, ParseError, TypedParser


class Note(BaseModel):
    text: str
    tags: List[str] = []


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _same_as_validate_json(type_: Any, deltas: List[Union[str, bytes]], **options: Any) -> None:
    """finish() returns, or raises the errors of, ``validate_json`` of the joined deltas."""
    whole: Union[str, bytes] = (
        "".join(d for d in deltas if isinstance(d, str))
        if isinstance(deltas[0], str)
        else b"".join(d for d in deltas if isinstance(d, bytes))
    )
    parser: TypedParser[Any] = TypedParser(type_, **options)
    for delta in deltas:
        parser.feed(delta)
    try:
        expected = TypeAdapter(type_).validate_json(whole)
    except ValidationError as theirs:
        with pytest.raises(ValidationError) as ours:
            parser.finish()
        assert ours.value.errors() == theirs.errors()
    else:
        assert parser.finish() == expected
        assert parser.finish() is parser.final  # (once: later calls return the same value)


@pytest.mark.parametrize("size", [1, 3, 7, 40, 1000])
@pytest.mark.parametrize("after", ["", " ", "\n", " \n\t \r\n" * 20])
def test_whitespace_after_the_root_in_deltas_of_any_size(size: int, after: str) -> None:
    text = '{"text": "naïve café", "tags": ["a", "b"]}' + after
    _same_as_validate_json(Note, list(_pieces(text, size)))


@pytest.mark.parametrize("size", [1, 2, 5, 100])
@pytest.mark.parametrize("text", ['"a string root"', "12345", "-1.5e3", "true", "null", ' "x" '])
def test_a_scalar_root_closes_no_container(size: int, text: str) -> None:
    type_: Any = Union[str, int, float, bool, None]
    _same_as_validate_json(type_, list(_pieces(text, size)))


@pytest.mark.parametrize("size", [1, 4, 64])
def test_many_deltas_each_validated_once_in_the_log(size: int) -> None:
    """More deltas than are kept pending (32), long ones (> 256 characters) and short ones."""
    notes = [{"text": "x" * (i * 37 % 300), "tags": ["t"] * (i % 3)} for i in range(40)]
    text = TypeAdapter(List[Note]).dump_json([Note(**n) for n in notes]).decode()
    _same_as_validate_json(List[Note], list(_pieces(text, size)))


def test_an_invalid_value_after_the_flush_is_a_validation_error() -> None:
    deltas = ['{"text": ', "1", ', "tags": [', '"a", ', "2", "]", "}", "  "]
    _same_as_validate_json(Note, deltas)


def test_a_lone_surrogate_in_the_closing_delta() -> None:
    deltas = ['{"text": "a', '", "tags": ["\ud800"]}']
    _same_as_validate_json(Note, deltas)


def test_a_lone_surrogate_after_the_root_closed_is_refused_by_the_core() -> None:
    parser = TypedParser(Note)
    parser.feed('{"text": "a"}')
    with pytest.raises(ParseError):
        parser.feed("\ud800")
    with pytest.raises(ParseError):
        parser.finish()


def test_junk_after_the_root_is_the_core_error_not_a_validation() -> None:
    parser = TypedParser(Note)
    parser.feed('{"text": "a"}')
    with pytest.raises(ParseError) as fed:
        parser.feed(' {"text"')
    with pytest.raises(ParseError) as finished:
        parser.finish()
    assert str(finished.value) == str(fed.value)


def test_bytes_deltas_are_validated_as_received() -> None:
    data = '\ufeff{"text": "naïve", "tags": ["☕"]} '.encode()
    deltas: List[Union[str, bytes]] = [data[i : i + 3] for i in range(0, len(data), 3)]
    parser = TypedParser(Note)
    for delta in deltas:
        parser.feed(delta)
    assert parser.finish() == Note(text="naïve", tags=["☕"])


def test_bytes_ending_inside_a_character_after_the_root() -> None:
    parser = TypedParser(Note)
    parser.feed(b'{"text": "a"}')
    parser.feed(" ☕".encode()[:2])
    with pytest.raises(IncompleteJSONError, match="UTF-8"):
        parser.finish()


@pytest.mark.parametrize("size", [1, 9, 500])
def test_items_and_the_final_value_from_the_same_log(size: int) -> None:
    text = '[{"text": "a"}, {"text": "b", "tags": ["x"]}]\n'
    parser = TypedParser(List[Note], items=())
    for piece in _pieces(text, size):
        parser.feed(piece)
    assert parser.items == [Note(text="a"), Note(text="b", tags=["x"])]
    assert parser.finish() == parser.items


@pytest.mark.parametrize("size", [1, 6, 200])
def test_lenient_validates_the_json_found_in_the_text(size: int) -> None:
    text = 'Sure! Here it is:\n```json\n{"text": "a", "tags": []}\n```\nAnything else?'
    parser = TypedParser(Note, lenient=True)
    for piece in _pieces(text, size):
        parser.feed(piece)
    assert parser.finish() == Note(text="a")


def test_the_raw_parser_asked_for_after_the_flush_reads_the_same_text() -> None:
    parser = TypedParser(Note)
    for piece in _pieces('{"text": "naïve", "tags": ["a"]}  ', 2):
        parser.feed(piece)
    assert parser.parser.value == {"text": "naïve", "tags": ["a"]}
    assert parser.finish() == Note(text="naïve", tags=["a"])

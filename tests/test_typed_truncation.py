"""Truncated input is incomplete, never malformed; a BOM the parser accepts, finish() accepts.

``finish()`` checks for a cut UTF-8 character itself; the same in ``Parser.close()`` and
``loads`` is the core's part (and ``finish()`` relies on ``Parser.close()`` for the rest).
"""

from __future__ import annotations

from typing import Any, List

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from partialjson import IncompleteJSONError, ParseError, Parser, TypedParser


class Note(BaseModel):
    text: str
    tags: List[str] = []


DATA = '{"text": "naïve café ☕ 𝄞", "tags": ["ü"]}'.encode()


@pytest.mark.parametrize("end", range(1, len(DATA)))
def test_every_cut_is_incomplete(end: int) -> None:
    parser = TypedParser(Note)
    parser.feed(DATA[:end])
    with pytest.raises(IncompleteJSONError) as info:
        parser.finish()
    assert not isinstance(info.value, type(None)) and isinstance(info.value, ParseError)
    assert parser.partial is None or isinstance(parser.partial.text, (str, type(None)))


def test_a_cut_inside_a_character_after_a_whole_document_is_incomplete() -> None:
    parser = TypedParser(Note)
    parser.feed(b'{"text": "x"}' + "☕".encode()[:2])
    with pytest.raises(IncompleteJSONError, match="UTF-8"):
        parser.finish()


def test_a_bom_the_parser_accepts_finish_accepts() -> None:
    data = b"\xef\xbb\xbf" + DATA
    assert Parser().feed(data)  # the core parser tolerates a leading BOM in bytes
    parser = TypedParser(Note)
    for i in range(0, len(data), 2):
        parser.feed(data[i : i + 2])
    assert parser.finish() == Note.model_validate_json(DATA)


def test_bytes_split_inside_characters_stream_whole_characters() -> None:
    parser = TypedParser(Note)
    seen = []
    for i in range(len(DATA)):
        parser.feed(DATA[i : i + 1])
        if parser.partial is not None and parser.partial.text:
            seen.append(parser.partial.text)
    assert "naïve café ☕ 𝄞" in seen and all("\ufffd" not in text for text in seen)
    assert parser.finish().text == "naïve café ☕ 𝄞"


def test_a_bom_split_anywhere_and_positions_after_it() -> None:
    data = b"\xef\xbb\xbf" + '{"text": 1, "tags": ["ü"]}'.encode()
    for cut in range(len(data) + 1):
        parser = TypedParser(Note)
        parser.feed(data[:cut])
        parser.feed(data[cut:])
        with pytest.raises(ValidationError) as info:
            parser.finish()
        assert info.value.positions == {("text",): 9}  # type: ignore[attr-defined]
        assert [issue.position for issue in parser.issues] == [9]  # characters, BOM not counted


@pytest.mark.parametrize(
    "received", ['{"text": "a\ud800"}', b'{"text": "a\xed\xa0\x80"}'], ids=["str", "bytes"]
)
def test_lone_surrogates_fail_as_validate_json_of_the_text(received: Any) -> None:
    """The text is validated, not its bytes: pydantic reads surrogates differently in each."""
    text = received if isinstance(received, str) else received.decode("utf-8", "surrogatepass")
    with pytest.raises(ValidationError) as expected:
        TypeAdapter(Note).validate_json(text)
    parser = TypedParser(Note)
    parser.feed(received)
    with pytest.raises(ValidationError) as info:
        parser.finish()
    assert info.value.errors() == expected.value.errors()

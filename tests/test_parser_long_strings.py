"""Long strings in big deltas: the C decoder takes the text of a string that runs on from the
last delta (with a closing quote added at the end of the delta), and the line count skips what
it read. Whatever the cut, the values after every delta, the events, the final value and the
errors (with their line and column) are those of feeding one character at a time.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partialjson import ParseError, Parser, StringFragment

from .jsonlaws import cut

# Text that needs every kind of escape: quotes, backslashes, control characters, non-ASCII,
# pairs and lone surrogates (written as \uXXXX with ensure_ascii).
prose = st.text(
    st.sampled_from([*'ab "\\/\n\t\x00\x1f', "\u00e9", "\u6771", "\U0001f600", "\ud800", "\udc00"])
    | st.characters(),
    min_size=0,
    max_size=400,
)
documents = st.builds(
    lambda title, body, tail, options: json.dumps(
        {"title": title, "body": body, "tags": [tail, 1], "end": True}, **options
    ),
    st.text(max_size=10),
    prose,
    prose,
    st.fixed_dictionaries(
        {"ensure_ascii": st.booleans(), "indent": st.sampled_from([None, 2, "\n"])}
    ),
)
# Cuts far apart: deltas long enough for the C decoder (more than 64 characters left).
big_cuts = st.lists(st.integers(min_value=0, max_value=2_000), max_size=5)


def feed_all(pieces: list[str]) -> tuple[list[Any], Any, list[Any]]:
    """The value after each piece, the final value or error, and the completed events (the
    fragments of each string, checked here, rebuild the beginning of it)."""
    parser = Parser()
    values: list[Any] = []
    events: list[Any] = []
    outcome: Any
    try:
        for piece in pieces:
            events += parser.feed(piece)
            values.append(json.dumps(parser.value))
        outcome = parser.close()
    except ParseError as error:
        events += error.events
        values.append(json.dumps(parser.value))
        outcome = (error.msg, error.pos, error.lineno, error.colno)
    fragments: dict[Any, str] = {}
    completed = []
    for event in events:
        if isinstance(event, StringFragment):
            fragments[event.path] = fragments.get(event.path, "") + event.fragment
        else:
            completed.append(event)
            if event.kind == "string":
                assert event.string.startswith(fragments.pop(event.path, ""))
    return values, outcome, completed


def one_at_a_time(text: str, pieces: list[str]) -> tuple[list[Any], Any, list[Any]]:
    """feed_all's answer had the same text been fed one character at a time (the values
    taken at the ends of the pieces)."""
    values, outcome, completed = feed_all(list(text))
    ends, at = [], 0
    for piece in pieces:
        at += len(piece)
        ends.append(at - 1)
    if isinstance(outcome, tuple):  # an error: values up to the piece that raised it
        failed = len(values) - 1
        ends = [e for e in ends if e < failed] + [failed]
    return [values[e] for e in ends], outcome, completed


@given(documents, big_cuts)
def test_long_strings_in_big_deltas_agree_with_one_character_at_a_time(
    text: str, points: list[int]
) -> None:
    pieces = cut(text, points)
    assert feed_all(pieces) == one_at_a_time(text, pieces)
    assert feed_all(pieces)[1] == json.loads(text)


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """A document with a bad character somewhere (inside a long string, or after it on a
    later line)."""
    text = draw(documents)
    at = draw(st.integers(min_value=0, max_value=len(text)))
    junk = draw(st.sampled_from([*'\x00\x1f\n"\\x}', "\\x", "\\u12g4", "\\ud800\\u", "\n\n!"]))
    return text[:at] + junk + text[at + draw(st.integers(0, 1)) :]


@given(damaged(), big_cuts)
def test_errors_in_long_strings_do_not_depend_on_the_split(text: str, points: list[int]) -> None:
    pieces = cut(text, points)
    assert feed_all(pieces) == one_at_a_time(text, pieces)


@pytest.mark.parametrize(
    "text",
    [
        # Escapes, pairs of surrogates, a lone one, escaped backslashes and quotes: every cut
        # of the middle delta's end falls on each of them in turn.
        json.dumps({"body": 'ab\\"\\\\ \U0001f600 \ud800 \u00e9\n\t' * 6, "x": [1]}),
        # The string ends inside the delta it runs on into; an escape near the end of that
        # delta belongs to the next string; newlines follow, then a bad character.
        '{"a": "' + "x\\n" * 80 + '",\n "b": "y\\' + '"\n}\n\n  !',
    ],
)
def test_a_delta_inside_a_long_string_cut_anywhere(text: str) -> None:
    for at in range(1, len(text)):
        pieces = [text[:at], text[at : at + 70], text[at + 70 :]]
        assert feed_all(pieces) == one_at_a_time(text, pieces), at

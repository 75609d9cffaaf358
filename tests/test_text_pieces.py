"""A choice's text kept in pieces (``TextPieces``): whatever the pieces and whenever it is read,
the text read is every piece so far in order; unread, the pieces are joined as they come, so an
open stream keeps a few strings, not one per delta (memory, and what a full garbage collection
visits per open stream)."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

import partialjson
from partialjson.lifecycle.choices import _FOLD, TextPieces

_pieces = st.lists(st.tuples(st.text(max_size=5), st.booleans()), max_size=3 * _FOLD + 5)


@given(_pieces)
def test_the_text_read_is_every_piece_so_far(pieces: list[tuple[str, bool]]) -> None:
    text = TextPieces()
    so_far = ""
    for piece, read in pieces:
        text.append(piece)
        so_far += piece
        if read:
            assert text.joined() == so_far
    assert text.joined() == so_far
    assert text.joined() == so_far  # a second read: the same
    assert bool(text) == bool(pieces)


def test_an_unread_text_keeps_a_few_strings_not_one_per_piece() -> None:
    text = TextPieces()
    for _ in range(10 * _FOLD):
        text.append("ab")
    kept = sum(len(gc.get_referents(obj)) for obj in gc.get_referents(text) if type(obj) is list)
    assert kept < 2 * _FOLD
    assert text.joined() == "ab" * 10 * _FOLD


def test_a_long_answer_keeps_its_whole_text() -> None:
    pieces = ['"', *["x"] * 5 * _FOLD, '"']
    chunks = [{"choices": [{"index": 0, "delta": {"content": piece}}]} for piece in pieces]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    response = partialjson.stream(chunks, str).until_done()
    assert response.text == "".join(pieces)
    assert response.final == "x" * 5 * _FOLD

"""The usual delta's fast path, ``PatchEncoder.grown``: its test that a string grew (all of a
short string compared, else its last characters) and the text it keeps on its walk (put back in
the mirror before anything else reads it) change nothing — the same patches and the same mirror
as the walk without reuse, for strings short and long, grown at random, with other paths,
completions and reads of the mirror in between."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from partialjson import FieldCompleted, PartialUpdate
from partialjson.web.writer import RelayWriter

from .test_patches_reuse import Trio

# Text of every width (ASCII, Latin-1, BMP, astral), so growing may widen the string.
pieces = st.text(
    st.sampled_from(["a", "b", " ", '"', "\\", "\n", "é", "東", "😀"]), min_size=0, max_size=40
)
# What happens between two deltas of the growing string: nothing, another path's delta, a read
# of the mirror, or a completion.
interludes = st.sampled_from(["none", "none", "none", "other", "value", "complete"])


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=0, max_value=1100),
    st.lists(st.tuples(pieces, interludes), min_size=1, max_size=60),
)
def test_growing_a_string_gives_what_the_walk_gives(start: int, steps: list[Any]) -> None:
    trio, text, other = Trio(), ("doc", "text"), ("doc", "other")
    live: dict[str, Any] = {"doc": {"text": "s" * start, "other": "o"}}
    trio.step(live, [()])
    for piece, interlude in steps:
        live["doc"]["text"] += piece
        trio.step(live, [text])
        if interlude == "other":
            live["doc"]["other"] += "o"
            trio.step(live, [other])
        elif interlude == "value":
            assert trio.fast.value == live
        elif interlude == "complete":
            assert trio.complete(live, text) == []  # (no moderator, nothing held: no patch)
    assert trio.fast.value == trio.document == live


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=17, max_value=1100), st.integers(min_value=0, max_value=15))
def test_a_change_far_back_is_judged_by_the_last_characters_as_before(
    length: int, where: int
) -> None:
    # Not what a parser does (its strings only grow): the first characters changed, the last
    # ones not. The walk appends (it checks the last characters only), and so does the fast
    # path, whose comparison of all of a short string then falls back on that same test.
    trio, path = Trio(), ("a",)
    live: dict[str, Any] = {"a": "x" * length}
    trio.step(live, [()])
    live["a"] += "y"
    trio.step(live, [path])
    where %= length + 1 - 16  # (before the last 16 characters sent)
    live["a"] = live["a"][:where] + "Z" + live["a"][where + 1 :] + "w"
    assert trio.step(live, [path]) == [{"op": "append", "path": "/a", "value": "w"}]
    assert trio.grown == 1


def test_the_relay_writes_the_same_bytes_when_the_kept_text_is_put_back() -> None:
    # The text kept on the walk goes back in the mirror before a completion reads it (held
    # fields: complete() walks the mirror), then the string grows again from there.
    fast, slow = (
        RelayWriter(hold_until_complete=["/held"]),
        RelayWriter(hold_until_complete=["/held"]),
    )
    slow._encoder._reuse = False
    by_fast: list[bytes] = []
    by_slow: list[bytes] = []
    live: dict[str, Any] = {"text": "a", "held": "h"}
    updates: list[Any] = [PartialUpdate(live, ((),))]
    for _ in range(3):
        updates += [PartialUpdate(live, (("text",),))] * 3
        updates.append(FieldCompleted(("text",)))
    updates.append(FieldCompleted(("held",)))
    for update in updates:
        if isinstance(update, PartialUpdate) and update.changed != ((),):
            live["text"] += "bc"
        fast.feed_sse(update, by_fast)
        slow.feed_sse(update, by_slow)
        assert by_fast == by_slow
    assert fast._encoder.value == slow._encoder.value == live

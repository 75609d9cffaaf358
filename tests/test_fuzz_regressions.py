"""Regression tests for the defects fuzzing found (docs/reliability.md), all fixed since.

Each failed on the code it was written against; reproducer inputs are in fuzz/crashes/.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any, List

import pytest

from partialjson import ParseError, Parser, TypedParser, relay, stream

CRASHES = Path(__file__).parent.parent / "fuzz" / "crashes"


def _outcome(chunks: list[Any], **options: Any) -> tuple[Any, ...]:
    parser = Parser(**options)
    try:
        for chunk in chunks:
            parser.feed(chunk)
        return ("ok", parser.close())
    except ParseError as error:
        return (type(error).__name__, error.msg, error.pos, parser.value)


# ---------------------------------------------------------------------------------- core/parser.py


def test_int_digit_limit_with_partial_numbers_is_a_parse_error() -> None:
    """issue 14 defect 1 (core/parser.py, _show_partial_number): bare ValueError from int()."""
    digits = (CRASHES / "int_digit_limit_partial_numbers.json").read_bytes()
    for chunks in ([digits], [digits[:2000], digits[2000:]]):
        parser = Parser(partial_numbers=True)
        with pytest.raises(ParseError):
            for chunk in chunks:
                parser.feed(chunk)


def test_partial_numbers_view_after_an_error_does_not_depend_on_the_split() -> None:
    """issue 14 defect 3 (core/parser.py): '[1e' then 'x' shows [1]; '[1ex' at once shows []."""
    whole = _outcome(["[1ex"], partial_numbers=True)
    split = _outcome(["[1e", "x"], partial_numbers=True)
    assert whole == split


def test_mixing_str_and_bytes_feeds_is_exact_or_a_type_error() -> None:
    """issue 14 defect 4 (core/parser.py, feed/_text_of): a UTF-8 sequence split across a bytes
    feed and a str feed is reordered ('Extra data' at the é)."""
    parser = Parser()
    parser.feed(b'["\xc3')
    try:
        parser.feed('x"]')
    except TypeError:
        return  # a clear TypeError at the first mixed feed is one of the two right answers
    parser.feed(b"\xa9")
    pytest.fail("a str feed after an unfinished UTF-8 sequence was accepted and reordered")


def test_a_long_number_fails_the_same_way_however_it_is_split() -> None:
    """New (core/parser.py, _scan_number vs _finish_number): the 10,000-character cap on a
    number applies only when the number is cut across feeds. A 12,000-digit float is accepted at
    once but rejected ('Number longer than 10000 characters') when cut after 10,500 characters;
    a 12,000-digit integer fails with 'Number cannot be converted' at once, with the cap's
    message when cut."""
    for name in ("long_number_error_split_float.json", "long_number_error_split.json"):
        data = (CRASHES / name).read_bytes()
        whole = _outcome([data])
        split = _outcome([data[:10500], data[10500:]])
        assert whole[:3] == split[:3], name


def test_memory_per_nesting_level_does_not_grow_with_depth() -> None:
    """New (core/parser.py, _open_container keeps each level's full path tuple): nesting costs
    O(depth) per level, O(depth**2) in all: 1,000 levels hold 4 MB, 4,000 levels 63 MB and
    20,000 levels (max_depth raised) take 24 s. Linear would be a few hundred bytes per level."""
    tracemalloc.start()
    try:
        parser = Parser(max_depth=10_000)
        parser.feed("[" * 4000)
        retained = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert retained / 4000 < 1024, f"{retained / 4000:.0f} bytes per level"


# ---------------------------------------------------------------------------------- typed/parser.py


@pytest.mark.parametrize(
    ("data", "options"),
    [
        (b"[1, 2, \xff]", {}),  # invalid UTF-8 in the failing delta
        ("[1, 2, 3, 4]", {"max_size": 6}),  # max_size reached in the failing delta
    ],
    ids=["invalid-utf8", "max-size"],
)
def test_typed_view_keeps_what_came_before_the_error(data: Any, options: dict[str, Any]) -> None:
    """issue 14 defect 2 (core/parser.py _decode / _refuse_oversize drop the events of the valid
    part; typed/parser.py applies error.events): the parser holds [1, 2], the view None."""
    typed: TypedParser[Any] = TypedParser(List[int], **options)
    with pytest.raises(ParseError):
        typed.feed(data)
    assert typed.partial == typed.parser.value == [1, 2]


def test_typed_partial_strings_false_does_not_crash() -> None:
    """New (typed/parser.py _apply on StringFragment + core/parser.py emitting a fragment for a
    string it does not attach when partial_strings=False): IndexError / KeyError from feed() on
    any open string."""
    typed: TypedParser[Any] = TypedParser(List[str], partial_strings=False)
    typed.feed('["ab')
    typed.feed('c", "d"]')
    assert typed.finish() == ["abc", "d"]
    model: TypedParser[Any] = TypedParser(dict, partial_strings=False)
    model.feed('{"issued": "2024-')
    assert model.partial in ({}, {"issued": None})


def test_typed_raw_view_shows_the_growing_string() -> None:
    """New (typed/parser.py _follow_raw; core/parser.py joins a growing string only when .value
    is read): a value shown raw (Any, a union, dict[str, Any]) shows a stale string until
    someone reads parser.value."""
    typed: TypedParser[Any] = TypedParser(Any)
    typed.feed('["ab')
    typed.feed("cd")
    assert repr(typed.partial) == "['abcd']"


# ---------------------------------------------------------------------------------- web/relay.py


def _chat(text: str, finish: Any = None) -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


def test_relay_sends_valid_json_for_a_lone_surrogate() -> None:
    """New (web/relay.py encode_update, pydantic_core.to_json): '"\\ud800"' is valid JSON
    (json.loads gives a lone surrogate), and the relay raises PydanticSerializationError
    instead of sending it (escaped as \\ud800, or replaced)."""
    events = [_chat('{"a": "\\ud800x'), _chat('"}', "stop")]
    chunks = list(relay(stream(events)))
    for chunk in chunks:
        data = chunk.split(b"\ndata: ", 1)[1].rstrip(b"\n")
        json.loads(data)
    assert b"\nevent: completed\n" in chunks[-1]


def test_relay_output_is_linear_in_the_answer() -> None:
    """New (web/relay.py, _payload of PartialUpdate): every `partial` event carries the whole
    value so far, so the bytes sent grow with the square of the answer: a 2 KB answer in
    4-character deltas sends 0.5 MB, a 16 KB answer 32 MB (2,000 bytes per answer character).
    A browser relay should send what changed (the changed paths' values, or the delta)."""
    text = '{"answer": "' + "x" * 16_000 + '"}'
    events = [_chat(text[i : i + 4]) for i in range(0, len(text), 4)] + [_chat("", "stop")]
    sent = sum(len(chunk) for chunk in relay(stream(events)))
    assert sent / len(text) < 100, f"{sent / len(text):.0f} bytes sent per answer character"


# ---------------------------------------------------------------------------------- providers


MALFORMED_EVENTS = [
    [{"choices": [5]}],
    [{"choices": [{"index": "x", "delta": {"content": "a"}}]}],
    [{"choices": [{"delta": {"content": 5}}]}],
    [{"choices": [{"delta": "x"}]}],
    [
        {
            "choices": [
                {"delta": {"tool_calls": [{"index": 0, "id": "c", "function": {"arguments": 5}}]}}
            ]
        }
    ],
    [{"type": "response.created", "response": "x"}],
    [{"type": "message_start", "message": 5}],
    [{"type": "content_block_start", "index": [1], "content_block": {"type": "tool_use"}}],
    [{"candidates": [{"content": {"parts": [{"text": 1}]}, "finishReason": 5}]}],
    [{"candidates": "abc"}],
]


@pytest.mark.parametrize("events", MALFORMED_EVENTS, ids=lambda e: json.dumps(e)[:60])
def test_malformed_provider_events_end_the_response_not_the_program(events: Any) -> None:
    """New (providers/adapters.py translate, lifecycle/machine.py _count_delta / _choice):
    a provider event of the wrong shape raises AttributeError / TypeError / ValueError out of
    the iteration. It must end in a documented state (failed, or the event ignored and counted)."""
    response = stream(events)
    list(response)
    assert response.state.terminal

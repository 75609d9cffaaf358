"""The partial-value semantics table of docs/parser.md, one test per row."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from partialjson import (
    EndArray,
    EndMap,
    IncompleteJSONError,
    MapKey,
    Number,
    Parser,
    StartArray,
    StartMap,
    String,
    StringFragment,
    loads,
)


def partials(deltas: list[str], **options: Any) -> list[Any]:
    parser = Parser(**options)
    out = []
    for delta in deltas:
        parser.feed(delta)
        out.append(copy.deepcopy(parser.value))
    return out


# (deltas, the partial value after each delta)
SEMANTICS = [
    pytest.param(["{"], [{}], id="object appears when it opens"),
    pytest.param(["[", "[]"], [[], [[]]], id="array appears when it opens"),
    pytest.param(
        ['{"na', 'me"', ":", ' "'],
        [{}, {}, {}, {"name": ""}],
        id="key appears when its value starts",
    ),
    pytest.param(['{"a": "hel', "lo wor"], [{"a": "hel"}, {"a": "hello wor"}], id="string grows"),
    pytest.param(['["a\\', 'nb"]'], [["a"], ["a\nb"]], id="half escape hidden"),
    pytest.param(['["\\u00', "e9", '"]'], [[""], ["é"], ["é"]], id="half unicode escape hidden"),
    pytest.param(['"\\ud83d', "\\ude00", '!"'], ["", "😀", "😀!"], id="half surrogate pair hidden"),
    pytest.param(["[12", "3, 4", "5]"], [[], [123], [123, 45]], id="number appears once complete"),
    pytest.param(["[-", "1.", "5e", "2]"], [[], [], [], [-150.0]], id="number parts hidden"),
    pytest.param(
        ["[tr", "ue, nu", "ll]"], [[], [True], [True, None]], id="literal appears once complete"
    ),
    pytest.param(['{"a": {"b": [1, {"c": "x'], [{"a": {"b": [1, {"c": "x"}]}}], id="nested"),
    pytest.param(["  ", "\n"], [None, None], id="whitespace is not a value yet"),
    pytest.param(['"ab', 'c"'], ["ab", "abc"], id="root string"),
]


@pytest.mark.parametrize(("deltas", "expected"), SEMANTICS)
def test_partial_value_semantics(deltas: list[str], expected: list[Any]) -> None:
    assert partials(deltas) == expected


def test_hidden_unfinished_strings() -> None:
    assert partials(['{"a": "hel', 'lo", "b": "wo', 'rld"}'], partial_strings=False) == [
        {},
        {"a": "hello"},
        {"a": "hello", "b": "world"},
    ]


def test_unfinished_numbers_shown_on_request() -> None:
    assert partials(["[1", "2", ".", "5, -", "3]"], partial_numbers=True) == [
        [1],
        [12],
        [12],
        [12.5],
        [12.5, -3],
    ]


def test_value_is_a_live_view() -> None:
    parser = Parser()
    parser.feed('{"a": [1')
    view = parser.value
    parser.feed(", 2]}")
    assert view == {"a": [1, 2]} and view is parser.value


def test_events_of_one_delta() -> None:
    parser = Parser()
    assert parser.feed('{"a": [1, "x') == [
        StartMap(()),
        MapKey((), "a"),
        StartArray(("a",)),
        Number(("a", 0), 1),
        StringFragment(("a", 1), "x"),
    ]
    assert parser.feed("y") == [StringFragment(("a", 1), "y")]
    assert parser.feed('z"]}') == [String(("a", 1), "xyz"), EndArray(("a",)), EndMap(())]


def test_string_opened_empty_announces_itself() -> None:
    parser = Parser()
    parser.feed("[")
    assert parser.feed('"') == [StringFragment((0,), "")]
    assert parser.feed('"') == [String((0,), "")]


def test_duplicate_keys_last_wins_like_json_loads() -> None:
    text = '{"a": 1, "b": 2, "a": 3}'
    assert loads(text) == json.loads(text) == {"a": 3, "b": 2}


def test_numbers_like_json_loads() -> None:
    text = "[0, -0, 1e400, -1.5E-3, 123456789012345678901234567890, 0.1]"
    assert loads(text) == json.loads(text)
    assert loads("[1.10, 2]", parse_float=Decimal, parse_int=str) == [Decimal("1.10"), "2"]


def test_root_number_completes_at_close() -> None:
    parser = Parser()
    parser.feed("42")
    assert parser.value is None and not parser.done
    assert parser.close() == 42


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_input_is_incomplete_until_close(text: str) -> None:
    parser = Parser()
    assert parser.feed(text) == []
    with pytest.raises(IncompleteJSONError, match="Expecting value"):
        parser.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"items": [1, 2, {"name": "wid', {"items": [1, 2, {"name": "wid"}]}),
        ("[1, 23", [1, 23]),
        ("[1, 2", [1, 2]),
        ("[1, -", [1]),
        ("[true, fal", [True]),
        ('{"a": "x\\u00', {"a": "x"}),
        ('{"a', {}),
        ("", None),
        ('{"a": 1}', {"a": 1}),
    ],
)
def test_loads_is_best_effort(text: str, expected: Any) -> None:
    assert loads(text) == expected


def test_close_is_idempotent_and_feed_after_close_refused() -> None:
    parser = Parser()
    parser.feed("[1]")
    assert parser.close() == [1] and parser.close() == [1]
    with pytest.raises(RuntimeError, match="after close"):
        parser.feed("x")


def test_done_and_position() -> None:
    parser = Parser()
    parser.feed('{"a": ')
    assert not parser.done and parser.position == 6
    parser.feed("1} ")
    assert parser.done and parser.position == 9


def test_events_are_immutable_values_that_match_by_position() -> None:
    import dataclasses
    import pickle

    from partialjson import Boolean, MapKey, Number, StartMap, String, StringFragment

    events = Parser().feed('{"a": "b", "n": 1.5, "t": true, "s": "x')
    assert events[:2] == [StartMap(()), MapKey((), "a")]
    assert hash(MapKey((), "a")) == hash(MapKey((), "a")) and MapKey((), "a") != String((), "a")
    assert pickle.loads(pickle.dumps(events)) == events
    assert repr(events[1]) == "MapKey(path=(), key='a')"
    with pytest.raises(dataclasses.FrozenInstanceError):
        events[1].key = "b"  # type: ignore[misc]
    seen = []
    for event in events:
        if isinstance(event, (MapKey, String, Number, Boolean, StringFragment)):
            path, payload = (getattr(event, name) for name in event.__match_args__)
            seen.append((event.kind, path, payload))
    assert seen == [
        ("map_key", (), "a"),
        ("string", ("a",), "b"),
        ("map_key", (), "n"),
        ("number", ("n",), 1.5),
        ("map_key", (), "t"),
        ("boolean", ("t",), True),
        ("map_key", (), "s"),
        ("string_fragment", ("s",), "x"),
    ]

"""Every TypedParser option with every kind of type; options that cannot apply fail at once."""

from __future__ import annotations

import decimal
from typing import Any, Dict, List, Optional, Union

import pytest
from pydantic import BaseModel, ValidationError

from partialjson import ParseError, TypedParser

from .typed_models import Person, check_law

TYPES: list[tuple[Any, str]] = [
    (
        Person,
        '{"name": "Zoë", "age": 36, "born": "1990-01-02", "color": "red", "tags": ["a"], '
        '"address": null, "pets": [{"kind": "dog", "name": "Rex", "good": true}], '
        '"scores": {"x": 0.5}}',
    ),
    (List[int], "[1, 22, 333]"),
    (Dict[str, float], '{"a": 1.5, "b": 2}'),
    (Optional[str], '"text"'),
    (Union[int, List[str]], '["x"]'),
    (decimal.Decimal, "0.1"),
    (float, "12.5"),
    (Any, '{"deep": [1.25, {"x": null}]}'),
]
OPTIONS: list[dict[str, Any]] = [
    {},
    {"partial_strings": False},
    {"partial_numbers": True},
    {"parse_float": decimal.Decimal},
    {"parse_int": decimal.Decimal},
    {"max_depth": 64},
    {"max_size": 100_000},
    {"lenient": True},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "defaults")
@pytest.mark.parametrize(
    ("type_", "text"), TYPES, ids=lambda t: getattr(t, "__name__", str(t))[:20]
)
def test_every_option_with_every_type(type_: Any, text: str, options: dict[str, Any]) -> None:
    if options.get("lenient") and text[0] not in "[{":
        return  # lenient mode looks for an object or an array
    pieces = [text[i : i + 3] for i in range(0, len(text), 3)]
    check_law(type_, text, pieces, **options)


def test_parse_float_changes_the_raw_value_not_the_typed_view() -> None:
    class Price(BaseModel):
        amount: float
        exact: decimal.Decimal

    parser = TypedParser(Price, parse_float=decimal.Decimal)
    parser.feed('{"amount": 0.1, "exact": 0.1}')
    assert parser.parser.value == {
        "amount": decimal.Decimal("0.1"),
        "exact": decimal.Decimal("0.1"),
    }
    assert parser.partial.amount == 0.1 and parser.partial.exact == decimal.Decimal("0.1")


def test_partial_strings_false_shows_strings_once_complete() -> None:
    parser = TypedParser(Person, partial_strings=False)
    parser.feed('{"name": "Ad')
    assert parser.partial.name is None
    parser.feed('a"')
    assert parser.partial.name == "Ada"


def test_lenient_mode_finds_the_json_in_prose() -> None:
    text = 'Sure! Here it is:\n```json\n{"tags": ["a"]}\n```'

    class Tagged(BaseModel):
        tags: List[str]

    parser = TypedParser(Tagged, lenient=True)
    for i in range(0, len(text), 4):
        parser.feed(text[i : i + 4])
    assert parser.finish() == Tagged(tags=["a"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"multiple_values": True}, "multiple_values cannot apply"),
        ({"no_such_option": 1}, "no_such_option"),
    ],
)
def test_an_option_that_cannot_apply_is_a_type_error_at_construction(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        TypedParser(Person, **options)


def test_max_depth_is_a_parse_error_and_no_recursion_error_below_it() -> None:
    class Node(BaseModel):
        kids: List[Node] = []

    depth = 499  # 998 open containers: just within the default max_depth of 1000
    parser = TypedParser(Node)
    parser.feed('{"kids": [' * depth + "{}" + "]}" * depth)
    assert parser.status().value == "complete" and parser.issues == []
    parser = TypedParser(List[Any])
    parser.feed("[" * 999 + "]" * 999)
    with pytest.raises(ParseError, match="max_depth"):
        TypedParser(List[Any]).feed("[" * 1001)


def test_lenient_finish_validates_the_exact_json_found_and_locates_errors_in_the_text() -> None:
    class Price(BaseModel):
        amount: float
        label: str

    text = 'Here you go: {"amount": 0.1, "label": 7} and that is all.'
    parser = TypedParser(Price, lenient=True, parse_float=decimal.Decimal)
    parser.feed(text)
    with pytest.raises(ValidationError) as info:
        parser.finish()
    assert info.value.positions == {("label",): text.index("7")}  # type: ignore[attr-defined]
    parser = TypedParser(Price, lenient=True, parse_float=decimal.Decimal)
    parser.feed(text.replace("7", '"x"'))
    assert parser.finish() == Price(amount=0.1, label="x")


class _Numbers(BaseModel):
    i: int
    f: float
    d: decimal.Decimal


@pytest.mark.parametrize("read_raw_first", [False, True])
def test_number_hooks_that_change_values_shape_only_the_raw_value(read_raw_first: bool) -> None:
    text = '{"i": 12345678901234567891, "f": 1.5, "d": 0.1}'
    parser = TypedParser(_Numbers, parse_int=float, parse_float=lambda s: float(s) * 2)
    if read_raw_first:  # the raw value is then parsed beside the view, from the first delta
        assert parser.parser.value is None
    for piece in [text[i : i + 4] for i in range(0, len(text), 4)]:
        parser.feed(piece)
    assert parser.issues == []
    view = parser.partial
    assert (view.i, view.f, view.d) == (12345678901234567891, 1.5, decimal.Decimal("0.1"))
    assert parser.finish() == _Numbers(i=12345678901234567891, f=1.5, d=decimal.Decimal("0.1"))
    assert parser.parser.value == {"i": float(12345678901234567891), "f": 3.0, "d": 0.2}

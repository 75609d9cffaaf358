"""What the typed layer keeps (issue 8's memory target): the core builds no value of its own,
``items=`` elements are validated from the text as received, closed objects share a fields set,
and ``finish()`` validates the received bytes as ``validate_json`` validates the text."""

from __future__ import annotations

import datetime
import decimal
import json
import tracemalloc
from typing import Any, List, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError
from typing_extensions import Annotated

from partialjson import ParseError, Parser, TypedParser
from partialjson.samples import Invoice, invoice_text

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=25,
)


def pieces(text: str, cuts: list[int]) -> list[str]:
    points = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[a:b] for a, b in zip(points, points[1:])]


OPTIONS = [
    {},
    {"partial_numbers": True},
    {"partial_strings": False},
    {"parse_float": decimal.Decimal},
]


@settings(max_examples=150, deadline=None)
@given(json_values, st.lists(st.integers(0, 10**6), max_size=12), st.sampled_from(OPTIONS))
def test_events_only_parser_emits_exactly_the_events_of_the_parser(
    value: Any, cuts: list[int], options: dict[str, Any]
) -> None:
    text = json.dumps(value, ensure_ascii=False)
    full, bare = Parser(**options), Parser(events_only=True, **options)
    for piece in pieces(text, cuts):
        assert list(bare.feed(piece)) == list(full.feed(piece))
    assert bare.close() == (None if isinstance(value, (dict, list)) else full.close())


def test_events_only_parser_reads_big_deltas_in_bulk_with_the_same_events() -> None:
    text = json.dumps([{"k": i, "v": [1.5, None, {"z": "é"}]} for i in range(400)])
    for options in ({}, {"parse_float": decimal.Decimal}):
        full, bare = Parser(**options), Parser(events_only=True, **options)
        for piece in (text[:3000], text[3000:20000], text[20000:]):
            assert list(bare.feed(piece)) == list(full.feed(piece))
        assert bare.close() is None and full.close() == json.loads(text)
    several = Parser(events_only=True, multiple_values=True)
    assert [e.kind for e in several.feed('{"a": 1} [2]\n')] == [
        "start_map",
        "map_key",
        "number",
        "end_map",
        "start_array",
        "number",
        "end_array",
    ]
    assert [e.path for e in several.feed("3 ")] == [(2,)]


# ---------------------------------------------------------------------------- .parser


@pytest.mark.parametrize("kind", [str, bytes])
def test_the_core_parser_is_given_its_value_when_read_and_stays_live(kind: type) -> None:
    text = "\ufeff" + invoice_text() if kind is bytes else invoice_text()
    data: Any = text.encode() if kind is bytes else text
    cut = len(data) // 2
    typed = TypedParser(Invoice)
    typed.feed(data[:cut])
    reference = Parser()
    reference.feed(data[:cut])
    assert typed.parser.value == reference.value
    typed.feed(data[cut:])
    assert typed.parser.value == json.loads(text.lstrip("\ufeff"))
    assert typed.finish() == Invoice.model_validate_json(text.lstrip("\ufeff"))
    with pytest.raises(RuntimeError):  # closed by finish(), as before
        typed.parser.feed(" ")


def test_the_core_parser_read_after_finish_is_closed_with_the_value() -> None:
    typed: TypedParser[Any] = TypedParser(List[int])
    typed.feed(b"[1, 2, 3]")
    assert typed.finish() == [1, 2, 3]
    assert typed.parser.value == [1, 2, 3] and typed.parser.done


def test_the_core_parser_read_after_an_error_holds_what_came_before_it() -> None:
    typed: TypedParser[Any] = TypedParser(List[int])
    typed.feed("[1, ")
    with pytest.raises(ParseError) as caught:
        typed.feed("2, x]")
    assert typed.parser.value == [1, 2]
    with pytest.raises(ParseError) as again:
        typed.parser.feed("3")
    assert again.value.pos == caught.value.pos
    assert typed.partial == [1, 2]


# ---------------------------------------------------------------------------- open strings


class Story(BaseModel):
    title: str = ""
    text: str = ""
    shout: Annotated[str, StringConstraints(to_upper=True)] = ""


def test_a_long_string_streaming_is_held_once() -> None:
    """The view's string is the core's own text of it, grown in place: not a second copy."""
    size = 200_000  # characters, 4 bytes each in a str (it holds a non-BMP character)
    body = "\U0001d11e" + "a" * size
    deltas = ['{"text": "', *(body[i : i + 7] for i in range(0, len(body), 7))]
    parser = TypedParser(Story)
    tracemalloc.start()
    try:
        for delta in deltas:
            parser.feed(delta)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parser.partial.text == body
    # one str of 4 B per character and the received text as UTF-8; two strs would be 8 B
    assert peak < 6.5 * size
    parser.feed('"}')
    assert parser.finish().text == body


def test_the_text_a_closing_quote_brings_is_a_change() -> None:
    parser = TypedParser(Story)
    parser.feed('{"text": "ab')
    parser.feed("cd")
    assert parser.changed == [("text",)]
    parser.feed('ef"')  # the core grew the view's string in place: still a change
    assert (parser.partial.text, parser.changed) == ("abcdef", [("text",)])
    parser.feed(', "title": "x"}')
    assert parser.changed == [("title",), ()]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet='ab é\U0001d11e\\"\n', max_size=6) | st.sampled_from(["\\ud800"]),
        min_size=1,
        max_size=8,
    ),
    st.lists(st.integers(0, 10**6), max_size=10),
    st.integers(0, 10**6),
)
def test_strings_grown_by_the_core_show_as_the_view_grows_them(
    parts: list[str], cuts: list[int], read_at: int
) -> None:
    """Every kind of string (shown as it is, transformed, with a lone surrogate), also when
    ``.parser`` is read while one streams: the view shows what it would show on its own."""
    fields = {
        name: "".join(part if part == "\\ud800" else json.dumps(part)[1:-1] for part in parts)
        for name in ("title", "text", "shout")
    }
    text = "{" + ", ".join(f'"{name}": "{value}"' for name, value in fields.items()) + "}"
    expected = json.loads(text)
    chunks = pieces(text, cuts)
    read_at %= len(chunks)
    parser = TypedParser(Story)
    before = dict(parser.partial.__dict__) if parser.partial is not None else {}
    for number, chunk in enumerate(chunks):
        parser.feed(chunk)
        now = dict(parser.partial.__dict__)
        assert {(name,) for name in now if now[name] != before.get(name)} <= set(parser.changed)
        before = now
        for name, value in parser.partial.__dict__.items():
            if parser.status(name) == "streaming":
                assert "\ud800" not in value
                whole = expected[name].replace("\ud800", "\ufffd")
                if name == "shout":
                    whole = whole.upper()
                assert whole.startswith(value)
        parser.partial.model_dump_json()
        if number == read_at:
            assert parser.parser.value is not None
    if "\\ud800" in text:
        assert [issue.path for issue in parser.issues] == [("title",), ("text",), ("shout",)]
    else:
        assert parser.finish().model_dump() == Story.model_validate_json(text).model_dump()
        assert parser.partial.model_dump() == parser.finish().model_dump()


# ---------------------------------------------------------------------------- items=


class Part(BaseModel):
    name: str
    sizes: List[List[int]] = []
    price: float = 0


class Order(BaseModel):
    note: str = ""
    parts: List[Part]


class Prices(BaseModel):
    model_config = ConfigDict(strict=True)
    amount: float


AWKWARD = ['a "quoted" ] } [ { name', "back\\slash", "Zoë ☕ 𝄞", "", "\\u00e9"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "name": st.sampled_from(AWKWARD) | st.text(max_size=6),
                "sizes": st.lists(st.lists(st.integers(-5, 99), max_size=3), max_size=3),
                "price": st.floats(-1e6, 1e6) | st.integers(0, 9),
            }
        ),
        max_size=6,
    ),
    st.lists(st.integers(0, 10**6), max_size=10),
    st.booleans(),
    st.booleans(),
)
def test_items_are_validated_from_their_text_as_received(
    parts: list[dict[str, Any]], cuts: list[int], ascii_only: bool, as_bytes: bool
) -> None:
    text = json.dumps({"note": "x ] y", "parts": parts}, ensure_ascii=ascii_only, indent=1)
    typed = TypedParser(Order, items="parts")
    seen = []
    for piece in pieces(text, cuts):
        typed.feed(piece.encode() if as_bytes else piece)
        seen += typed.new_items
    expected = [Part.model_validate_json(json.dumps(part)) for part in parts]
    assert seen == typed.items == expected
    assert typed.finish() == Order.model_validate_json(text)


def test_items_of_scalars_arrays_and_a_root_list() -> None:
    typed: TypedParser[Any] = TypedParser(List[List[int]], items=())
    for piece in ("[[1, 2],", " [] , [3", "]]"):
        typed.feed(piece)
    assert typed.items == [[1, 2], [], [3]]
    words: TypedParser[Any] = TypedParser(List[str], items=())
    words.feed(b'\xef\xbb\xbf ["a\\"]", "\xc3')  # a BOM, an escaped quote, a cut character
    words.feed(b'\xa9", "b"]')
    assert words.items == ['a"]', "é", "b"]


def test_items_in_lenient_prose_and_items_that_fail() -> None:
    typed = TypedParser(Order, items="parts", lenient=True)
    typed.feed('Here it is:\n```json\n{"parts": [{"name": "a"}, {"name": 5}, ')
    typed.feed('{"name": "c", "price": 1}]}\n```')
    assert [part.name for part in typed.items] == ["a", "c"]
    # the field, while it streams, then the element (validated whole) that holds it
    assert [issue.path for issue in typed.issues] == [("parts", 1, "name"), ("parts", 1)]
    with pytest.raises(ValidationError) as caught:
        typed.finish()
    assert caught.value.positions == {("parts", 1, "name"): 55}  # type: ignore[attr-defined]


def test_items_are_validated_from_the_json_not_from_custom_numbers() -> None:
    # parse_float changes the core's raw numbers; an element is still validated from its JSON
    typed: TypedParser[Any] = TypedParser(List[Prices], items=(), parse_float=decimal.Decimal)
    typed.feed('[{"amount": 0.1}, {"amount": 2.5}]')
    assert typed.items == [Prices(amount=0.1), Prices(amount=2.5)]


# ---------------------------------------------------------------------------- fields sets


class Leaf(BaseModel):
    a: int
    b: Optional[str] = None


class Tree(BaseModel):
    leaves: List[Leaf]


def test_closed_objects_show_exactly_the_fields_they_received() -> None:
    typed = TypedParser(Tree)
    typed.feed('{"leaves": [{"a": 1, "b": "x"}, {"a": 2}, {"b": "y", "a": 3}, {"a": 4, ')
    leaves = typed.partial.leaves
    assert [leaf.model_fields_set for leaf in leaves] == [{"a", "b"}, {"a"}, {"a", "b"}, {"a"}]
    assert typed.partial.model_dump(exclude_unset=True) == {
        "leaves": [{"a": 1, "b": "x"}, {"a": 2}, {"b": "y", "a": 3}, {"a": 4}]
    }
    leaves[1].b = "set later"  # a partial object stays an ordinary model
    assert leaves[1].model_fields_set == {"a", "b"}
    leaves[0].a = 10
    assert [leaf.model_fields_set for leaf in leaves[2:]] == [{"a", "b"}, {"a"}]
    typed.feed('"b": "z"}]}')
    assert typed.partial.leaves[3].model_fields_set == {"a", "b"}


# ---------------------------------------------------------------------------- finish()


def test_finish_raises_what_validate_json_raises_on_json_pydantic_refuses() -> None:
    text = "[" * 300 + "]" * 300  # valid JSON, deeper than pydantic's JSON parser goes
    for data in (text, text.encode()):
        typed: TypedParser[Any] = TypedParser(Any)
        typed.feed(data)
        with pytest.raises(ValidationError) as ours:
            typed.finish()
        with pytest.raises(ValidationError) as theirs:
            TypeAdapter(Any).validate_json(text)
        assert ours.value.errors() == theirs.value.errors()
        assert ours.value.positions == {(): 0}  # type: ignore[attr-defined]


def test_finish_validates_lone_surrogates_as_the_text_does() -> None:
    text = '["\ud800", "ok"]'
    typed: TypedParser[Any] = TypedParser(List[str])
    typed.feed(text[:4])
    typed.feed(text[4:])
    with pytest.raises(ValidationError) as ours:
        typed.finish()
    with pytest.raises(ValidationError) as theirs:  # pydantic cannot read it as UTF-8
        TypeAdapter(List[str]).validate_json(text)
    assert ours.value.errors() == theirs.value.errors()


def test_a_failing_bytes_delta_reports_the_parse_error_and_the_issues_before_it() -> None:
    """Found by tests/test_fuzz.py: an issue located inside the delta that then fails on a byte
    that is not UTF-8 (the log must not try to decode that byte)."""

    class Dated(BaseModel):
        when: datetime.date
        tags: List[str] = []

    typed = TypedParser(Dated)
    with pytest.raises(ParseError):
        typed.feed(b'{"when": "05/01/2024", "ta\xffgs": []}')
    assert [issue.position for issue in typed.issues] == [9]
    with pytest.raises(ParseError):
        typed.finish()

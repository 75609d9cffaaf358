"""A typed stream emits a PartialUpdate only when the view, as shown, changed (issue 16).

"As shown" is the view's dump both ways a display reads it: ``model_dump()`` (unset fields as
``None``, defaults filled in when their object closes) and ``model_dump(exclude_unset=True)``
(what was received). A closing quote, a closing bracket, a key alone: no update, unless the
completed value shows differently (a date parsed, a default filled in, a validator applied).
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Optional

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, TypeAdapter, ValidationError
from typing_extensions import Annotated

import partialjson
from partialjson import Completed, PartialUpdate, Started, TypedParser

from .typed_models import Generated, generated_types

_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def shown(view: Any) -> tuple[Any, Any]:
    """The view as a display reads it: in full, and only what was received."""
    return (
        _ANY.dump_python(view, mode="json", warnings=False),
        _ANY.dump_python(view, mode="json", warnings=False, exclude_unset=True),
    )


def chunks(text: str, cuts: list[int]) -> list[dict[str, Any]]:
    points = sorted({0, *(c % (len(text) + 1) for c in cuts), len(text)})
    pieces = [text[a:b] for a, b in zip(points, points[1:])]
    deltas = [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    return [*deltas, {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]


@st.composite
def typed_documents(draw: Any) -> tuple[Any, str]:
    generated: Generated = draw(generated_types())
    value = draw(generated.values)
    return generated.annotation, json.dumps(value, ensure_ascii=draw(st.booleans()))


@settings(max_examples=150)
@given(typed_documents(), st.lists(st.integers(0, 400), max_size=25))
def test_every_update_shows_a_change_and_every_change_an_update(
    case: tuple[Any, str], cuts: list[int]
) -> None:
    type_, text = case
    response = partialjson.stream(chunks(text, cuts), type_)
    previous: Any = None
    updates = 0
    for update in response:
        if isinstance(update, (Started, Completed)):
            continue  # Started comes with the first delta; a bare root number is read at done
        now = shown(response.partial)
        if isinstance(update, PartialUpdate):
            updates += 1
            assert update.changed, "an update without a changed path"
            assert now != previous, f"update {updates} repeats the previous value"
            previous = now
        elif not response.issues:  # a value kept out as an issue is not announced (yet)
            assert now == previous  # the other updates of a delta follow its PartialUpdate
    try:
        expected = TypeAdapter(type_).validate_json(text)
    except ValidationError:
        assert response.state.value == "failed"
    else:
        assert response.final == expected


class Event(BaseModel):
    title: str
    day: datetime.date
    shout: Annotated[str, AfterValidator(str.upper)]
    note: Optional[str] = None
    tags: list[str] = ["x"]


def test_closing_quotes_show_only_what_completion_changes() -> None:
    parser = TypedParser(Event)
    steps = [
        ('{"title": "Hi', [(), ("title",)]),
        ('"', []),  # all of "Hi" was shown: the closing quote changes nothing
        (', "day": "2024-05-0', []),  # a date shows once complete
        ('1"', [("day",)]),
        (', "shout": "hey', [("shout",)]),
        ('"', [("shout",)]),  # the validator made it "HEY"
        (', "note": null', [("note",)]),  # unset -> received, even as None
        ("}", [()]),  # the default of tags filled in
    ]
    for delta, changed in steps:
        parser.feed(delta)
        assert parser.changed == changed, delta
    assert parser.partial.shout == "HEY" and parser.partial.tags == ["x"]


def test_a_default_of_none_is_no_change() -> None:
    class Loose(BaseModel):
        a: str
        b: Optional[int] = None

    parser = TypedParser(Loose)
    parser.feed('{"a": "x"')
    parser.feed("}")
    assert parser.changed == []


def test_a_null_root_is_shown_once() -> None:
    parser = TypedParser(Optional[int])
    parser.feed("null")
    assert parser.changed == [()]
    updates = list(partialjson.stream(chunks("null", []), Optional[int]))
    assert [type(u).__name__ for u in updates].count("PartialUpdate") == 1


def test_stripped_whitespace_is_no_change() -> None:
    from pydantic import ConfigDict

    class Stripped(BaseModel):
        model_config = ConfigDict(str_strip_whitespace=True)
        name: str

    parser = TypedParser(Stripped)
    parser.feed('{"name": "  ')
    assert parser.changed == [(), ("name",)]  # the field appears, empty
    parser.feed("  ")
    assert parser.changed == []
    parser.feed("Ada ")
    assert parser.changed == [("name",)] and parser.partial.name == "Ada"
    parser.feed(' "')
    assert parser.changed == []

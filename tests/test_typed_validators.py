"""Annotated constraints and validators on complete leaves, also for items= elements."""

from __future__ import annotations

import datetime
from typing import List

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, TypeAdapter, model_validator
from typing_extensions import Annotated

from partialjson import FieldStatus, TypedParser

from .typed_models import check_law

Doubled = Annotated[int, Field(ge=0), AfterValidator(lambda v: v * 2)]
Trimmed = Annotated[str, BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v)]


class Row(BaseModel):
    n: Doubled
    label: Trimmed
    when: datetime.date


def test_a_complete_leaf_is_what_validating_it_alone_gives() -> None:
    parser = TypedParser(Row)
    parser.feed('{"n": 21, "label": "  hi  ", "when": "2024-05-01"')
    assert parser.partial.n == TypeAdapter(Doubled).validate_json("21") == 42
    assert parser.partial.label == "hi"
    assert parser.partial.when == datetime.date(2024, 5, 1)


def test_a_leaf_that_fails_its_constraints_is_an_issue() -> None:
    text = '{"n": -1, "label": "x", "when": "2024-13-01"}'
    parser = check_law(Row, text, [text[:5], text[5:12], text[12:]])
    assert [(i.path, i.message) for i in parser.issues] == [
        (("n",), "Input should be greater than or equal to 0"),
        (
            ("when",),
            "Input should be a valid date or datetime, "
            "month value is outside expected range of 1-12",
        ),
    ]
    assert parser.status("n") is FieldStatus.INVALID and parser.partial.n is None


def test_items_are_validated_with_their_constraints() -> None:
    parser = TypedParser(List[Row], items=())
    parser.feed('[{"n": 1, "label": " a ", "when": "2024-01-01"}, {"n": -5, "label": "b", ')
    parser.feed('"when": "2024-01-02"}, {"n": 3')
    assert parser.items == [Row(n=1, label="a", when=datetime.date(2024, 1, 1))]
    assert parser.items[0].n == 2
    assert [i.path for i in parser.issues] == [(1, "n"), (1,)]
    assert parser.status(1) is FieldStatus.INVALID


class Before(BaseModel):
    a: int
    b: int

    @model_validator(mode="before")
    @classmethod
    def swap(cls, data: dict[str, int]) -> dict[str, int]:
        return {"a": data.get("b"), "b": data.get("a")}


def test_model_validators_run_only_on_the_final_value() -> None:
    parser = TypedParser(Before)
    parser.feed('{"a": 1, "b": 2}')
    assert (parser.partial.a, parser.partial.b) == (1, 2)  # the view shows the JSON's fields
    final = parser.finish()
    assert (final.a, final.b) == (2, 1)


def test_a_zero_bound_is_a_bound() -> None:
    class Positive(BaseModel):
        n: Annotated[int, Field(gt=0)]
        x: Annotated[float, Field(ge=0.0, lt=0.5)]

    parser = TypedParser(Positive)
    parser.feed('{"n": 0, "x": -0.0, "x": 0.5}')
    assert [i.path for i in parser.issues] == [("n",), ("x",)]

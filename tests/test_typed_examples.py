"""The typed layer, example by example: each behaviour a user relies on."""

from __future__ import annotations

import dataclasses
import datetime
from typing import List, Optional

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from typing_extensions import TypedDict

from partialjson import (
    FieldStatus,
    FinalValueError,
    IncompleteJSONError,
    ParseError,
    TypedParser,
)
from partialjson.samples import Invoice, LineItem, invoice_text

from .typed_models import Address, Cat, Color, Dog, Person


def stream(parser: TypedParser, text: str, size: int = 3) -> None:
    for i in range(0, len(text), size):
        parser.feed(text[i : i + size])


def test_the_bundled_invoice_streams_into_a_validated_model() -> None:
    parser = TypedParser(Invoice)
    stream(parser, invoice_text())
    assert parser.finish() == Invoice.model_validate_json(invoice_text())


def test_nested_models_appear_as_partial_instances() -> None:
    parser = TypedParser(Person)
    parser.feed('{"name": "Ann", "address": {"street": "Main St')
    view = parser.partial
    assert type(view).__name__ == "PartialPerson" and view.name == "Ann" and view.age is None
    assert type(view.address).__name__ == "PartialAddress"
    assert view.address.street == "Main St" and view.address.city is None
    assert view.model_fields_set == {"name", "address"}


def test_partial_class_is_cached_and_all_optional() -> None:
    first, second = TypedParser(Person), TypedParser(Person)
    first.feed("{")
    second.feed("{")
    assert type(first.partial) is type(second.partial)
    assert type(first.partial)() == type(first.partial)(**{f: None for f in Person.model_fields})


def test_lists_of_models_grow() -> None:
    parser = TypedParser(Invoice)
    parser.feed('{"items": [{"sku": "A", "quantity": 1}, {"sku": "B')
    skus = [item.sku for item in parser.partial.items]
    assert skus == ["A", "B"] and parser.partial.items[1].quantity is None


def test_dates_and_enums_are_coerced_once_complete() -> None:
    parser = TypedParser(Person)
    parser.feed('{"born": "2024-05')
    assert parser.partial.born is None  # a date shows once complete: "2024-05" is no date
    assert parser.status("born") == FieldStatus.STREAMING
    parser.feed('-01", "color": "red"')
    assert parser.partial.born == datetime.date(2024, 5, 1)
    assert parser.partial.color is Color.RED


def test_discriminated_union_follows_its_variant_once_the_tag_arrives() -> None:
    parser = TypedParser(Person)
    parser.feed('{"pets": [{"kind": "dog", "name": "Re')
    dog = parser.partial.pets[0]
    assert type(dog).__name__ == "PartialDog" and dog.name == "Re"
    parser.feed('x", "good": true}, {"name": "Tom", "kind": "cat", "lives": 9}]')
    assert parser.partial.pets[1] == Cat(name="Tom", lives=9)  # tag not first: validated whole


def test_optional_fields_accept_null() -> None:
    parser = TypedParser(Person)
    parser.feed('{"address": null, "name": "A"')
    assert parser.partial.address is None and parser.issues == []
    assert parser.status("address") is FieldStatus.COMPLETE


def test_a_complete_value_that_fails_is_kept_out_and_reported() -> None:
    parser = TypedParser(Person)
    parser.feed('{"age": "old", "name": "A"')
    assert parser.partial.age is None and parser.partial.name == "A"
    [issue] = parser.issues
    assert issue.path == ("age",) and "valid integer" in issue.message and issue.position > 0


def test_field_status_and_completed_paths() -> None:
    parser = TypedParser(Person)
    parser.feed('{"name": "Ann", "tags": ["a", "b')
    assert parser.status(()) is FieldStatus.STREAMING
    assert parser.status("name") is FieldStatus.COMPLETE
    assert parser.status(("tags", 1)) is FieldStatus.STREAMING
    assert parser.status("age") is FieldStatus.PENDING
    parser.feed('"], "age": 3')
    assert parser.completed == [("tags", 1), ("tags",)]  # 3 may still become 30


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str

    @field_validator("title")
    @classmethod
    def shout(cls, value: str) -> str:
        if not value.isupper():
            raise ValueError("title must be upper case")
        return value

    @model_validator(mode="after")
    def never_partial(self) -> Strict:
        return self


def test_field_validators_run_on_complete_leaves_model_validators_on_the_final_value() -> None:
    parser = TypedParser(Strict)
    parser.feed('{"title": "quiet')
    assert parser.partial.title == "quiet" and parser.issues == []  # still growing: shown
    parser.feed('"')
    assert parser.partial.title is None  # complete: the field validator rejected it
    assert [i.message for i in parser.issues] == ["Value error, title must be upper case"]
    assert parser.status("title") is FieldStatus.INVALID
    parser.feed("}")
    with pytest.raises(ValidationError, match="upper case") as info:
        parser.finish()
    assert info.value.positions == {("title",): 10}  # type: ignore[attr-defined]


def test_unknown_key_is_reported_when_extras_are_forbidden() -> None:
    parser = TypedParser(Strict)
    parser.feed('{"title": "A", "colour": "red"}')
    assert [issue.path for issue in parser.issues] == [("colour",)]
    with pytest.raises(ValidationError, match="Extra inputs"):
        parser.finish()


def test_truncated_stream_is_incomplete_not_a_field_required_cascade() -> None:
    parser = TypedParser(Invoice)
    parser.feed('{"invoice_number": "INV-1", "items": [{"sku": "A"')
    with pytest.raises(IncompleteJSONError, match="Truncated"):
        parser.finish()
    assert parser.partial.invoice_number == "INV-1"
    with pytest.raises(FinalValueError):
        _ = parser.final


def test_invalid_json_keeps_the_partial_view() -> None:
    parser = TypedParser(Invoice)
    parser.feed('{"invoice_number": "INV-1", ')
    with pytest.raises(ParseError) as info:
        parser.feed('"total": 12,]')
    assert info.value.pos == 40
    assert parser.partial.invoice_number == "INV-1" and parser.partial.total == 12


def test_validation_errors_carry_text_positions() -> None:
    text = '{"name": "A", "age": 1, "born": "not a date", "color": "blue", "tags": [],'
    text += ' "address": null, "pets": [], "scores": {}}'
    parser = TypedParser(Person)
    parser.feed(text)
    with pytest.raises(ValidationError) as info:
        parser.finish()
    positions = info.value.positions  # type: ignore[attr-defined]
    assert positions[("born",)] == text.index('"not a date"')
    assert positions[("color",)] == text.index('"blue"')
    assert any("born: at char" in note for note in info.value.__notes__)


def test_final_before_done_is_a_clear_error() -> None:
    parser = TypedParser(Person)
    with pytest.raises(FinalValueError, match="finish"):
        _ = parser.final


def test_items_arrive_validated_once_each() -> None:
    parser = TypedParser(Invoice, items="items")
    seen: list[LineItem] = []
    text = invoice_text()
    for i in range(0, len(text), 2):
        parser.feed(text[i : i + 2])
        seen.extend(parser.new_items)
    assert seen == parser.items == Invoice.model_validate_json(text).items
    assert all(isinstance(item, LineItem) for item in seen)


def test_items_of_a_top_level_array() -> None:
    parser = TypedParser(List[Cat], items=())
    parser.feed('[{"name": "a", "lives": 1}, {"name": "b", "li')
    assert parser.items == [Cat(name="a", lives=1)]
    parser.feed('ves": 2}]')
    assert parser.new_items == [Cat(name="b", lives=2)] and len(parser.finish()) == 2


def test_items_path_must_be_an_array() -> None:
    with pytest.raises(ValueError, match="not an array"):
        TypedParser(Invoice, items="customer")


class Movie(TypedDict):
    title: str
    year: int


@dataclasses.dataclass
class Review:
    movie: Movie
    stars: int
    note: Optional[str] = None


def test_typed_dicts_and_dataclasses() -> None:
    parser = TypedParser(Review)
    parser.feed('{"movie": {"title": "Alien", "year": 19')
    assert parser.partial.movie == {"title": "Alien"}
    assert type(parser.partial).__name__ == "PartialReview"
    parser.feed('79}, "stars": 5}')
    assert parser.finish() == Review(movie={"title": "Alien", "year": 1979}, stars=5)


def test_unions_without_a_discriminator_show_raw_json_until_complete() -> None:
    parser = TypedParser(Optional[List[Dog]])
    parser.feed('[{"name": "R')
    assert type(parser.partial[0]).__name__ == "PartialDog"
    parser = TypedParser(Address)
    parser.feed('{"zip": "12')
    assert parser.partial.zip == "12"

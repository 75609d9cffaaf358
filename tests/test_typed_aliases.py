"""Aliases every way pydantic takes them; status() and items= by Python name or JSON key."""

from __future__ import annotations

from typing import List

import pydantic
import pytest
from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from partialjson import FieldStatus, TypedParser

from .typed_models import check_law


def pieces(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class User(BaseModel):
    full_name: str = Field(alias="fullName")
    email: str = Field(validation_alias="mail")
    phone: str = Field("", validation_alias=AliasChoices("phone", "tel", "mobile"))
    city: str = Field("", validation_alias=AliasPath("address", "city"))


def test_alias_and_validation_alias() -> None:
    text = '{"fullName": "Ada Lovelace", "mail": "ada@example.com"}'
    parser = check_law(User, text, pieces(text), paths=("full_name", "fullName", "email"))
    assert parser.partial.full_name == "Ada Lovelace" and parser.partial.email == "ada@example.com"


def test_alias_choices_take_the_first_choice_present() -> None:
    text = '{"fullName": "A", "mail": "m", "mobile": "3", "tel": "2"}'
    parser = check_law(User, text, pieces(text))
    assert parser.partial.phone == "2"  # "tel" comes before "mobile" among the choices


def test_alias_path_reads_into_a_nested_value() -> None:
    text = '{"fullName": "A", "mail": "m", "address": {"street": "Main", "city": "Paris"}}'
    parser = check_law(User, text, pieces(text), paths=("city",))
    assert parser.partial.city == "Paris"
    assert parser.status("city") is FieldStatus.COMPLETE


class Relaxed(BaseModel):
    model_config = ConfigDict(populate_by_name=True, alias_generator=to_camel)
    first_name: str
    last_name: str


@pytest.mark.parametrize(
    "text",
    [
        '{"firstName": "Ada", "lastName": "Lovelace"}',
        '{"first_name": "Ada", "last_name": "Lovelace"}',
        '{"firstName": "Ada", "last_name": "Lovelace"}',
    ],
)
def test_populate_by_name_and_alias_generator(text: str) -> None:
    parser = check_law(Relaxed, text, pieces(text, 3), paths=("first_name", "lastName"))
    assert (parser.partial.first_name, parser.partial.last_name) == ("Ada", "Lovelace")


def test_status_by_python_name_or_json_key_while_streaming() -> None:
    parser = TypedParser(Relaxed)
    parser.feed('{"firstName": "Ada", "lastName": "Love')
    assert parser.status("first_name") is parser.status("firstName") is FieldStatus.COMPLETE
    assert parser.status("last_name") is parser.status("lastName") is FieldStatus.STREAMING
    assert parser.partial.last_name == "Love"


@pydantic.dataclasses.dataclass
class Point:
    x_coord: float = Field(alias="x")
    y_coord: float = Field(alias="y")


class Shape(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)
    shape_points: List[Point]


def test_pydantic_dataclasses_with_aliases_and_items_by_either_name() -> None:
    text = '{"shapePoints": [{"x": 1, "y": 2}, {"x": 3.5, "y": 4}]}'
    for items in ("shape_points", "shapePoints"):
        parser = TypedParser(Shape, items=items)
        for piece in pieces(text, 5):
            parser.feed(piece)
        assert parser.items == [Point(1, 2), Point(3.5, 4)]
        assert parser.partial.shape_points[1].x_coord == 3.5
    check_law(Shape, text, pieces(text))


def test_issue_paths_are_json_keys_and_field_paths_python_names() -> None:
    parser = TypedParser(Shape)
    parser.feed('{"shapePoints": [{"x": "left"')
    (issue,) = parser.issues
    assert issue.path == ("shapePoints", 0, "x")
    assert issue.field_path == ("shape_points", 0, "x_coord")
    assert parser.status("shape_points.0.x_coord") is FieldStatus.INVALID
    assert parser.status(("shapePoints", 0, "x")) is FieldStatus.INVALID

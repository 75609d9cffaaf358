"""Roots, scalars, containers, unions, Literal, enums and generics as T."""

from __future__ import annotations

import enum
from typing import Dict, Generic, List, Optional, TypeVar, Union

import pytest
from pydantic import BaseModel, Field, RootModel
from typing_extensions import Annotated, Literal

from partialjson import FieldStatus, TypedParser

from .typed_models import check_law


def pieces(text: str, size: int = 2) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class Tags(RootModel[List[str]]):
    pass


def test_a_root_model_shows_its_content() -> None:
    parser = TypedParser(Tags)
    parser.feed('["urgent", "bil')
    assert parser.partial == ["urgent", "bil"]
    parser.feed('ling"]')
    assert parser.finish() == Tags(["urgent", "billing"])
    check_law(Tags, '["a", "b"]', pieces('["a", "b"]'))


@pytest.mark.parametrize(
    ("type_", "text"),
    [
        (int, "42"),
        (int, " -7 "),
        (float, "1.5e3"),
        (str, '"hello"'),
        (bool, "true"),
        (Optional[int], "null"),
        (List[str], '["a", "bc", ""]'),
        (Dict[str, int], '{"a": 1, "b": 2}'),
        (List[List[int]], "[[1, 2], [], [3]]"),
        (Union[int, str], '"x"'),
        (Literal["a", "b"], '"b"'),
        (Optional[List[int]], "[1]"),
    ],
)
def test_bare_scalars_and_containers(type_: object, text: str) -> None:
    check_law(type_, text, pieces(text, 1), paths=((),))


def test_a_bare_number_is_complete_only_at_finish() -> None:
    parser = TypedParser(int)
    parser.feed("12")
    assert parser.partial is None and parser.status() is FieldStatus.PENDING  # may become 123
    assert parser.finish() == 12 and parser.partial == 12


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


Pet = Annotated[Union[Cat, Dog], Field(discriminator="kind")]


def test_discriminated_unions_follow_the_tag() -> None:
    text = '[{"kind": "dog", "good": true}, {"kind": "cat", "lives": 9}]'
    parser = TypedParser(List[Pet])
    parser.feed(text[:25])
    assert type(parser.partial[0]).__name__ == "PartialDog"
    check_law(List[Pet], text, pieces(text))


def test_plain_unions_follow_the_only_member_that_takes_an_object() -> None:
    parser = TypedParser(Union[Cat, int])
    parser.feed('{"kind": "cat", "lives": 1')
    assert type(parser.partial).__name__ == "PartialCat" and parser.partial.lives is None
    for text in ('{"kind": "cat", "lives": 1}', "3"):
        check_law(Union[Cat, int], text, pieces(text))


def test_plain_unions_of_models_are_shown_raw_then_validated() -> None:
    text = '[{"kind": "cat", "lives": 9}, {"kind": "dog", "good": false}]'
    parser = TypedParser(List[Union[Cat, Dog]])
    parser.feed(text[:20])
    assert parser.partial == [{"kind": "cat"}]
    parser.feed(text[20:])
    assert parser.partial == [Cat(kind="cat", lives=9), Dog(kind="dog", good=False)]
    check_law(List[Union[Cat, Dog]], text, pieces(text))


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mood(str, enum.Enum):
    HAPPY = "happy"


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: List[T]
    next: Optional[str] = None


def test_enums_literals_and_nested_generics() -> None:
    text = '{"items": [{"items": [1, 2]}, {"items": [2], "next": "p3"}], "next": null}'
    parser = check_law(Page[Page[Level]], text, pieces(text, 3))
    assert parser.partial.items[1].items == [Level.HIGH]
    check_law(List[Mood], '["happy"]', ['["hap', 'py"]'])
    check_law(Page[Literal["x"]], '{"items": ["x", "y"]}', pieces('{"items": ["x", "y"]}'))

"""The relay's patches keep the browser's copy equal to the typed view after every delta, for
models that change more than the leaf a delta touched: defaults filled when an object closes, a
discriminated union's variant chosen (before or after its other keys), ``AliasPath`` fields fed
when their head completes, keys given by another of a field's names (``populate_by_name``,
``AliasChoices``), validators and string options."""

from __future__ import annotations

import json
from typing import Annotated, Literal, Optional, Union

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from partialjson import TypedParser
from partialjson.web.patches import PatchEncoder

from .jsonlaws import cut


class Item(BaseModel):
    name: str
    qty: int = 1
    tags: list[str] = []


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    bark: str = "woof"


class Person(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, str_strip_whitespace=True
    )
    user_name: str
    home_city: Optional[str] = None
    first: str = Field("", validation_alias=AliasPath("names", 0))
    nick: str = Field("", validation_alias=AliasChoices("nick", "nickname"))
    pet: Optional[Annotated[Union[Cat, Dog], Field(discriminator="kind")]] = None
    items: list[Item] = []
    score: float = 0

    @field_validator("home_city")
    @classmethod
    def _upper(cls, value: Optional[str]) -> Optional[str]:
        return value.upper() if value else value


DOCUMENTS = [
    {
        "userName": "  Ada Lovelace  ",
        "homeCity": "london",
        "names": ["Ada", "B"],
        "nickname": "ad",
        "pet": {"kind": "dog", "bark": 'wo"of'},
        "items": [{"name": "x", "tags": ["a", "b"]}, {"name": "y", "qty": 3}],
        "score": 1.5,
    },
    {
        "user_name": "Bob ",
        "pet": {"bark": "x", "kind": "cat"},
        "nick": "b",
        "items": [],
        "extra": {"a": [1, 2]},
        "score": 2,
    },
    {
        "names": ["Zed"],
        "userName": "z",
        "homeCity": None,
        "pet": None,
        "items": [{"qty": 2, "name": "q"}],
    },
]


def _shown(value: object) -> str:
    reference = PatchEncoder()
    reference.encode(value, [()])
    return json.dumps(reference.value, sort_keys=True)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(DOCUMENTS),
    st.sampled_from([None, 1]),
    st.lists(st.integers(1, 400), max_size=30),
)
def test_the_relayed_copy_equals_the_view_after_every_delta(
    document: dict[str, object], indent: Optional[int], points: list[int]
) -> None:
    text = json.dumps(document, indent=indent)
    parser, encoder = TypedParser(Person), PatchEncoder()
    for chunk in cut(text, points):
        parser.feed(chunk)
        encoder.encode(parser.partial, parser.changed)
        assert json.dumps(encoder.value, sort_keys=True) == _shown(parser.partial)

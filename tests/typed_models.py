"""Models the typed-layer tests stream, with hypothesis strategies for their instances."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import warnings
from typing import Any, Dict, List, Optional, Union

import pytest
from hypothesis import strategies as st
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
)
from pydantic.alias_generators import to_camel
from pydantic_core import to_jsonable_python
from typing_extensions import Annotated, Literal, TypedDict

from partialjson import FieldStatus, TypedParser


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    city: str
    zip: Optional[str] = None


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    name: str
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    name: str
    good: bool


Pet = Annotated[Union[Cat, Dog], Field(discriminator="kind")]


class Person(BaseModel):
    name: str
    age: int
    born: datetime.date
    color: Color
    tags: List[str]
    address: Optional[Address]
    pets: List[Pet]
    scores: Dict[str, float]


finite = st.floats(allow_nan=False, allow_infinity=False)
addresses = st.builds(
    Address, street=st.text(), city=st.text(), zip=st.none() | st.text(max_size=6)
)
pets = st.one_of(
    st.builds(Cat, name=st.text(max_size=10), lives=st.integers(0, 9)),
    st.builds(Dog, name=st.text(max_size=10), good=st.booleans()),
)
people = st.builds(
    Person,
    name=st.text(),
    age=st.integers(-(2**40), 2**40),
    born=st.dates(),
    color=st.sampled_from(Color),
    tags=st.lists(st.text(max_size=8), max_size=4),
    address=st.none() | addresses,
    pets=st.lists(pets, max_size=3),
    scores=st.dictionaries(st.text(max_size=5), finite, max_size=3),
)


# ---------------------------------------------------------------------------------------------
# The law, checked for one type, one document and one split.

STATUS_ORDER = {"pending": 0, "streaming": 1, "complete": 2, "invalid": 2}


def jsonable(value: Any, by_alias: bool = False) -> Any:
    """A view or a final value as JSON-mode data, with serialization warnings as errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return to_jsonable_python(value, by_alias=by_alias)


def check_law(
    type_: Any,
    text: Union[str, bytes],
    pieces: list[Any],
    *,
    paths: tuple[Any, ...] = ((),),
    **options: Any,
) -> TypedParser[Any]:
    """Stream ``pieces`` of ``text`` into ``TypedParser(type_)`` and check the law at each delta.

    Never raises while feeding; statuses of ``paths`` and the issues only move forward; ``finish()``
    is ``validate_json(text)`` (or raises the same errors); the complete view dumps as the final
    value does.
    """
    parser = TypedParser(type_, **options)
    adapter = TypeAdapter(type_)
    seen = {path: 0 for path in paths}
    issues = 0
    for piece in pieces:
        parser.feed(piece)
        jsonable(parser.partial)
        for path in paths:
            rank = STATUS_ORDER[parser.status(path).value]
            assert rank >= seen[path], (path, parser.status(path))
            seen[path] = rank
        assert len(parser.issues) >= issues
        issues = len(parser.issues)
    try:
        expected = adapter.validate_json(text)
    except ValidationError as error:
        with pytest.raises(ValidationError) as info:
            parser.finish()
        assert info.value.errors() == error.errors()
        return parser
    assert parser.finish() == expected
    assert parser.status() is FieldStatus.COMPLETE
    if not parser.issues:
        # By field names, as model_dump() does (a TypedDict's view is a plain dict: no aliases).
        assert jsonable(parser.partial) == adapter.dump_python(expected, mode="json")
    return parser


# ---------------------------------------------------------------------------------------------
# Generated types: nested models, TypedDicts, lists, optionals, aliases; and documents for them.

_names = iter(range(10**9))


@dataclasses.dataclass
class Generated:
    """A generated type and a strategy for JSON documents pydantic validates into it."""

    annotation: Any
    values: st.SearchStrategy[Any]


_LEAVES = [
    Generated(str, st.text(max_size=12)),
    Generated(int, st.integers(-(2**40), 2**40)),
    Generated(float, st.floats(allow_nan=False, allow_infinity=False)),
    Generated(bool, st.booleans()),
    Generated(datetime.date, st.dates().map(datetime.date.isoformat)),
    Generated(Color, st.sampled_from([c.value for c in Color])),
    Generated(Literal["a", "b"], st.sampled_from(["a", "b"])),
]


def _model(fields: list[Generated], draw: Any) -> Generated:
    """A BaseModel or a TypedDict of ``fields``, with aliases of every kind."""
    number = next(_names)
    typed_dict = draw(st.booleans())
    by_name = draw(st.booleans())
    camel = draw(st.booleans()) and not typed_dict
    definitions: dict[str, Any] = {}
    keys: list[list[str]] = []  # the JSON keys each field accepts
    for i, field in enumerate(fields):
        name = f"field_{i}"
        alias_kind = draw(st.sampled_from(["none", "alias", "choices"]))
        if typed_dict:
            definitions[name] = field.annotation
            keys.append([name])
            continue
        accepted = [to_camel(name) if camel else name]
        info: Any = Field()
        if alias_kind == "alias":
            info = Field(alias=f"F{i}")
            accepted = [f"F{i}"]
        elif alias_kind == "choices":
            info = Field(validation_alias=AliasChoices(f"a{i}", f"b{i}"))
            accepted = [f"a{i}", f"b{i}"]
        if by_name and name not in accepted:
            accepted.append(name)
        definitions[name] = (field.annotation, info)
        keys.append(accepted)
    if typed_dict:
        annotation: Any = TypedDict(f"TD{number}", definitions)  # type: ignore[operator]
    else:
        config = ConfigDict(validate_by_name=by_name, alias_generator=to_camel if camel else None)
        annotation = create_model(f"M{number}", __config__=config, **definitions)

    @st.composite
    def documents(draw2: Any) -> dict[str, Any]:
        return {
            draw2(st.sampled_from(accepted)): draw2(field.values)
            for accepted, field in zip(keys, fields)
        }

    return Generated(annotation, documents())


@st.composite
def generated_types(draw: Any, depth: int = 3) -> Generated:
    """A type built from leaves, lists, dicts, optionals and models, with documents for it."""
    kind = draw(st.sampled_from(["leaf", "list", "optional", "dict", "model", "model"]))
    if depth == 0 or kind == "leaf":
        return draw(st.sampled_from(_LEAVES))
    if kind == "list":
        item = draw(generated_types(depth - 1))
        return Generated(List[item.annotation], st.lists(item.values, max_size=3))
    if kind == "optional":
        inner = draw(generated_types(depth - 1))
        return Generated(Optional[inner.annotation], st.none() | inner.values)
    if kind == "dict":
        inner = draw(generated_types(depth - 1))
        return Generated(
            Dict[str, inner.annotation],
            st.dictionaries(st.text(max_size=4), inner.values, max_size=3),
        )
    fields = draw(st.lists(generated_types(depth - 1), min_size=1, max_size=4))
    return _model(fields, draw)

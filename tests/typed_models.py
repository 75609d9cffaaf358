"""Models the typed-layer tests stream, with hypothesis strategies for their instances."""

from __future__ import annotations

import datetime
import enum
from typing import Dict, List, Optional, Union

from hypothesis import strategies as st
from pydantic import BaseModel, Field
from typing_extensions import Annotated, Literal


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

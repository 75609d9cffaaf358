"""How a fuzz input (raw bytes) becomes the arguments of a check.

The input *is* the document (or the SSE body, or the JSON-lines of provider events), so the seed
corpus stays readable. Everything else a check needs — parser options, split points, the type —
is drawn from a generator seeded by the input's CRC, so it is fixed per input (a crash replays
exactly) and every mutation explores another combination.
"""

from __future__ import annotations

import datetime
import json
import random
import zlib
from typing import Any, Dict, List, Optional, Union

from pydantic import BaseModel, Field
from typing_extensions import Annotated, Literal

from partialjson.samples import Invoice


def rng_for(data: bytes, salt: int = 0) -> random.Random:
    return random.Random(zlib.crc32(data) ^ salt)


def split_points(data: Any, rng: random.Random) -> list[int]:
    """A few cut points: random ones, and sometimes every position."""
    n = len(data)
    if n < 2:
        return []
    if rng.random() < 0.1:
        return list(range(1, n))
    return sorted(rng.randrange(1, n) for _ in range(rng.randint(1, 6)))


def parser_options(rng: random.Random, size: int) -> dict[str, Any]:
    """Parser options: mostly the defaults, each option sometimes."""
    options: dict[str, Any] = {}
    if rng.random() < 0.3:
        options["partial_numbers"] = True
    if rng.random() < 0.2:
        options["partial_strings"] = False
    if rng.random() < 0.1:
        options["lenient"] = True
    if rng.random() < 0.1:
        options["multiple_values"] = True
    if rng.random() < 0.1:
        options["max_depth"] = rng.randint(1, 8)
    if rng.random() < 0.1 and size:
        options["max_size"] = rng.randint(0, size)
    return options


# ---------------------------------------------------------------------------------- types


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    name: str
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    name: str
    good: bool


class Record(BaseModel):
    """Fields of most kinds the typed layer follows member by member, or raw."""

    name: str = ""
    count: int = Field(default=0, ge=0)
    when: Optional[datetime.date] = None
    tags: List[str] = []
    scores: Dict[str, float] = {}
    pet: Optional[Annotated[Union[Cat, Dog], Field(discriminator="kind")]] = None
    extra: Any = None


TYPES: list[Any] = [
    Record,
    Invoice,
    List[int],
    Dict[str, Any],
    Any,
    List[Annotated[Union[Cat, Dog], Field(discriminator="kind")]],
    Union[int, str, List[Record]],
]


def typed_case(data: bytes) -> tuple[Any, list[int], dict[str, Any]]:
    rng = rng_for(data, 1)
    type_ = rng.choice(TYPES)
    options = parser_options(rng, len(data)) if rng.random() < 0.3 else {}
    options.pop("multiple_values", None)
    return type_, split_points(data, rng), options


# ---------------------------------------------------------------------------------- events


def json_lines(data: bytes) -> list[dict[str, Any]]:
    """The provider events of a JSON-lines input: each line that is a JSON object."""
    events = []
    for line in data.split(b"\n"):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            events.append(value)
    return events


def stream_type(rng: random.Random) -> Optional[Any]:
    return rng.choice([None, None, None, Record, List[int]])

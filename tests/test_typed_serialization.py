"""The view serializes without warnings, with fields not received visibly unset."""

from __future__ import annotations

import datetime
import json
import warnings
from typing import List, Optional, Union

from pydantic import BaseModel, Field

from partialjson import TypedParser

from .typed_models import Person


class Event(BaseModel):
    title: str = Field(serialization_alias="Title")
    when: datetime.date
    where: Optional[str] = None
    extra: Union[List[int], str, None] = None


def test_dumps_without_warnings_at_every_prefix() -> None:
    text = '{"title": "Launch", "when": "2024-05-01", "extra": [1, 2], "where": "Moon"}'
    parser = TypedParser(Event)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for end in range(1, len(text) + 1):
            parser.feed(text[end - 1 : end])
            view = parser.partial
            view.model_dump()
            view.model_dump(mode="json", by_alias=True)
            json.loads(view.model_dump_json(exclude_unset=True))


def test_unreceived_fields_are_unset() -> None:
    parser = TypedParser(Event)
    parser.feed('{"title": "Launch", "when": "2024-0')
    view = parser.partial
    assert view.model_dump(exclude_unset=True) == {"title": "Launch"}
    assert view.model_dump() == {"title": "Launch", "when": None, "where": None, "extra": None}
    assert view.model_dump(by_alias=True, exclude_unset=True) == {"Title": "Launch"}
    parser.feed('5-01"}')
    assert parser.partial.model_dump(exclude_unset=True) == parser.finish().model_dump(
        exclude_unset=True
    )
    assert parser.partial.model_dump() == parser.finish().model_dump()


def test_nested_views_dump_as_plain_data() -> None:
    parser = TypedParser(Person)
    parser.feed(
        '{"name": "Ann", "address": {"street": "Main", "city": "X"}, "pets": [{"kind": "cat", "na'
    )
    assert parser.partial.model_dump(exclude_unset=True) == {
        "name": "Ann",
        "address": {"street": "Main", "city": "X"},  # zip took its default: not set
        "pets": [{"kind": "cat"}],  # the key "na... is not complete yet
    }

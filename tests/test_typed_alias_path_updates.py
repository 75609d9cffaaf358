"""An ``AliasPath`` head (``{"names": [...]}`` feeding ``first``) is not shown in the view:
while it streams no update is emitted for it, and when it completes the update names the
field it fed."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AliasPath, BaseModel, Field

import partialjson
from partialjson import PartialUpdate

from .jsonlaws import cut


class Person(BaseModel):
    first: str = Field("", validation_alias=AliasPath("names", 0))
    city: str = ""


TEXT = '{"city": "Paris", "names": ["Ada Lovelace", "B"]}'


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, len(TEXT) - 1), max_size=20))
def test_no_update_repeats_the_view_and_the_fed_field_is_named(points: list[int]) -> None:
    chunks = [{"choices": [{"index": 0, "delta": {"content": c}}]} for c in cut(TEXT, points)]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    updates, dumps = [], []
    for update in partialjson.stream(chunks, Person):
        if isinstance(update, PartialUpdate):  # its value is live: dumped as it comes
            updates.append(update)
            dumps.append(json.dumps(update.value.model_dump()))
    assert all(a != b for a, b in zip(dumps, dumps[1:]))
    assert all(("names",) not in u.changed and ("names", 0) not in u.changed for u in updates)
    assert ("first",) in updates[-1].changed
    assert updates[-1].value.first == "Ada Lovelace"

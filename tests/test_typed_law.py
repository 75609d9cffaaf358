"""The law of the typed view over generated types (models, TypedDicts, aliases), split anywhere."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from .jsonlaws import cut
from .typed_models import Generated, check_law, generated_types


@st.composite
def typed_documents(draw: Any) -> tuple[Any, str]:
    generated: Generated = draw(generated_types())
    value = draw(generated.values)
    return generated.annotation, json.dumps(value, ensure_ascii=draw(st.booleans()))


@settings(max_examples=120)
@given(typed_documents(), st.lists(st.integers(0, 400), max_size=25))
def test_the_view_reads_every_prefix_as_pydantic_reads_the_whole(
    case: tuple[Any, str], points: list[int]
) -> None:
    type_, text = case
    fields = tuple(getattr(type_, "model_fields", ()))  # by Python name, whatever the JSON key
    check_law(type_, text, cut(text, points), paths=((), *fields))


@settings(max_examples=60)
@given(typed_documents(), st.lists(st.integers(0, 400), max_size=25), st.integers(0, 400))
def test_a_damaged_document_raises_what_validate_json_raises(
    case: tuple[Any, str], points: list[int], where: int
) -> None:
    """A value swapped for another JSON type: the same errors as pydantic, never a crash."""
    type_, text = case
    for old, new in (('"', '1, "'), ("1", '"x"'), ("true", "[]")):
        at = text.find(old, min(where, len(text)))
        if at > 0:
            damaged = text[:at] + new + text[at + len(old) :]
            try:
                json.loads(damaged)
            except ValueError:
                continue
            check_law(type_, damaged, cut(damaged, points))
            return


@settings(max_examples=40)
@given(typed_documents(), st.lists(st.integers(0, 400), max_size=25))
def test_bytes_split_anywhere_even_inside_characters(
    case: tuple[Any, str], points: list[int]
) -> None:
    type_, text = case
    data = text.encode()
    check_law(type_, data, cut(data, points))

"""Laws of the typed layer over generated model instances split anywhere."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from partialjson import FieldStatus, TypedParser

from .jsonlaws import cut
from .typed_models import Person, people

ORDER = {FieldStatus.PENDING: 0, FieldStatus.STREAMING: 1, FieldStatus.COMPLETE: 2}


def plain(view: Any) -> Any:
    """A partial view as plain data: models as dicts of the fields set so far."""
    if isinstance(view, BaseModel):
        return {k: plain(getattr(view, k)) for k in view.model_fields_set}
    if isinstance(view, list):
        return [plain(v) for v in view]
    if isinstance(view, dict):
        return {k: plain(v) for k, v in view.items()}
    return view


def consistent(partial: Any, final: Any, final_json: Any) -> bool:
    """Finished values equal their final ones; a growing string is a prefix of its final text."""
    if isinstance(partial, dict):
        return isinstance(final, dict) and all(
            k in final and consistent(v, final[k], final_json[k]) for k, v in partial.items()
        )
    if isinstance(partial, list):
        return (
            isinstance(final, list)
            and len(partial) <= len(final)
            and all(consistent(p, f, j) for p, f, j in zip(partial, final, final_json))
        )
    if isinstance(partial, str) and not isinstance(final, str):
        return isinstance(final_json, str) and final_json.startswith(partial)  # e.g. a date
    if isinstance(partial, str):
        return final.startswith(partial)
    return partial == final or partial is None


@given(people, st.booleans(), st.lists(st.integers(0, 5000), max_size=30))
def test_final_value_equals_model_validate_json(
    person: Person, indent: bool, points: list[int]
) -> None:
    text = person.model_dump_json(indent=2 if indent else None)
    parser = TypedParser(Person)
    for piece in cut(text, points):
        parser.feed(piece)
    assert parser.finish() == Person.model_validate_json(text)
    assert parser.issues == []


@given(people, st.lists(st.integers(0, 5000), max_size=30))
def test_partial_views_are_consistent_with_the_final_value(
    person: Person, points: list[int]
) -> None:
    text = person.model_dump_json()
    final = Person.model_validate_json(text)
    final_py, final_json = final.model_dump(), final.model_dump(mode="json")
    parser = TypedParser(Person)
    for piece in cut(text, points):
        parser.feed(piece)
        assert consistent(plain(copy.deepcopy(parser.partial)), final_py, final_json)
    parser.finish()


@given(people, st.lists(st.integers(0, 5000), max_size=30))
def test_status_only_moves_forward(person: Person, points: list[int]) -> None:
    text = person.model_dump_json()
    parser = TypedParser(Person)
    seen: dict[Any, FieldStatus] = {}
    for piece in cut(text, points):
        for event in parser.feed(piece):
            seen.setdefault(event.path, FieldStatus.PENDING)
        for path, before in seen.items():
            now = parser.status(path)
            assert ORDER[now] >= ORDER[before]
            seen[path] = now
        assert all(parser.status(path) is FieldStatus.COMPLETE for path in parser.completed)
    parser.finish()
    assert all(status is FieldStatus.COMPLETE for status in seen.values() if status)

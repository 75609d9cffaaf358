"""TypedDicts: NotRequired, Required, total=False, nested in lists of models."""

from __future__ import annotations

from typing import List

import pytest
from pydantic import BaseModel, ValidationError
from typing_extensions import NotRequired, Required, TypedDict

from partialjson import FieldStatus, TypedParser

from .typed_models import check_law


class Line(TypedDict):
    sku: str
    quantity: int
    note: NotRequired[str]


class Meta(TypedDict, total=False):
    source: Required[str]
    tags: List[str]


class Order(BaseModel):
    lines: List[Line]
    meta: Meta


TEXT = (
    '{"lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1, "note": "gift"}], '
    '"meta": {"source": "web"}}'
)


@pytest.mark.parametrize("size", [1, 3, 7, 1000])
def test_typed_dicts_in_lists_of_models(size: int) -> None:
    pieces = [TEXT[i : i + size] for i in range(0, len(TEXT), size)]
    parser = check_law(Order, TEXT, pieces, paths=((), "lines", "meta", ("lines", 0, "sku")))
    assert parser.partial.lines == [
        {"sku": "A", "quantity": 2},
        {"sku": "B", "quantity": 1, "note": "gift"},
    ]
    assert parser.partial.meta == {"source": "web"}


def test_a_not_required_key_is_simply_absent_while_streaming() -> None:
    parser = TypedParser(Order)
    parser.feed('{"lines": [{"sku": "A", "quan')
    assert parser.partial.lines == [{"sku": "A"}]
    assert parser.status(("lines", 0, "note")) is FieldStatus.PENDING
    assert parser.status(("lines", 0, "sku")) is FieldStatus.COMPLETE


def test_a_missing_required_key_is_the_final_error_not_a_view_error() -> None:
    parser = TypedParser(Order)
    parser.feed('{"lines": [{"sku": "A"}], "meta": {"tags": []}}')
    assert parser.issues == []
    with pytest.raises(ValidationError) as info:
        parser.finish()
    assert {e["loc"] for e in info.value.errors()} == {("lines", 0, "quantity"), ("meta", "source")}


def test_a_typed_dict_at_the_root() -> None:
    check_law(Meta, '{"source": "x", "tags": ["a"]}', ['{"source": "x", "ta', 'gs": ["a"]}'])

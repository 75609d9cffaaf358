"""A type pydantic cannot validate fails at construction, with pydantic's own error."""

from __future__ import annotations

from typing import List

import pytest
from pydantic import BaseModel, PydanticSchemaGenerationError, PydanticUserError

from partialjson import TypedParser


class Plain:
    pass


@pytest.mark.parametrize("type_", [Plain, List[Plain]])
def test_a_plain_class_fails_at_construction(type_: object) -> None:
    with pytest.raises(PydanticSchemaGenerationError):
        TypedParser(type_)


def test_an_unresolved_forward_reference_fails_then_works_once_defined() -> None:
    class Parent(BaseModel):
        child: Child  # defined below, on purpose

    with pytest.raises(PydanticUserError, match="not fully defined"):
        TypedParser(Parent)
    with pytest.raises(PydanticUserError, match="not fully defined"):
        TypedParser(Parent)  # the failure is not cached

    class Child(BaseModel):
        x: int

    Parent.model_rebuild(_types_namespace={"Child": Child})
    parser = TypedParser(Parent)
    parser.feed('{"child": {"x": 1}}')
    assert parser.finish() == Parent(child=Child(x=1))
    assert TypedParser(List[int]).type == List[int]  # later constructions are unaffected

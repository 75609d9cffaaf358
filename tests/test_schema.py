"""Strict JSON Schema for structured-output requests (rules: the provider-events reference)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from partialjson import json_schema, response_format, text_format
from partialjson.samples import Invoice

from .typed_models import Address, Cat, Pet, addresses, pets


class Zoo(BaseModel):
    name: str
    pets: List[Pet]
    address: Optional[Address] = None
    best: Optional[Cat]
    rating: float = 3.5


def objects(schema: Any) -> list[dict[str, Any]]:
    """Every object schema inside ``schema``."""
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(objects(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(objects(value))
    return found


@pytest.mark.parametrize("model", [Zoo, Invoice, Address])
def test_every_object_is_closed_and_requires_all_its_properties(model: type[BaseModel]) -> None:
    schema = json_schema(model)
    assert objects(schema)
    for obj in objects(schema):
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])


def test_optional_fields_are_nullable_unions() -> None:
    schema = json_schema(Zoo)
    assert {"type": "null"} in schema["properties"]["address"]["anyOf"]
    assert "default" not in schema["properties"]["address"]
    assert "oneOf" not in json.dumps(schema) and "discriminator" not in json.dumps(schema)


def test_what_strict_mode_cannot_express_is_a_clear_error() -> None:
    class Scores(BaseModel):
        by_name: Dict[str, float]

    with pytest.raises(ValueError, match=r"free-form keys .* #/properties/by_name"):
        json_schema(Scores)
    with pytest.raises(ValueError, match="object at the root"):
        json_schema(List[Cat])
    assert json_schema(Scores, strict=False)["properties"]["by_name"]["type"] == "object"


def test_request_parameters() -> None:
    fmt = text_format(Zoo, name="zoo_report", description="A zoo")
    assert fmt == {
        "type": "json_schema",
        "name": "zoo_report",
        "description": "A zoo",
        "schema": json_schema(Zoo),
        "strict": True,
    }
    with pytest.raises(ValueError, match="letters, digits"):
        text_format(Zoo, name="zoo report!")
    chat = response_format(Zoo)
    assert chat["type"] == "json_schema" and chat["json_schema"]["name"] == "Zoo"
    assert chat["json_schema"]["schema"] == json_schema(Zoo) and chat["json_schema"]["strict"]


zoos = st.builds(
    Zoo,
    name=st.text(),
    pets=st.lists(pets, max_size=3),
    address=st.none() | addresses,
    best=st.none() | st.builds(Cat, name=st.text(), lives=st.integers()),
    rating=st.floats(allow_nan=False, allow_infinity=False),
)


@given(zoos)
def test_schema_valid_documents_validate_into_the_type(zoo: Zoo) -> None:
    document = json.loads(zoo.model_dump_json())
    jsonschema.validate(document, json_schema(Zoo))
    assert Zoo.model_validate(document) == zoo

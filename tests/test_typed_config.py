"""Model config honoured in the view as in the final value."""

from __future__ import annotations

import base64
import enum

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from partialjson import FieldStatus, TypedParser

from .typed_models import check_law


def pieces(text: str, size: int = 3) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class Pick(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)
    count: int
    name: str


def test_strict_rejects_in_the_view_what_it_rejects_in_the_final_value() -> None:
    text = '{"count": "3", "name": "x"}'
    parser = check_law(Strict, text, pieces(text))
    assert [i.path for i in parser.issues] == [("count",)]
    assert parser.status("count") is FieldStatus.INVALID and parser.partial.count is None


class Coerced(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)
    code: str


def test_coerce_numbers_to_str() -> None:
    parser = check_law(Coerced, '{"code": 1234}', pieces('{"code": 1234}'))
    assert parser.partial.code == "1234"


class Blob(BaseModel):
    model_config = ConfigDict(val_json_bytes="base64", ser_json_bytes="base64")
    data: bytes


def test_base64_bytes() -> None:
    encoded = base64.b64encode(b"\x00binary\xff").decode()
    text = f'{{"data": "{encoded}"}}'
    parser = TypedParser(Blob)
    parser.feed(text[:14])
    assert parser.partial.data is None  # half a base64 text is not bytes yet
    parser.feed(text[14:])
    assert parser.partial.data == b"\x00binary\xff"
    check_law(Blob, text, pieces(text))


class Tidy(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, str_to_lower=True)
    tag: str


def test_strip_and_lower_apply_while_the_string_grows() -> None:
    parser = TypedParser(Tidy)
    shown = []
    for piece in ['{"tag": "  ', "Hello ", " Wor", 'LD  "}']:
        parser.feed(piece)
        shown.append(parser.partial.tag)
    assert shown == ["", "hello", "hello  wor", "hello  world"]  # never shrinks
    check_law(Tidy, '{"tag": "  Hello  WorLD  "}', pieces('{"tag": "  Hello  WorLD  "}'))


class Values(BaseModel):
    model_config = ConfigDict(use_enum_values=True)
    pick: Pick


def test_use_enum_values() -> None:
    parser = check_law(Values, '{"pick": "blue"}', pieces('{"pick": "blue"}'))
    assert parser.partial.pick == "blue" and type(parser.partial.pick) is str


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    a: int


def test_extra_forbid_is_an_issue_not_a_crash() -> None:
    text = '{"a": 1, "b": {"deep": [1, 2]}, "c": 3}'
    parser = check_law(Closed, text, pieces(text))
    assert [(i.path, i.message) for i in parser.issues] == [
        (("b",), "Extra inputs are not permitted"),
        (("c",), "Extra inputs are not permitted"),
    ]
    assert parser.partial.a == 1


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    a: int


def test_extra_allow_keeps_the_extras_as_pydantic_does() -> None:
    parser = check_law(Open, '{"a": 1, "b": [true]}', pieces('{"a": 1, "b": [true]}'))
    assert parser.partial.model_extra == {"b": [True]}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)
    a: int


def test_frozen_views_cannot_be_assigned_to() -> None:
    parser = check_law(Frozen, '{"a": 1}', pieces('{"a": 1}'))
    with pytest.raises(ValidationError):
        parser.partial.a = 2


class Bounded(BaseModel):
    model_config = ConfigDict(str_min_length=2, str_max_length=3)
    code: str


def test_config_string_lengths() -> None:
    parser = check_law(Bounded, '{"code": "x"}', pieces('{"code": "x"}'))
    assert parser.status("code") is FieldStatus.INVALID
    check_law(Bounded, '{"code": "xyzw"}', pieces('{"code": "xyzw"}'))

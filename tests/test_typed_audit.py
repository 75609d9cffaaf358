"""Defects an outside audit found in the typed view, each with a model like users write."""

from __future__ import annotations

import datetime
import enum
from typing import Any, Dict, List, Optional, Tuple, Union

import pytest
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SecretStr,
    ValidationError,
    computed_field,
    field_serializer,
)
from typing_extensions import Annotated, Literal

import partialjson
from partialjson import FieldStatus, TypedParser

from .typed_models import check_law, jsonable

SECRET = "hunter2"


class Login(BaseModel):
    kind: Literal["login"]
    password: SecretStr


class Other(BaseModel):
    kind: Literal["other"]


class Tagged(BaseModel):
    cred: Annotated[Union[Login, Other], Field(discriminator="kind")]


class Plain(BaseModel):
    cred: Union[Login, Other]


class Shapes(BaseModel):
    pair: Tuple[SecretStr, int]
    by_id: Dict[int, SecretStr]


class Many(BaseModel):
    creds: List[Union[Login, Other]]


SECRET_DOCUMENTS = [
    (Tagged, '{"cred": {"password": "hunter2", "kind": "login"}}'),
    (Tagged, '{"cred": {"kind": "login", "password": "hunter2"}}'),
    (Plain, '{"cred": {"password": "hunter2", "kind": "login"}}'),
    (Plain, '{"cred": {"kind": "login", "password": "hunter2"}}'),
    (Shapes, '{"pair": ["hunter2", 3], "by_id": {"1": "hunter2"}}'),
    (Many, '{"creds": [{"kind": "other"}, {"password": "hunter2", "kind": "login"}]}'),
]


def _shows_secret(shown: str) -> bool:
    """Whether any 3+ character start of the secret shows (``hun`` is in no other text here)."""
    return any(SECRET[:n] in shown for n in range(3, len(SECRET) + 1))


@pytest.mark.parametrize(("type_", "text"), SECRET_DOCUMENTS)
def test_a_secret_inside_a_raw_value_never_shows_while_it_streams(type_: Any, text: str) -> None:
    parser = TypedParser(type_)
    for character in text:
        parser.feed(character)
        view = parser.partial
        for shown in (repr(view), str(view.model_dump()), view.model_dump_json()):
            assert not _shows_secret(shown), (text, shown)
    check_law(type_, text, [text[i : i + 5] for i in range(0, len(text), 5)])


@pytest.mark.parametrize(("type_", "text"), SECRET_DOCUMENTS)
def test_a_relay_never_sends_a_secret_inside_a_raw_value(type_: Any, text: str) -> None:
    chunks: list[Any] = [
        {"choices": [{"index": 0, "delta": {"content": text[i : i + 3]}}]}
        for i in range(0, len(text), 3)
    ]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    sent = b"".join(partialjson.relay(partialjson.stream(chunks, type_), heartbeat=None))
    assert b"patch" in sent
    assert not _shows_secret(sent.decode()), sent


def test_a_raw_value_that_holds_a_secret_is_streaming_until_it_closes() -> None:
    parser = TypedParser(Tagged)
    parser.feed('{"cred": {"password": "hunter')
    assert parser.status("cred") is FieldStatus.STREAMING
    assert jsonable(parser.partial) == {"cred": {}}
    parser.feed('2", "kind": "login"}}')
    assert parser.status("cred") is FieldStatus.COMPLETE
    assert parser.partial.cred.password.get_secret_value() == SECRET


# --------------------------------------------------------------------- status after a raw union


class Cat(BaseModel):
    kind: Literal["cat"]
    name: str = Field(alias="petName")


class Dog(BaseModel):
    kind: Literal["dog"]


class Home(BaseModel):
    pet: Annotated[Union[Cat, Dog], Field(discriminator="kind")]


class Kennel(BaseModel):
    pets: List[Union[Cat, Dog]]


@pytest.mark.parametrize(
    ("type_", "text", "path"),
    [
        (Home, '{"pet": {"petName": "Tom", "kind": "cat"}}', "pet.name"),
        (Home, '{"pet": {"petName": "Tom", "kind": "cat"}}', "pet.petName"),
        (Kennel, '{"pets": [{"petName": "Tom", "kind": "cat"}]}', "pets.0.name"),
    ],
)
def test_status_inside_a_raw_union_stays_complete_once_it_closes(
    type_: Any, text: str, path: str
) -> None:
    parser = TypedParser(type_)
    seen = []
    for character in text:
        parser.feed(character)
        status = parser.status(path).value
        if not seen or seen[-1] != status:
            seen.append(status)
    assert seen == ["pending", "streaming", "complete"]
    parser.finish()
    assert parser.status(path) is FieldStatus.COMPLETE
    check_law(type_, text, list(text), paths=((), path))


# --------------------------------------------------------------------- model config in the view


class Reading(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)
    x: float
    y: Optional[float] = None


def test_allow_inf_nan_false_in_the_config_makes_an_overflowing_float_an_issue() -> None:
    text = '{"x": 1e400, "y": 2.5}'
    parser = check_law(Reading, text, [text[:12], text[12:]], paths=((), "x", "y"))
    assert parser.status("x") is FieldStatus.INVALID
    assert parser.partial.x is None
    assert [issue.path for issue in parser.issues] == [("x",)]
    assert parser.partial.y == 2.5


class Counts(BaseModel):
    model_config = ConfigDict(str_to_lower=True, str_strip_whitespace=True)
    c: Dict[str, int]


def test_dict_keys_that_config_changes_are_read_as_pydantic_reads_them() -> None:
    text = '{"c": {" K ": 1, "k": 2}}'
    parser = check_law(Counts, text, list(text), paths=((), "c"))
    assert jsonable(parser.partial) == {"c": {"k": 2}}


class Defaults(BaseModel):
    model_config = ConfigDict(validate_default=True)
    n: int = "3"  # type: ignore[assignment]
    when: datetime.date = "2024-05-01"  # type: ignore[assignment]


class FieldDefaults(BaseModel):
    n: int = Field("3", validate_default=True)
    tags: List[str] = Field(default_factory=lambda: ["A "], validate_default=True)
    model_config = ConfigDict(str_strip_whitespace=True)


@pytest.mark.parametrize("type_", [Defaults, FieldDefaults])
def test_validate_default_fills_the_view_with_validated_defaults(type_: Any) -> None:
    parser = check_law(type_, "{}", ["{", "}"])
    assert parser.partial.n == 3
    assert parser.partial.model_dump() == parser.finish().model_dump()


# --------------------------------------------------------------------- options that cannot apply


class Color(enum.Enum):
    RED = "red"


SCALAR_ROOTS = [int, str, Optional[float], Literal["a", 1], Color, datetime.date, Union[int, str]]


@pytest.mark.parametrize("type_", [*SCALAR_ROOTS, RootModel[int]])
def test_lenient_with_a_scalar_root_is_a_type_error_at_construction(type_: Any) -> None:
    with pytest.raises(TypeError, match="lenient"):
        TypedParser(type_, lenient=True)


@pytest.mark.parametrize("type_", [Any, List[int], Dict[str, int], Union[int, List[int]], Reading])
def test_lenient_works_with_a_root_that_can_be_an_object_or_an_array(type_: Any) -> None:
    TypedParser(type_, lenient=True)


class Shelf(BaseModel):
    books: List[Union[Login, Other]]


@pytest.mark.parametrize(
    ("type_", "text", "items", "path", "valid"),
    [
        (Dict[str, List[int]], '{"a": [1, "x", 3]}', "a", ("a", 1), 2),
        (Shelf, '{"books": [{"kind": "other"}, {"kind": "nope"}]}', "books", ("books", 1), 1),
    ],
)
def test_an_invalid_items_element_is_one_issue(
    type_: Any, text: str, items: str, path: Any, valid: int
) -> None:
    parser = TypedParser(type_, items=items)
    for character in text:
        parser.feed(character)
    assert [issue.path for issue in parser.issues] == [path]
    assert len(parser.items) == valid


# --------------------------------------------------------------------- lone surrogates


class Note(BaseModel):
    a: str
    rest: Any = None


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "x\\ud800y", "rest": null}',
        '{"a": "ok", "rest": {"b": "\\udfff"}}',
        '{"a": "ok", "rest": ["\\ud800", 1]}',
    ],
)
def test_a_lone_surrogate_is_an_issue_and_the_view_still_serializes(text: str) -> None:
    for pieces in ([text], [text[:9], text[9:20], text[20:]], list(text), [text[:8], text[8:]]):
        parser = TypedParser(Note)
        for piece in pieces:
            parser.feed(piece)
            jsonable(parser.partial)
            parser.partial.model_dump_json()  # also while the string streams
        assert len(parser.issues) == 1
        assert "surrogate" in parser.issues[0].message
        assert parser.status(parser.issues[0].field_path) is FieldStatus.INVALID
        parser.partial.model_dump_json()
        with pytest.raises(ValidationError, match="json_invalid"):
            parser.finish()


class Stripped(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    a: str
    b: Any = None


@pytest.mark.parametrize("model", [Note, Stripped])
@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\ud800"])
def test_a_lone_surrogate_is_found_wherever_the_deltas_cut_the_string(
    model: type[BaseModel], escape: str
) -> None:
    """A streamed string is looked at for lone surrogates as it arrives and only its unseen
    rest when it completes: the surrogate is found in the first piece, a middle one, the one
    that closes it, or in a string the view does not show (an extra key)."""
    for key in ("a", "extra"):
        text = '{"' + key + '": " x' + escape + 'y ", "b": 1}'
        for cut in range(len(text)):
            for second in range(cut, len(text), 3):
                parser = TypedParser(model)
                for piece in (text[:cut], text[cut:second], text[second:]):
                    if piece:
                        parser.feed(piece)
                if key == "a":  # (an extra key is ignored: no issue; finish() fails all the same)
                    assert [issue.path for issue in parser.issues] == [("a",)], (cut, second)
                parser.partial.model_dump_json()
                with pytest.raises(ValidationError):  # (pydantic cannot read the text)
                    parser.finish()


# --------------------------------------------------------------------- serializers in the view


class Priced(BaseModel):
    a: int
    label: str = ""
    when: Optional[datetime.date] = None

    @field_serializer("a")
    def in_cents(self, value: int) -> int:
        return value * 100

    @field_serializer("label", mode="wrap")
    def shouted(self, value: str, handler: Any, info: Any) -> str:
        return str(handler(value)).upper()

    @field_serializer("when", when_used="json")
    def day(self, value: Optional[datetime.date]) -> Optional[str]:
        return None if value is None else value.strftime("%d/%m/%Y")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def double(self) -> int:
        return self.a * 2


def test_field_serializers_and_computed_fields_show_in_the_view_dump() -> None:
    text = '{"a": 3, "label": "ab", "when": "2024-05-01"}'
    parser = check_law(Priced, text, list(text), paths=((), "a", "label"))
    final = parser.finish()
    assert parser.partial.model_dump() == final.model_dump()
    assert parser.partial.model_dump_json() == final.model_dump_json()
    halfway = TypedParser(Priced)
    halfway.feed('{"label": "x')  # serializers and computed fields that cannot run yet
    assert halfway.partial.model_dump() == {"a": None, "label": "X", "when": None, "double": None}
    assert "double" in repr(parser.partial)

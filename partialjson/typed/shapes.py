"""Shapes: what a type that pydantic validates looks like along JSON paths.

Theory of operation
===================

The typed layer walks the parser's change events down a *shape* tree derived once from the
user's type ``T`` (and cached per type):

* :class:`ObjectShape` for a pydantic model, a dataclass or a ``TypedDict``: its JSON keys
  (aliases included), each with the attribute name and the shape of its value, and a
  generated *partial class* — same field names, every field optional with a ``None`` default;
* :class:`ListShape` for ``list[X]`` (and other homogeneous sequences), :class:`DictShape` for
  ``dict[str, X]``;
* :class:`UnionShape` for a discriminated union of objects: the variant is chosen as soon as
  the discriminator's value is complete;
* :class:`Leaf` for everything else (``int``, ``date``, ``Literal``, ``Enum``, plain unions,
  ``Any`` …): validated whole, by its own ``TypeAdapter``, once its JSON value is complete.

Each place a value can stand — the root, a field, a list item, a dict value — is a
:class:`Slot`: the shape that guides the walk, and a :class:`Leaf` for the place's full
annotation. A complete value found where the shape expected something else (``null`` where
``Optional[Model]`` expected a model, a number where a list was expected) is validated against
that full annotation, exactly as pydantic would.

Field validators and model validators are deliberately left out of every adapter built here:
they are the user's business logic and run only on the final value.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import sys
import typing
from collections.abc import Mapping, MutableSequence, Sequence
from typing import Any, Optional, Union

import pydantic
from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from typing_extensions import Annotated, Literal, get_args, get_origin, is_typeddict

__all__ = [
    "DictShape",
    "Leaf",
    "ListShape",
    "ObjectShape",
    "Shape",
    "Slot",
    "UnionShape",
    "slot_of",
]

if sys.version_info >= (3, 10):
    from types import UnionType

    _UNION_TYPES: tuple[Any, ...] = (Union, UnionType)
else:  # pragma: no cover - Python 3.9
    _UNION_TYPES = (Union,)

_VALIDATOR_TYPES = (
    pydantic.AfterValidator,
    pydantic.BeforeValidator,
    pydantic.PlainValidator,
    pydantic.WrapValidator,
)
_SEQUENCES = (list, Sequence, MutableSequence, typing.List, typing.Sequence)
_PLAIN_LEAVES = frozenset({str, int, float, bool, type(None)})


class Leaf:
    """A value validated whole once its JSON is complete."""

    def __init__(self, annotation: Any) -> None:
        self.annotation = annotation
        # A JSON value that already is what a plain annotation (str, int, float, bool, None and
        # unions of them, e.g. Optional[str]) asks for needs no adapter: the common case stays
        # cheap. Anything else (an int for a float, constraints, dates...) goes to pydantic.
        members = get_args(annotation) if get_origin(annotation) in _UNION_TYPES else (annotation,)
        plain = all(m in _PLAIN_LEAVES for m in members)
        self._plain: tuple[Any, ...] = tuple(members) if plain else ()
        self._anything = annotation is Any  # any JSON value is valid as it is

    @functools.cached_property
    def adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.annotation)

    def coerce(self, value: Any) -> Any:
        """Validate a complete JSON value as pydantic's JSON mode would; raises ValidationError."""
        if self._anything or type(value) in self._plain:
            return value
        return self.adapter.validate_json(json.dumps(value))


class ObjectShape(Leaf):
    """A model, dataclass or TypedDict: built field by field as its keys arrive."""

    def __init__(self, annotation: Any, cls: type) -> None:
        super().__init__(annotation)
        self.cls = cls
        self.fields: dict[str, tuple[str, Slot]] = {}  # JSON key -> (attribute, slot)
        self.forbid_extra = False
        self.is_dict = is_typeddict(cls)
        self._partial_cls: Optional[type[BaseModel]] = None

    @property
    def partial_cls(self) -> type[BaseModel]:
        """The generated partial model (built on first use; ``TypedDict`` views are dicts)."""
        if self._partial_cls is None:
            self._partial_cls = _partial_model(self)
        return self._partial_cls

    def new(self) -> Any:
        """An empty partial value: every field ``None``."""
        return {} if self.is_dict else self.partial_cls.model_construct()

    def set(self, node: Any, key: str, value: Any) -> bool:
        """Put a member's value into a partial node; False for a key the type doesn't have."""
        field = self.fields.get(key)
        if field is None:
            return False
        if self.is_dict:
            node[field[0]] = value
        else:
            node.__dict__[field[0]] = value
            node.__pydantic_fields_set__.add(field[0])
        return True


class ListShape(Leaf):
    def __init__(self, annotation: Any, item: Slot) -> None:
        super().__init__(annotation)
        self.item = item


class DictShape(Leaf):
    def __init__(self, annotation: Any, value: Slot) -> None:
        super().__init__(annotation)
        self.value = value


class UnionShape(Leaf):
    """A discriminated union of objects: a plain dict until the tag is known."""

    def __init__(self, annotation: Any, key: str, variants: dict[Any, ObjectShape]) -> None:
        super().__init__(annotation)
        self.key = key
        self.variants = variants


Shape = Union[Leaf, ObjectShape, ListShape, DictShape, UnionShape]


@dataclasses.dataclass(frozen=True)
class Slot:
    """A place for a value: the shape to walk, and the leaf for its full annotation."""

    shape: Shape
    leaf: Leaf


def slot_of(annotation: Any) -> Slot:
    """The root slot of ``annotation`` (cached: derived once per type)."""
    try:
        return _cached_slot(annotation)
    except TypeError:  # an unhashable annotation (e.g. odd Annotated metadata): not cached
        return _Builder().slot(annotation)


@functools.lru_cache(maxsize=256)
def _cached_slot(annotation: Any) -> Slot:
    return _Builder().slot(annotation)


class _Builder:
    """Builds a shape tree; a recursive type reuses the shape it is still building."""

    def __init__(self) -> None:
        self._objects: dict[Any, ObjectShape] = {}

    def slot(self, annotation: Any) -> Slot:
        shape = self.build(annotation)
        annotation = _rejoin(*_split_annotated(annotation))  # without validator functions
        return Slot(shape, shape if shape.annotation == annotation else Leaf(annotation))

    def build(self, annotation: Any) -> Shape:
        bare, metadata = _split_annotated(annotation)
        annotation = _rejoin(bare, metadata)
        origin = get_origin(bare)
        args = get_args(bare)
        if isinstance(bare, type) and _is_object_type(bare):
            return self._object(annotation, bare)
        if origin in _UNION_TYPES:
            members = [a for a in args if a is not type(None)]
            if len(members) == 1:  # Optional[X]: the slot's leaf validates a null
                return self.build(members[0])
            return self._union(annotation, members, metadata)
        if origin in _SEQUENCES and len(args) == 1:
            return ListShape(annotation, self.slot(args[0]))
        if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
            return ListShape(annotation, self.slot(args[0]))
        if (
            origin in (dict, Mapping, typing.Dict, typing.Mapping)
            and len(args) == 2
            and args[0] is str
        ):
            return DictShape(annotation, self.slot(args[1]))
        return Leaf(annotation)

    def _object(self, annotation: Any, cls: type) -> ObjectShape:
        if cls in self._objects:
            return self._objects[cls]
        shape = ObjectShape(annotation, cls)
        self._objects[cls] = shape
        for key, attribute, field_annotation in _fields_of(cls):
            shape.fields[key] = (attribute, self.slot(field_annotation))
        if issubclass(cls, BaseModel):
            shape.forbid_extra = cls.model_config.get("extra") == "forbid"
        return shape

    def _union(self, annotation: Any, members: list[Any], metadata: list[Any]) -> Shape:
        key = _discriminator(metadata)
        if key is None:
            return Leaf(annotation)
        variants: dict[Any, ObjectShape] = {}
        for member in members:
            variant = self.build(member)
            if not isinstance(variant, ObjectShape) or key not in variant.fields:
                return Leaf(annotation)
            bare, _ = _split_annotated(variant.fields[key][1].leaf.annotation)
            if get_origin(bare) is not Literal:
                return Leaf(annotation)
            for tag in get_args(bare):
                variants[tag.value if isinstance(tag, enum.Enum) else tag] = variant
        return UnionShape(annotation, key, variants)


def _split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """``Annotated[X, *m]`` as ``(X, m)`` without validator functions (see the module doc)."""
    if get_origin(annotation) is Annotated:
        bare, *metadata = get_args(annotation)
        inner, more = _split_annotated(bare)
        return inner, [m for m in [*more, *metadata] if not isinstance(m, _VALIDATOR_TYPES)]
    return annotation, []


def _rejoin(bare: Any, metadata: list[Any]) -> Any:
    return Annotated[(bare, *metadata)] if metadata else bare


def _is_object_type(cls: type) -> bool:
    return issubclass(cls, BaseModel) or dataclasses.is_dataclass(cls) or is_typeddict(cls)


def _fields_of(cls: type) -> list[tuple[str, str, Any]]:
    """(JSON key, attribute name, annotation with its constraints) for each field of ``cls``."""
    if issubclass(cls, BaseModel):
        by_alias = cls.model_config.get("validate_by_alias", True) is not False
        out = []
        for name, info in cls.model_fields.items():
            key = (info.validation_alias if isinstance(info.validation_alias, str) else None) or (
                info.alias if by_alias and info.alias else name
            )
            out.append((key, name, _field_annotation(info)))
        return out
    hints = typing.get_type_hints(cls, include_extras=True)
    if dataclasses.is_dataclass(cls):
        return [(f.name, f.name, hints.get(f.name, Any)) for f in dataclasses.fields(cls)]
    return [(name, name, hint) for name, hint in hints.items()]  # TypedDict


def _field_annotation(info: FieldInfo) -> Any:
    metadata = [m for m in info.metadata if not isinstance(m, _VALIDATOR_TYPES)]
    if info.discriminator is not None:
        metadata.append(pydantic.Field(discriminator=info.discriminator))
    return _rejoin(info.annotation, metadata)


def _discriminator(metadata: list[Any]) -> Optional[str]:
    for item in metadata:
        found = getattr(item, "discriminator", None)
        if isinstance(found, str):
            return found
    return None


def _partial_annotation(shape: Shape, building: set[int]) -> Any:
    if isinstance(shape, ObjectShape):
        if shape.is_dict or id(shape) in building:
            return Any
        if shape._partial_cls is None:
            shape._partial_cls = _partial_model(shape, building)
        return shape._partial_cls
    if isinstance(shape, ListShape):
        return list[_partial_annotation(shape.item.shape, building)]  # type: ignore[misc]
    if isinstance(shape, DictShape):
        return dict[str, _partial_annotation(shape.value.shape, building)]  # type: ignore[misc]
    if isinstance(shape, UnionShape):
        variants = {id(v): v for v in shape.variants.values()}.values()
        return Union[tuple(_partial_annotation(v, building) for v in variants)]
    return shape.annotation


def _partial_model(shape: ObjectShape, building: Optional[set[int]] = None) -> type[BaseModel]:
    """``Partial<Name>``: the same field names, each optional with a ``None`` default."""
    building = set() if building is None else building
    building.add(id(shape))
    fields: dict[str, Any] = {}
    for attribute, child in shape.fields.values():
        fields[attribute] = (Optional[_partial_annotation(child.shape, building)], None)
    building.discard(id(shape))
    model: type[BaseModel] = pydantic.create_model(
        f"Partial{shape.cls.__name__}",
        __doc__=f"A partial {shape.cls.__name__}, for display while it streams.",
        __module__=shape.cls.__module__,
        **fields,
    )
    return model

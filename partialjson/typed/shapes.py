"""Shapes: what a type that pydantic validates looks like along JSON paths.

Theory of operation
===================

The typed layer walks the parser's change events down a tree of *slots* derived once (and cached)
from ``TypeAdapter(T).core_schema`` — the very schema pydantic-core validates with, so aliases,
config, discriminators, defaults and wrappers are read exactly as pydantic reads them:

* every place a value can stand (the root, a field, a list item, a dict value) is a
  :class:`Slot`: the :class:`Leaf` that validates a complete value there, and the shape to follow
  if an object or an array opens there;
* :class:`ObjectShape` for a model, a pydantic or stdlib dataclass or a ``TypedDict``: its JSON
  keys — ``alias``, ``validation_alias``, ``AliasChoices``, the field name under
  ``validate_by_name`` / ``populate_by_name``, ``alias_generator``: whatever the core schema
  lists — each with the attribute it fills and that attribute's slot; an ``AliasPath`` is kept as
  a key whose value is read whole, then looked into;
* :class:`ListShape` (``list[X]``, ``tuple[X, ...]``), :class:`DictShape` (``dict[str, X]``);
* :class:`UnionShape` for a discriminated union: the variant is followed once the tag arrives;
* a plain union follows the one member that can take an object (or an array), if there is
  exactly one; anything else is shown raw while it streams and validated whole when it closes.

A :class:`Leaf` validates with a ``SchemaValidator`` built from the place's own core schema and
the config of the model around it (``strict``, ``str_strip_whitespace``, ``use_enum_values``,
``val_json_bytes``… apply as in the final value), from the JSON text of the complete value.
Plain values that need no work (a ``str`` for a plain ``str`` field) skip the validator.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import functools
from typing import Any, Final, Optional, Union

import pydantic
from pydantic import BaseModel, TypeAdapter
from pydantic._internal._decorators import inspect_field_serializer
from pydantic.types import _SecretBase
from pydantic_core import SchemaValidator, to_json

__all__ = [
    "DictShape",
    "Leaf",
    "ListShape",
    "ObjectShape",
    "Shape",
    "Slot",
    "Target",
    "UnionShape",
    "adapter_of",
    "slot_of",
]

CoreSchema = dict[str, Any]

# Wrappers whose inner schema describes the structure the JSON has.
_PASS_THROUGH = ("default", "nullable", "function-after", "function-before", "function-wrap")
_STR_CONFIG = ("str_strip_whitespace", "str_to_lower", "str_to_upper", "str_min_length")
_STR_CHECKS = ("min_length", "max_length", "pattern", "strip_whitespace", "to_lower", "to_upper")
_NUMBER_CHECKS = ("gt", "ge", "lt", "le", "multiple_of", "allow_inf_nan", "max_digits")
# Config keys that change how the partial classes serialize, copied from the user's model.
_SERIALIZATION_CONFIG = (
    "frozen",
    "ser_json_bytes",
    "ser_json_inf_nan",
    "ser_json_timedelta",
    "serialize_by_alias",
    "use_enum_values",
)


class Leaf:
    """Validates a complete JSON value at one place, as pydantic would in JSON mode."""

    def __init__(self, schema: CoreSchema, config: dict[str, Any], walker: _Walker) -> None:
        self.schema = schema
        self.config = config
        self._definitions = walker.definitions
        self._walker_resolve = walker.resolve
        inner = _unwrap(schema, walker, ("default", "nullable"))
        kind = inner.get("type")
        self.nullable = _is_nullable(schema, walker)
        strict = bool(inner.get("strict", config.get("strict", False)))
        #: Text transforms a streaming string gets, as ``str_strip_whitespace`` & co. do.
        self.strip = bool(inner.get("strip_whitespace", config.get("str_strip_whitespace")))
        self.lower = bool(inner.get("to_lower", config.get("str_to_lower")))
        self.upper = bool(inner.get("to_upper", config.get("str_to_upper")))
        #: Whether a string that is still growing can be shown here: a ``str`` or ``Any``, also
        #: under field validators (they run once it is complete). Never a secret.
        self.streams_text = _unwrap(inner, walker, _PASS_THROUGH).get("type") in ("str", "any")
        # The JSON types that are returned as they are: no adapter for the common case.
        self._identity: tuple[type, ...] = ()
        if kind == "any":
            self._identity = (str, int, float, bool, dict, list, type(None))
        elif kind == "str" and not _has(inner, _STR_CHECKS) and not _has(config, _STR_CONFIG):
            self._identity = (str,) if config.get("str_max_length") is None else ()
        elif kind == "int" and not _has(inner, _NUMBER_CHECKS):
            self._identity = (int,)
        elif kind == "float" and not _has(inner, _NUMBER_CHECKS):
            # ``allow_inf_nan=False`` in the config: a 1e400 (inf) must fail here as it will there
            finite = inner.get("allow_inf_nan", config.get("allow_inf_nan", True)) is False
            self._identity = () if finite else (float,)
        elif kind == "bool":
            self._identity = (bool,)
        self._literals: frozenset[str] = frozenset()
        if kind == "literal" and not strict:
            self._literals = frozenset(v for v in inner["expected"] if type(v) is str)

    @functools.cached_property
    def scalar_only(self) -> bool:
        """Whether only a JSON scalar (never an object or an array) can validate here."""
        return _scalar_only(self.schema, self._walker_resolve)

    @functools.cached_property
    def holds_secret(self) -> bool:
        """Whether a secret (``SecretStr``, ``SecretBytes``, ``Secret[...]``) can stand anywhere in
        a value here. A value shown raw while it streams (an undecided union, a tuple, a dict
        with non-str keys) is then kept out of the view until it validates, masked."""
        return _reaches_secret(self.schema, self._definitions)

    @functools.cached_property
    def validator(self) -> SchemaValidator:
        schema = self.schema
        refs, inline = _refs_in(schema)
        refs -= inline
        if refs:
            definitions = _closure(refs, self._definitions)
            schema = {"type": "definitions", "schema": schema, "definitions": definitions}
        return SchemaValidator(schema, self.config or None)  # type: ignore[arg-type]

    def coerce(self, value: Any) -> Any:
        """The complete JSON ``value`` validated here; raises ``ValidationError``."""
        kind = type(value)
        if kind in self._identity or (value is None and self.nullable):
            return value
        if kind is str and value in self._literals:
            return value
        return self.validator.validate_json(to_json(value))


@dataclasses.dataclass(frozen=True)
class Target:
    """What a JSON key fills: an attribute, with the key's priority among the attribute's keys.

    ``rest`` is the rest of an ``AliasPath`` (empty for a plain key); ``priority`` 0 is the key
    pydantic prefers when several of the attribute's keys are present.
    """

    attribute: str
    priority: int
    rest: tuple[Union[str, int], ...]
    slot: Slot


class ObjectShape:
    """A model, dataclass or ``TypedDict``: built field by field as its keys arrive."""

    def __init__(self, cls: Any, kind: str) -> None:
        self.cls = cls
        self.kind = kind  # "model", "dataclass" or "typed-dict"
        self.name = getattr(cls, "__name__", "Object")
        self.is_dict = kind == "typed-dict"
        #: JSON key -> the plain target it fills (the common case: one lookup per key).
        self.keys: dict[str, Target] = {}
        #: JSON key -> targets reached through an ``AliasPath`` starting at that key.
        self.paths: dict[str, list[Target]] = {}
        #: attribute -> its slot and its keys (for ``status()`` by attribute or key).
        self.attributes: dict[str, Slot] = {}
        self.key_of: dict[str, str] = {}  # any accepted key -> attribute
        self.multi_keyed = False  # some attribute has several keys: priorities matter
        #: attribute -> (default, is a factory, the leaf that validates it under
        #: ``validate_default``) for the fields pydantic fills when absent.
        self.defaults: dict[str, tuple[Any, bool, Optional[Leaf]]] = {}
        self.extra = "ignore"
        self._partial_cls: Optional[type[BaseModel]] = None
        #: The fields of a new partial model (see :meth:`new`), once its class is made.
        self._blank: Optional[dict[str, Any]] = None
        #: The one fields set that closed partial models which received every field share
        #: (see ``TypedParser._share_fields_set``), made at the first such close of any stream.
        self.all_received: Optional[set[str]] = None

    @property
    def partial_cls(self) -> type[BaseModel]:
        """The generated ``Partial<Name>`` model (``TypedDict`` views are plain dicts)."""
        if self._partial_cls is None:
            self._partial_cls = _partial_model(self)
        return self._partial_cls

    def new(self) -> Any:
        """An empty partial value: every field unset (``None``).

        What ``model_construct()`` gives a partial model, made directly: one opens per object
        of the stream, and ``model_construct()`` looks up every field's aliases and default
        each time, for a result that is always the same (every field ``None``, none set).
        """
        if self.is_dict:
            return {}
        return self.new_model()[0]

    def new_model(self) -> tuple[Any, dict[str, Any], set[str]]:
        """A new empty partial model (:meth:`new`), with its ``__dict__`` and
        ``__pydantic_fields_set__`` (made here: no attribute lookups to find them again)."""
        cls = self.partial_cls
        blank = self._blank
        if blank is None:
            blank = self._blank = _blank_of(cls)
        if blank is _CONSTRUCT:  # (a partial model with a post-init hook: pydantic's way)
            node = cls.model_construct()
            if self.extra == "allow":
                node.__pydantic_extra__ = {}
            return node, node.__dict__, node.__pydantic_fields_set__
        node = _new_object(cls)
        values = blank.copy()
        received: set[str] = set()
        _set_dict(node, values)
        _set_fields_set(node, received)
        _set_extra(node, {} if self.extra == "allow" else None)
        _set_private(node, None)
        return node, values, received

    def fill_defaults(self, node: Any) -> bool:
        """Give the fields that never arrived their defaults, as pydantic does (still unset).

        Returns whether that changed what the node shows (a default of ``None`` does not).
        """
        if self.is_dict:
            return False
        return self.fill_defaults_in(node.__dict__, node.__pydantic_fields_set__)

    def fill_defaults_in(self, values: dict[str, Any], received: set[str]) -> bool:
        """:meth:`fill_defaults` of a partial model, given its ``__dict__`` and fields set."""
        changed = False
        for attribute, (default, factory, validated) in self.defaults.items():
            if attribute not in received:
                value = default() if factory else _copy(default)
                if validated is not None:  # ``validate_default``: as pydantic fills it
                    try:
                        value = validated.validator.validate_python(value)
                    except pydantic.ValidationError:
                        continue  # the final value fails here: the view shows nothing
                if value is not values.get(attribute):
                    values[attribute] = value
                    changed = True
        return changed

    def attribute(self, part: Union[str, int]) -> Optional[str]:
        """The attribute a path part names: a Python field name or any JSON key of it."""
        if isinstance(part, str):
            if part in self.attributes:
                return part
            return self.key_of.get(part)
        return None


def _setter(name: str) -> Any:
    """A function setting ``name`` on a pydantic model as ``object.__setattr__`` does: the
    ``__set__`` of ``BaseModel``'s own descriptor for it (one of its ``__slots__``), which
    skips looking the name up on every call; ``object.__setattr__`` if pydantic has none."""
    descriptor = BaseModel.__dict__.get(name)
    if descriptor is not None and hasattr(descriptor, "__set__"):
        return descriptor.__set__
    return lambda node, value: object.__setattr__(node, name, value)


_new_object: Final[Any] = object.__new__
_set_dict: Final[Any] = _setter("__dict__")
_set_fields_set: Final[Any] = _setter("__pydantic_fields_set__")
_set_extra: Final[Any] = _setter("__pydantic_extra__")
_set_private: Final[Any] = _setter("__pydantic_private__")
#: :meth:`ObjectShape.new` calls ``model_construct()``: a hook must run on every new model.
_CONSTRUCT: Final[dict[str, Any]] = {}


def _blank_of(cls: type[BaseModel]) -> dict[str, Any]:
    """The ``__dict__`` of ``cls.model_construct()``: every field's default, ``None`` in a
    partial model (or :data:`_CONSTRUCT` where a hook makes ``model_construct()`` do more)."""
    if cls.__pydantic_post_init__ or cls.__pydantic_root_model__:
        return _CONSTRUCT
    return dict(cls.model_construct().__dict__)


class ListShape:
    def __init__(self, item: Slot) -> None:
        self.item = item


class DictShape:
    def __init__(self, value: Slot) -> None:
        self.value = value


class UnionShape:
    """A discriminated union of objects: a raw dict until the tag is known."""

    def __init__(self, key: str, variants: dict[Any, ObjectShape]) -> None:
        self.key = key
        self.variants = variants


Shape = Union[ObjectShape, ListShape, DictShape, UnionShape]


class Slot:
    """A place for a value: its leaf, and the shapes followed when an object or array opens."""

    __slots__ = ("array", "leaf", "members", "object")

    def __init__(
        self,
        leaf: Leaf,
        object_: Union[ObjectShape, DictShape, UnionShape, None],
        array: Optional[ListShape],
        members: tuple[ObjectShape, ...] = (),
    ) -> None:
        self.leaf = leaf
        self.object = object_
        self.array = array
        #: The objects a plain union of several could be (shown raw): for ``status()`` only.
        self.members = members


def slot_of(type_: Any) -> Slot:
    """The root slot of ``type_`` (derived once per type; pydantic's errors at construction)."""
    try:
        return _cached_slot(type_)
    except TypeError as error:
        if "unhashable" not in str(error):
            raise
        return _slot_from_adapter(_complete_adapter(type_))


def adapter_of(type_: Any) -> TypeAdapter[Any]:
    """``TypeAdapter(type_)``, built once per type (once it is fully defined)."""
    try:
        return _cached_adapter(type_)
    except TypeError as error:
        if "unhashable" not in str(error):
            raise
        return _complete_adapter(type_)


@functools.lru_cache(maxsize=256)
def _cached_adapter(type_: Any) -> TypeAdapter[Any]:
    return _complete_adapter(type_)


def _complete_adapter(type_: Any) -> TypeAdapter[Any]:
    adapter = TypeAdapter(type_)
    if not isinstance(adapter.core_schema, dict):  # not fully defined: pydantic's own error,
        adapter.core_schema["type"]  # and nothing cached that a later rebuild would fix
        if not isinstance(adapter.core_schema, dict):
            raise TypeError(f"pydantic cannot build a schema for {type_!r}")
    return adapter


@functools.lru_cache(maxsize=256)
def _cached_slot(type_: Any) -> Slot:
    return _slot_from_adapter(_cached_adapter(type_))


def _slot_from_adapter(adapter: TypeAdapter[Any]) -> Slot:
    schema: CoreSchema = adapter.core_schema  # type: ignore[assignment]
    walker = _Walker(schema)
    return walker.slot(schema, {})


class _Walker:
    """Walks a core schema into slots; a recursive model reuses the shape being built."""

    def __init__(self, root: CoreSchema) -> None:
        self.definitions: dict[str, CoreSchema] = {}
        _collect_definitions(root, self.definitions)
        self._objects: dict[Any, ObjectShape] = {}

    def resolve(self, schema: CoreSchema) -> CoreSchema:
        while schema.get("type") in ("definitions", "definition-ref"):
            if schema["type"] == "definitions":
                schema = schema["schema"]
            else:
                schema = self.definitions[schema["schema_ref"]]
        return schema

    def slot(self, schema: CoreSchema, config: dict[str, Any]) -> Slot:
        leaf = Leaf(schema, config, self)
        object_: Union[ObjectShape, DictShape, UnionShape, None] = None
        array: Optional[ListShape] = None
        members: list[ObjectShape] = []
        for shape in self._shapes(schema, config):
            if isinstance(shape, ListShape):
                array = shape if array is None else None
            else:
                object_ = shape if object_ is None else None
                if isinstance(shape, ObjectShape):
                    members.append(shape)
        return Slot(leaf, object_, array, tuple(members) if len(members) > 1 else ())

    def _shapes(self, schema: CoreSchema, config: dict[str, Any]) -> list[Shape]:
        """The shapes a value here can be followed with (one per JSON kind, or none)."""
        schema = self.resolve(schema)
        kind = schema.get("type")
        if kind in _PASS_THROUGH:
            return self._shapes(schema["schema"], config)
        if kind == "lax-or-strict":
            strict = schema.get("strict", config.get("strict", False))
            return self._shapes(schema["strict_schema" if strict else "lax_schema"], config)
        if kind == "json-or-python":
            return self._shapes(schema["json_schema"], config)
        if kind == "model" and schema.get("root_model"):
            return self._shapes(schema["schema"], schema.get("config", config))
        if kind in ("model", "dataclass", "typed-dict"):
            shape = self._object(schema, config)
            return [] if shape is None else [shape]
        if kind == "list" or (
            kind == "tuple"
            and schema.get("variadic_item_index") == 0
            and len(schema.get("items_schema", ())) == 1
        ):
            items = schema.get("items_schema", {"type": "any"})
            item = items[0] if isinstance(items, list) else items
            return [ListShape(self.slot(item, config))]
        if kind == "dict":
            keys = self.resolve(schema.get("keys_schema", {"type": "str"}))
            plain = keys.get("type") == "any" or not _has(config, (*_STR_CONFIG, "str_max_length"))
            if keys.get("type") in ("str", "any") and len(keys) <= 2 and plain:
                return [DictShape(self.slot(schema.get("values_schema", {"type": "any"}), config))]
            return []  # keys that validation changes (``str_to_lower``...): validated whole
        if kind == "tagged-union":
            union = self._tagged_union(schema, config)
            return [] if union is None else [union]
        if kind == "union":
            shapes: list[Shape] = []
            for choice in schema["choices"]:
                choice = choice[0] if isinstance(choice, tuple) else choice
                if self.resolve(choice).get("type") == "any":
                    return []
                shapes.extend(self._shapes(choice, config))
            return shapes
        return []

    def _object(self, schema: CoreSchema, outer: dict[str, Any]) -> Optional[ObjectShape]:
        key = schema.get("ref") or id(schema)
        if key in self._objects:
            return self._objects[key]
        kind = schema["type"]
        config = schema.get("config", outer)
        fields_schema = schema if kind == "typed-dict" else self.resolve(schema["schema"])
        while fields_schema.get("type") in _PASS_THROUGH:  # model validators around the fields
            fields_schema = self.resolve(fields_schema["schema"])
        if fields_schema.get("type") not in ("model-fields", "dataclass-args", "typed-dict"):
            return None  # a custom schema: validated whole
        shape = ObjectShape(schema.get("cls"), kind)
        self._objects[key] = shape
        shape.extra = fields_schema.get("extra_behavior") or config.get(
            "extra_fields_behavior", "ignore"
        )
        fields = fields_schema["fields"]
        named = (
            [(f["name"], f) for f in fields if f.get("init", True) is not False]
            if isinstance(fields, list)
            else list(fields.items())
        )
        by_alias = config.get("validate_by_alias", True) is not False
        by_name = bool(config.get("validate_by_name", False)) or not by_alias
        for name, field in named:
            slot = self.slot(field["schema"], config)
            shape.attributes[name] = slot
            default = self.resolve(field["schema"])
            validated = None
            if default.get("type") == "default" and default.get(
                "validate_default", config.get("validate_default", False)
            ):
                validated = Leaf(default["schema"], config, self)
            if default.get("type") == "default" and "default" in default:
                shape.defaults[name] = (default["default"], False, validated)
            elif default.get("type") == "default" and not default.get("default_factory_takes_data"):
                shape.defaults[name] = (default["default_factory"], True, validated)
            keys = _keys_of(name, field.get("validation_alias"), by_alias, by_name)
            shape.multi_keyed |= len(keys) > 1
            for priority, path in enumerate(keys):
                head, rest = path[0], tuple(path[1:])
                if not isinstance(head, str):
                    continue
                target = Target(name, priority, rest, slot)
                shape.key_of.setdefault(head, name)
                if rest:
                    shape.paths.setdefault(head, []).append(target)
                elif head not in shape.keys or shape.keys[head].priority > priority:
                    shape.keys[head] = target
        return shape

    def _tagged_union(self, schema: CoreSchema, config: dict[str, Any]) -> Optional[UnionShape]:
        key = schema.get("discriminator")
        if not isinstance(key, str):
            return None
        variants: dict[Any, ObjectShape] = {}
        for tag, choice in schema["choices"].items():
            shapes = self._shapes(choice, config)
            if len(shapes) != 1 or not isinstance(shapes[0], ObjectShape):
                return None
            variants[tag.value if isinstance(tag, enum.Enum) else tag] = shapes[0]
        return UnionShape(key, variants)


def _keys_of(name: str, alias: Any, by_alias: bool, by_name: bool) -> list[list[Any]]:
    """The key paths pydantic-core looks a field up by, most preferred first."""
    paths: list[list[Any]] = []
    if alias is not None and by_alias:
        if isinstance(alias, str):
            paths.append([alias])
        elif all(isinstance(p, list) for p in alias):  # AliasChoices: a list of paths
            paths.extend(list(p) for p in alias)
        else:  # one AliasPath
            paths.append(list(alias))
    if (by_name or not paths) and [name] not in paths:
        paths.append([name])
    return paths


def _unwrap(schema: CoreSchema, walker: _Walker, kinds: tuple[str, ...]) -> CoreSchema:
    schema = walker.resolve(schema)
    while schema.get("type") in kinds:
        schema = walker.resolve(schema["schema"])
    return schema


def _is_nullable(schema: CoreSchema, walker: _Walker) -> bool:
    schema = walker.resolve(schema)
    while schema.get("type") == "default":
        schema = walker.resolve(schema["schema"])
    return schema.get("type") in ("nullable", "none")


def _copy(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, bytes, tuple, frozenset)):
        return value
    return copy.deepcopy(value)


def _has(mapping: dict[str, Any], keys: tuple[str, ...]) -> bool:
    return any(mapping.get(k) is not None and mapping.get(k) is not False for k in keys)


_SCALARS = frozenset(
    ("none", "bool", "int", "float", "decimal", "str", "bytes", "date", "time", "datetime",
     "timedelta", "uuid", "url", "multi-host-url", "complex")
)  # fmt: skip


def _scalar_only(schema: CoreSchema, resolve: Any) -> bool:
    schema = resolve(schema)
    kind = schema.get("type")
    if kind in _PASS_THROUGH or (kind == "model" and schema.get("root_model")):
        return _scalar_only(schema["schema"], resolve)
    if kind == "lax-or-strict":
        return _scalar_only(schema["lax_schema"], resolve)
    if kind == "json-or-python":
        return _scalar_only(schema["json_schema"], resolve)
    if kind == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
        return all(_scalar_only(choice, resolve) for choice in choices)
    if kind == "literal":
        return all(not isinstance(v, (dict, list)) for v in schema["expected"])
    return kind in _SCALARS or kind == "enum"


def _is_secret(node: CoreSchema) -> bool:
    function = node.get("function")
    if isinstance(function, dict):
        function = function.get("function")
    if isinstance(function, type) and issubclass(function, _SecretBase):
        return True
    serializer = node.get("serialization")
    named = getattr(serializer.get("function"), "__name__", "") if serializer else ""
    return isinstance(named, str) and named.startswith("_serialize_secret")


def _reaches_secret(schema: CoreSchema, definitions: dict[str, CoreSchema]) -> bool:
    """Whether a secret type stands anywhere in ``schema`` (through refs, once each)."""
    seen: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("type"), str) and _is_secret(node):
                return True
            if node.get("type") == "definition-ref":
                ref = node["schema_ref"]
                if ref not in seen and ref in definitions:
                    seen.add(ref)
                    stack.append(definitions[ref])
            stack.extend(v for k, v in node.items() if k not in ("metadata", "serialization"))
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return False


def _collect_definitions(root: CoreSchema, into: dict[str, CoreSchema]) -> None:
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "definitions":
                for definition in node["definitions"]:
                    into[definition["ref"]] = definition
            elif isinstance(node.get("ref"), str) and isinstance(node.get("type"), str):
                into.setdefault(node["ref"], node)
            stack.extend(v for k, v in node.items() if k not in ("metadata", "serialization"))
        elif isinstance(node, (list, tuple)):
            stack.extend(node)


def _refs_in(schema: CoreSchema) -> tuple[set[str], set[str]]:
    """The refs ``schema`` uses, and those it defines inline."""
    refs: set[str] = set()
    inline: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "definition-ref":
                refs.add(node["schema_ref"])
            elif isinstance(node.get("ref"), str):
                inline.add(node["ref"])
            stack.extend(v for k, v in node.items() if k != "metadata")
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return refs, inline


def _closure(refs: set[str], definitions: dict[str, CoreSchema]) -> list[CoreSchema]:
    seen: dict[str, CoreSchema] = {}
    todo = list(refs)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen[ref] = definitions[ref]
        todo.extend(_refs_in(definitions[ref])[0] - seen.keys())
    return list(seen.values())


#: ``pydantic.Field``, called untyped: its overloads type ``Field(default=None)`` as ``None``,
#: which the compiled build would check the returned ``FieldInfo`` against.
_field: Any = pydantic.Field


def _partial_model(shape: ObjectShape) -> type[BaseModel]:
    """``Partial<Name>``: the same field names, each optional with a ``None`` default.

    Fields are typed ``Any``: a partial value holds whatever the stream has shown so far (a raw
    dict while a union is undecided, a growing string), and serializes without warnings.
    """
    infos: dict[str, Any] = {}
    config: dict[str, Any] = {}
    cls = shape.cls
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        infos = dict(cls.model_fields)
        config = dict(cls.model_config)
    elif isinstance(cls, type) and dataclasses.is_dataclass(cls):
        infos = dict(getattr(cls, "__pydantic_fields__", {}))
        config = dict(getattr(cls, "__pydantic_config__", {}))
    fields: dict[str, Any] = {}
    for attribute in shape.attributes:
        info: Any = infos.get(attribute)  # (Any: a FieldInfo or None)
        fields[attribute] = (
            Any,
            _field(
                default=None,
                serialization_alias=getattr(info, "serialization_alias", None),
                exclude=getattr(info, "exclude", None),
                repr=getattr(info, "repr", True),
                description=getattr(info, "description", None),
            ),
        )
    partial_config = pydantic.ConfigDict(
        **{k: config[k] for k in _SERIALIZATION_CONFIG if k in config},  # type: ignore[typeddict-item]
        extra="allow" if shape.extra == "allow" else "ignore",
    )
    model: type[BaseModel] = pydantic.create_model(
        f"Partial{shape.name}",
        __doc__=f"A partial {shape.name}, for display while it streams.",
        __module__=getattr(cls, "__module__", __name__),
        __config__=partial_config,
        __validators__=_serializers_of(cls, shape),
        **fields,
    )
    model.__partial_shape__ = shape  # type: ignore[attr-defined]
    return model


def _serializers_of(cls: Any, shape: ObjectShape) -> dict[str, Any]:
    """The model's field serializers and computed fields, for its partial class.

    They run on what has arrived: a serializer or a computed field that fails on partial data
    (``None`` for a field not received yet) shows the value as it is, or ``None``.
    """
    decorators = getattr(cls, "__pydantic_decorators__", None)
    if decorators is None:
        return {}
    carried: dict[str, Any] = {}
    for name, decorator in decorators.field_serializers.items():
        info = decorator.info
        fields = [f for f in info.fields if f == "*" or f in shape.attributes]
        if fields:
            method, _ = inspect_field_serializer(decorator.func, info.mode)
            serializer: Any = pydantic.field_serializer  # its mode is read, not a literal
            carried[name] = serializer(
                *fields, mode=info.mode, when_used=info.when_used, return_type=Any,
                check_fields=False,
            )(_forgiving(decorator.func, 1 if method else 0))  # fmt: skip
    for name, decorator in decorators.computed_fields.items():
        info = decorator.info
        getter = _forgiving_getter(decorator.func)
        carried[name] = pydantic.computed_field(  # type: ignore[call-overload]
            property(getter), alias=info.alias, repr=info.repr, return_type=Any
        )
    return carried


def _forgiving(serializer: Any, value_at: int) -> Any:
    @functools.wraps(serializer)
    def serialize(*args: Any) -> Any:
        try:
            return serializer(*args)
        except Exception:  # partial data the serializer cannot take: shown as it is
            return args[value_at]

    return serialize


def _forgiving_getter(getter: Any) -> Any:
    @functools.wraps(getter)
    def compute(self: Any) -> Any:
        try:
            return getter(self)
        except Exception:  # not computable from what has arrived yet
            return None

    return compute

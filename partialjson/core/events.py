"""Change events emitted by :class:`partialjson.Parser`.

Each event is a small immutable object carrying the *path* of the value it concerns: a tuple of
object keys (``str``) and array indices (``int``) that indexes into :attr:`Parser.value`.

The vocabulary is ijson's (``start_map``, ``map_key``, ``end_map``, ``start_array``,
``end_array``, ``string``, ``number``, ``boolean``, ``null``), plus ``string_fragment`` for
strings that are still growing. Leave the fragments out and the events of a complete document
are exactly ijson's ``parse()`` events (see :meth:`Event.as_ijson`).

Path conventions, as in ijson: ``map_key`` carries the path of its *object*; every other event
the path of its own value. Example::

    >>> from partialjson import Parser
    >>> [e.as_ijson() for e in Parser().feed('{"a": [1]}')]
    [('', 'start_map', None), ('', 'map_key', 'a'), ('a', 'start_array', None), \
('a.item', 'number', 1), ('a', 'end_array', None), ('', 'end_map', None)]
"""

from __future__ import annotations

import types
from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, NoReturn, Tuple, Union

from typing_extensions import TypeAlias

#: A location inside a JSON value: object keys and array indices, outermost first.
Path: TypeAlias = Tuple[Union[str, int], ...]

__all__ = [
    "Boolean",
    "EndArray",
    "EndMap",
    "Event",
    "MapKey",
    "Null",
    "Number",
    "Path",
    "StartArray",
    "StartMap",
    "String",
    "StringFragment",
    "ijson_prefix",
]


def ijson_prefix(path: Path) -> str:
    """Render *path* as an ijson prefix: keys joined by dots, every array index as ``item``.

    >>> ijson_prefix(("a", 0, "b"))
    'a.item.b'
    """
    return ".".join("item" if isinstance(part, int) else part for part in path)


# Events are small immutable classes with __slots__, frozen like dataclasses(frozen=True) and
# compared, hashed, printed and pickled by their fields the way dataclasses do it. They are not
# dataclasses because the compiled build (mypyc) compiles this module too, and mypyc turns the
# ClassVars of a compiled dataclass into fields. The parser builds an event for nearly every
# delta, so their __init__ is written for each build: object.__setattr__(self, "name", value)
# with a literal name of the class's own field is a direct write to the field in the compiled
# build (an inherited field is not: subclasses call super().__init__ for the path); the pure
# build replaces these __init__ methods by ones storing through the slot descriptors (at the end
# of this module), about 40% quicker there than object.__setattr__.


class Event:
    """Base class of all change events; ``kind`` is the ijson event name.

    >>> from partialjson import Event, MapKey, Parser
    >>> events = Parser().feed('{"a": ')
    >>> events
    [StartMap(path=()), MapKey(path=(), key='a')]
    >>> all(isinstance(event, Event) for event in events), events[1].kind
    (True, 'map_key')

    Events are immutable, equal when their class and fields are, and hashable:

    >>> events[1] == MapKey((), "a"), events[1].key
    (True, 'a')
    >>> events[1].key = "b"
    Traceback (most recent call last):
    ...
    dataclasses.FrozenInstanceError: cannot assign to field 'key'
    """

    __slots__ = ("path",)
    kind: ClassVar[str] = ""
    #: The names of the fields, in order (the constructor's arguments).
    _fields: ClassVar[Tuple[str, ...]] = ("path",)
    __match_args__: ClassVar[Tuple[str, ...]] = ("path",)
    path: Path

    def __init__(self, path: Path) -> None:
        object.__setattr__(self, "path", path)

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Event)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in self._fields])
        return f"{type(self).__name__}({shown})"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), self._values()

    @property
    def value(self) -> Any:
        """The event's payload (``None`` for events that have none, as in ijson)."""
        return None

    def as_ijson(self) -> tuple[str, str, Any]:
        """The ``(prefix, event, value)`` triple ijson's ``parse()`` yields for this event."""
        return (ijson_prefix(self.path), self.kind, self.value)


class StartMap(Event):
    """An object opened at ``path`` (it now appears in the partial value as ``{}``).

    >>> from partialjson import Parser
    >>> Parser().feed('{"a": {')
    [StartMap(path=()), MapKey(path=(), key='a'), StartMap(path=('a',))]
    """

    __slots__ = ()
    kind: ClassVar[str] = "start_map"


class EndMap(Event):
    """The object at ``path`` closed: it is complete.

    >>> from partialjson import Parser
    >>> Parser().feed('{"a": {}}')[-2:]
    [EndMap(path=('a',)), EndMap(path=())]
    """

    __slots__ = ()
    kind: ClassVar[str] = "end_map"


class StartArray(Event):
    """An array opened at ``path`` (it now appears in the partial value as ``[]``).

    >>> from partialjson import Parser
    >>> Parser().feed('[[')
    [StartArray(path=()), StartArray(path=(0,))]
    """

    __slots__ = ()
    kind: ClassVar[str] = "start_array"


class EndArray(Event):
    """The array at ``path`` closed: it is complete.

    >>> from partialjson import Parser
    >>> Parser().feed('{"tags": []}')[-2:]
    [EndArray(path=('tags',)), EndMap(path=())]
    """

    __slots__ = ()
    kind: ClassVar[str] = "end_array"


class MapKey(Event):
    """A complete key of the object at ``path`` (the key's value has not started yet).

    >>> from partialjson import Parser
    >>> Parser().feed('{"user": {"name"')[-1]
    MapKey(path=('user',), key='name')
    """

    __slots__ = ("key",)
    _fields: ClassVar[Tuple[str, ...]] = ("path", "key")
    __match_args__: ClassVar[Tuple[str, ...]] = ("path", "key")
    kind: ClassVar[str] = "map_key"
    key: str

    def __init__(self, path: Path, key: str) -> None:
        super().__init__(path)
        object.__setattr__(self, "key", key)

    @property
    def value(self) -> str:
        return self.key


class StringFragment(Event):
    """Text appended to the still-open string at ``path`` by one delta.

    The first fragment of a string is emitted by the delta that opens it, even when it is
    empty, so that a subscriber learns the string (and its key) appeared. Escapes are decoded:
    a fragment never holds half an escape or half a surrogate pair.

    >>> from partialjson import Parser
    >>> parser = Parser()
    >>> parser.feed('["Ada Lov')[-1]
    StringFragment(path=(0,), fragment='Ada Lov')
    >>> parser.feed('elace\\\\u00')  # half an escape waits for the next delta
    [StringFragment(path=(0,), fragment='elace')]
    """

    __slots__ = ("fragment",)
    _fields: ClassVar[Tuple[str, ...]] = ("path", "fragment")
    __match_args__: ClassVar[Tuple[str, ...]] = ("path", "fragment")
    kind: ClassVar[str] = "string_fragment"
    fragment: str

    def __init__(self, path: Path, fragment: str) -> None:
        super().__init__(path)
        object.__setattr__(self, "fragment", fragment)

    @property
    def value(self) -> str:
        return self.fragment


class String(Event):
    """A complete string value.

    >>> from partialjson import Parser
    >>> parser = Parser()
    >>> _ = parser.feed('["Ada')
    >>> parser.feed(' Lovelace"]')[-2]
    String(path=(0,), string='Ada Lovelace')
    """

    __slots__ = ("string",)
    _fields: ClassVar[Tuple[str, ...]] = ("path", "string")
    __match_args__: ClassVar[Tuple[str, ...]] = ("path", "string")
    kind: ClassVar[str] = "string"
    string: str

    def __init__(self, path: Path, string: str) -> None:
        super().__init__(path)
        object.__setattr__(self, "string", string)

    @property
    def value(self) -> str:
        return self.string


class Number(Event):
    """A complete number (``int``, ``float`` or what ``parse_int``/``parse_float`` returned).

    A number is complete only once a character after it arrives: ``12`` may become ``123``.

    >>> from partialjson import Parser
    >>> parser = Parser()
    >>> parser.feed('[12')
    [StartArray(path=())]
    >>> parser.feed('3.5,')
    [Number(path=(0,), number=123.5)]
    """

    __slots__ = ("number",)
    _fields: ClassVar[Tuple[str, ...]] = ("path", "number")
    __match_args__: ClassVar[Tuple[str, ...]] = ("path", "number")
    kind: ClassVar[str] = "number"
    number: Any

    def __init__(self, path: Path, number: Any) -> None:
        super().__init__(path)
        object.__setattr__(self, "number", number)

    @property
    def value(self) -> Any:
        return self.number


class Boolean(Event):
    """A complete ``true`` or ``false``.

    >>> from partialjson import Parser
    >>> Parser().feed('{"done": true')[-1]
    Boolean(path=('done',), boolean=True)
    """

    __slots__ = ("boolean",)
    _fields: ClassVar[Tuple[str, ...]] = ("path", "boolean")
    __match_args__: ClassVar[Tuple[str, ...]] = ("path", "boolean")
    kind: ClassVar[str] = "boolean"
    boolean: bool

    def __init__(self, path: Path, boolean: bool) -> None:
        super().__init__(path)
        object.__setattr__(self, "boolean", boolean)

    @property
    def value(self) -> bool:
        return self.boolean


class Null(Event):
    """A complete ``null``.

    >>> from partialjson import Parser
    >>> Parser().feed('[null')[-1]
    Null(path=(0,))
    """

    __slots__ = ()
    kind: ClassVar[str] = "null"


def _interpreted() -> bool:
    """Whether this module runs as Python code (the pure build), not compiled by mypyc."""
    return isinstance(vars(Event)["__init__"], types.FunctionType)


if _interpreted():
    # The pure build: each field stored through its slot descriptor's setter (a bound C
    # method, kept in a global), rather than by object.__setattr__, which looks the name up.
    _set_path = vars(Event)["path"].__set__
    _set_key = vars(MapKey)["key"].__set__
    _set_fragment = vars(StringFragment)["fragment"].__set__
    _set_string = vars(String)["string"].__set__
    _set_number = vars(Number)["number"].__set__
    _set_boolean = vars(Boolean)["boolean"].__set__

    def _init_event(self: Event, path: Path) -> None:
        _set_path(self, path)

    def _init_map_key(self: Event, path: Path, key: str) -> None:
        _set_path(self, path)
        _set_key(self, key)

    def _init_string_fragment(self: Event, path: Path, fragment: str) -> None:
        _set_path(self, path)
        _set_fragment(self, fragment)

    def _init_string(self: Event, path: Path, string: str) -> None:
        _set_path(self, path)
        _set_string(self, string)

    def _init_number(self: Event, path: Path, number: Any) -> None:
        _set_path(self, path)
        _set_number(self, number)

    def _init_boolean(self: Event, path: Path, boolean: bool) -> None:
        _set_path(self, path)
        _set_boolean(self, boolean)

    for _class, _init in [
        (Event, _init_event),
        (MapKey, _init_map_key),
        (StringFragment, _init_string_fragment),
        (String, _init_string),
        (Number, _init_number),
        (Boolean, _init_boolean),
    ]:
        _init.__qualname__ = f"{_class.__name__}.__init__"
        _init.__doc__ = vars(_class)["__init__"].__doc__
        _class.__init__ = _init  # type: ignore[misc]

"""Change events emitted by :class:`partialjson.Parser`.

Each event is a small frozen dataclass carrying the *path* of the value it concerns: a tuple of
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

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Tuple, Union

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


# Events are frozen dataclasses with __slots__ and a hand-written __init__ that stores fields
# through the slot descriptors: the generated frozen __init__ goes through object.__setattr__
# and costs about twice as much, and the parser emits an event for nearly every delta.


@dataclass(frozen=True, init=False)
class Event:
    """Base class of all change events; ``kind`` is the ijson event name.

    >>> from partialjson import Event, Parser
    >>> events = Parser().feed('{"a": ')
    >>> events
    [StartMap(path=()), MapKey(path=(), key='a')]
    >>> all(isinstance(event, Event) for event in events), events[1].kind
    (True, 'map_key')
    """

    __slots__ = ("path",)
    kind: ClassVar[str] = ""
    path: Path

    def __init__(self, path: Path) -> None:
        _set_path(self, path)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), tuple(getattr(self, f.name) for f in fields(self))

    @property
    def value(self) -> Any:
        """The event's payload (``None`` for events that have none, as in ijson)."""
        return None

    def as_ijson(self) -> tuple[str, str, Any]:
        """The ``(prefix, event, value)`` triple ijson's ``parse()`` yields for this event."""
        return (ijson_prefix(self.path), self.kind, self.value)


@dataclass(frozen=True, init=False)
class StartMap(Event):
    """An object opened at ``path`` (it now appears in the partial value as ``{}``).

    >>> from partialjson import Parser
    >>> Parser().feed('{"a": {')
    [StartMap(path=()), MapKey(path=(), key='a'), StartMap(path=('a',))]
    """

    __slots__ = ()
    kind: ClassVar[str] = "start_map"


@dataclass(frozen=True, init=False)
class EndMap(Event):
    """The object at ``path`` closed: it is complete.

    >>> from partialjson import Parser
    >>> Parser().feed('{"a": {}}')[-2:]
    [EndMap(path=('a',)), EndMap(path=())]
    """

    __slots__ = ()
    kind: ClassVar[str] = "end_map"


@dataclass(frozen=True, init=False)
class StartArray(Event):
    """An array opened at ``path`` (it now appears in the partial value as ``[]``).

    >>> from partialjson import Parser
    >>> Parser().feed('[[')
    [StartArray(path=()), StartArray(path=(0,))]
    """

    __slots__ = ()
    kind: ClassVar[str] = "start_array"


@dataclass(frozen=True, init=False)
class EndArray(Event):
    """The array at ``path`` closed: it is complete.

    >>> from partialjson import Parser
    >>> Parser().feed('{"tags": []}')[-2:]
    [EndArray(path=('tags',)), EndMap(path=())]
    """

    __slots__ = ()
    kind: ClassVar[str] = "end_array"


@dataclass(frozen=True, init=False)
class MapKey(Event):
    """A complete key of the object at ``path`` (the key's value has not started yet).

    >>> from partialjson import Parser
    >>> Parser().feed('{"user": {"name"')[-1]
    MapKey(path=('user',), key='name')
    """

    __slots__ = ("key",)
    kind: ClassVar[str] = "map_key"
    key: str

    def __init__(self, path: Path, key: str) -> None:
        _set_path(self, path)
        _set_key(self, key)

    @property
    def value(self) -> str:
        return self.key


@dataclass(frozen=True, init=False)
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
    kind: ClassVar[str] = "string_fragment"
    fragment: str

    def __init__(self, path: Path, fragment: str) -> None:
        _set_path(self, path)
        _set_fragment(self, fragment)

    @property
    def value(self) -> str:
        return self.fragment


@dataclass(frozen=True, init=False)
class String(Event):
    """A complete string value.

    >>> from partialjson import Parser
    >>> parser = Parser()
    >>> _ = parser.feed('["Ada')
    >>> parser.feed(' Lovelace"]')[-2]
    String(path=(0,), string='Ada Lovelace')
    """

    __slots__ = ("string",)
    kind: ClassVar[str] = "string"
    string: str

    def __init__(self, path: Path, string: str) -> None:
        _set_path(self, path)
        _set_string(self, string)

    @property
    def value(self) -> str:
        return self.string


@dataclass(frozen=True, init=False)
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
    kind: ClassVar[str] = "number"
    number: Any

    def __init__(self, path: Path, number: Any) -> None:
        _set_path(self, path)
        _set_number(self, number)

    @property
    def value(self) -> Any:
        return self.number


@dataclass(frozen=True, init=False)
class Boolean(Event):
    """A complete ``true`` or ``false``.

    >>> from partialjson import Parser
    >>> Parser().feed('{"done": true')[-1]
    Boolean(path=('done',), boolean=True)
    """

    __slots__ = ("boolean",)
    kind: ClassVar[str] = "boolean"
    boolean: bool

    def __init__(self, path: Path, boolean: bool) -> None:
        _set_path(self, path)
        _set_boolean(self, boolean)

    @property
    def value(self) -> bool:
        return self.boolean


@dataclass(frozen=True, init=False)
class Null(Event):
    """A complete ``null``.

    >>> from partialjson import Parser
    >>> Parser().feed('[null')[-1]
    Null(path=(0,))
    """

    __slots__ = ()
    kind: ClassVar[str] = "null"


_set_path = Event.__dict__["path"].__set__
_set_key = MapKey.__dict__["key"].__set__
_set_fragment = StringFragment.__dict__["fragment"].__set__
_set_string = String.__dict__["string"].__set__
_set_number = Number.__dict__["number"].__set__
_set_boolean = Boolean.__dict__["boolean"].__set__

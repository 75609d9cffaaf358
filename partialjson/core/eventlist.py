"""The list ``feed()`` returns when a big delta took the bulk path: its events built on demand.

A 64 KiB chunk of small records holds tens of thousands of events, and building them costs
several times what the stdlib's C scanner spends reading the values. Many callers never look
at them (they read :attr:`Parser.value` after each chunk). So the events of a sub-document that
the C scanner read whole are held as one :class:`Deferred` entry (the complete value and its
path) and built the first time the list is used in any way: iterated, indexed, measured,
compared, printed, copied, pickled or concatenated. From then on it is an ordinary list.

:class:`EventList` is a ``list`` subclass, so ``isinstance(events, list)`` holds and every list
operation gives the same result as on the plain list of the same events. Each of them first
builds the pending events; concatenating a plain list with it (``plain + events``, ``plain +=
events``) does too, through ``__radd__``, before the plain list reads it.

This module is not meant for compilation (a ``list`` subclass is not a native class to mypyc).
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator, SupportsIndex, overload

from .events import (
    Boolean,
    EndArray,
    EndMap,
    Event,
    MapKey,
    Null,
    Number,
    Path,
    StartArray,
    StartMap,
    String,
)

__all__ = ["Deferred", "EventList", "events_of"]


class Deferred:
    """The events of complete values the bulk path attached, not built yet.

    ``values`` are the members of the container at ``parent`` that start at key or index
    ``first`` (consecutive array members when several); ``first`` is ``None`` for a root value.
    """

    __slots__ = ("first", "parent", "values")

    def __init__(self, values: list[Any], parent: Path, first: Any) -> None:
        self.values = values
        self.parent = parent
        self.first = first

    def build(self, out: list[Event]) -> None:
        """Append the events to ``out``."""
        parent, first = self.parent, self.first
        if first is None:
            events_of(self.values[0], parent, out)
        elif type(first) is str:
            events_of(self.values[0], parent + (first,), out)  # noqa: RUF005 - faster
        else:
            for index, value in enumerate(self.values, first):
                events_of(value, parent + (index,), out)  # noqa: RUF005 - faster


def events_of(value: Any, path: Path, out: list[Event]) -> None:
    """Append the events the token-by-token path emits for the complete ``value`` at ``path``.

    ``value`` holds only what the stdlib scanner produces with the default number types:
    dicts (without repeated keys), lists, str, int, float, bool and None. The walk keeps its
    own stack (no recursion).

    >>> out = []
    >>> events_of({"a": [1, None]}, (), out)
    >>> [e.kind for e in out]
    ['start_map', 'map_key', 'start_array', 'number', 'null', 'end_array', 'end_map']
    """
    append = out.append
    stack: list[tuple[Path, Iterator[tuple[Any, Any]], bool]] = []
    if type(value) is dict:
        append(StartMap(path))
        stack.append((path, iter(value.items()), True))
    elif type(value) is list:
        append(StartArray(path))
        stack.append((path, enumerate(value), False))
    else:
        _append_scalar(append, value, path)
        return
    while stack:
        parent, members, is_object = stack[-1]
        for key, child in members:
            if is_object:
                append(MapKey(parent, key))
            child_path = parent + (key,)  # noqa: RUF005 - twice as fast as (*parent, key)
            t = type(child)
            if t is str:
                append(String(child_path, child))
            elif t is dict:
                append(StartMap(child_path))
                stack.append((child_path, iter(child.items()), True))
                break
            elif t is list:
                append(StartArray(child_path))
                stack.append((child_path, enumerate(child), False))
                break
            else:
                _append_scalar(append, child, child_path)
        else:
            stack.pop()
            append(EndMap(parent) if is_object else EndArray(parent))


def _append_scalar(append: Callable[[Event], None], value: Any, path: Path) -> None:
    if value is None:
        append(Null(path))
    elif type(value) is bool:
        append(Boolean(path, value))
    elif type(value) is str:
        append(String(path, value))
    else:
        append(Number(path, value))


_BUILDING = threading.Lock()  # taken only by a list's first use, once per list


class EventList(list):  # type: ignore[type-arg]
    """A ``list`` of events, some of them :class:`Deferred` until the list is first used."""

    __slots__ = ("_deferred",)

    def __init__(self, entries: list[Any]) -> None:
        super().__init__(entries)
        self._deferred = True

    def _build(self) -> None:
        """Replace each :class:`Deferred` entry by its events (once)."""
        if self._deferred:
            with _BUILDING:  # a second thread reading meanwhile waits for the whole list
                if self._deferred:
                    built: list[Event] = []
                    for entry in list.__iter__(self):
                        if type(entry) is Deferred:
                            entry.build(built)
                        else:
                            built.append(entry)
                    list.__setitem__(self, slice(None), built)
                    self._deferred = False

    # Reading.

    def __iter__(self) -> Iterator[Event]:
        self._build()
        return list.__iter__(self)

    def __reversed__(self) -> Iterator[Event]:
        self._build()
        return list.__reversed__(self)

    def __len__(self) -> int:
        self._build()
        return list.__len__(self)

    def __contains__(self, item: object) -> bool:
        self._build()
        return list.__contains__(self, item)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Event: ...
    @overload
    def __getitem__(self, index: slice) -> list[Event]: ...
    def __getitem__(self, index: Any) -> Any:
        self._build()
        return list.__getitem__(self, index)

    def index(self, *args: Any) -> int:
        self._build()
        return list.index(self, *args)

    def count(self, item: Any) -> int:
        self._build()
        return list.count(self, item)

    def copy(self) -> list[Event]:
        self._build()
        return list.copy(self)

    def __repr__(self) -> str:
        self._build()
        return list.__repr__(self)

    def __reduce_ex__(self, protocol: SupportsIndex) -> Any:
        self._build()
        return (list, (list(list.__iter__(self)),))

    # Comparing.

    def __eq__(self, other: object) -> bool:
        self._build()
        _build(other)
        return list.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        self._build()
        _build(other)
        return list.__ne__(self, other)

    def __lt__(self, other: list[Any]) -> bool:
        self._build()
        _build(other)
        return list.__lt__(self, other)

    def __le__(self, other: list[Any]) -> bool:
        self._build()
        _build(other)
        return list.__le__(self, other)

    def __gt__(self, other: list[Any]) -> bool:
        self._build()
        _build(other)
        return list.__gt__(self, other)

    def __ge__(self, other: list[Any]) -> bool:
        self._build()
        _build(other)
        return list.__ge__(self, other)

    __hash__ = None

    # Combining: the other operand may be a list subclass that reads the storage directly.

    def __add__(self, other: Any) -> Any:
        self._build()
        _build(other)
        return list.__add__(self, other)

    def __radd__(self, other: Any) -> Any:
        # `plain + self` and `plain += self`: build, then let the plain list do it (so that
        # `+=` still extends the plain list in place).
        self._build()
        return NotImplemented

    def __iadd__(self, other: Any) -> Any:
        self._build()
        _build(other)
        return list.__iadd__(self, other)

    def __mul__(self, times: SupportsIndex) -> list[Event]:
        self._build()
        return list.__mul__(self, times)

    __rmul__ = __mul__

    def __imul__(self, times: SupportsIndex) -> Any:
        self._build()
        return list.__imul__(self, times)

    # Changing.

    def __setitem__(self, index: Any, value: Any) -> None:
        self._build()
        list.__setitem__(self, index, value)

    def __delitem__(self, index: Any) -> None:
        self._build()
        list.__delitem__(self, index)

    def append(self, item: Any) -> None:
        self._build()
        list.append(self, item)

    def extend(self, items: Any) -> None:
        self._build()
        _build(items)
        list.extend(self, items)

    def insert(self, index: SupportsIndex, item: Any) -> None:
        self._build()
        list.insert(self, index, item)

    def pop(self, index: SupportsIndex = -1) -> Event:
        self._build()
        return list.pop(self, index)  # type: ignore[no-any-return]

    def remove(self, item: Any) -> None:
        self._build()
        list.remove(self, item)

    def clear(self) -> None:
        self._build()
        list.clear(self)

    def reverse(self) -> None:
        self._build()
        list.reverse(self)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        self._build()
        list.sort(self, *args, **kwargs)


def _build(other: object) -> None:
    """Build ``other``'s events if it is an :class:`EventList` (list methods read storage)."""
    if type(other) is EventList:
        other._build()

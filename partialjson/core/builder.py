"""The builder: tokens in, the live partial value and the change events out.

The :class:`~partialjson.core.lexer.Lexer` calls one method per token (a container opens or
closes, a key, a scalar, a string starts or ends); the builder puts the value in its slot and
appends the event. It never sees text and never fails: syntax, limits and positions are the
lexer's business, as ijson's object builder trusts ``basic_parse``.

Memory is O(depth): a stack of the open containers and, level by level, the key (object) or
index (array) of the member being parsed. A path is the tuple of those keys, built when an
event needs it.
"""

from __future__ import annotations

from typing import Any, Optional, cast

from .eventlist import Deferred
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
    StringFragment,
)

__all__ = ["Builder", "EventsBuilder", "Pairs", "nests_deeper"]


#: A JSON object as the stdlib scanner read it, its ``(key, value)`` pairs in order (a ``list``
#: subclass). The bulk path asks :mod:`json`'s C scanner for pairs rather than dicts so that a
#: duplicate key still yields both of its events, as the token-by-token path does. Made by
#: ``type()`` rather than a class statement because the compiled build (mypyc) cannot compile a
#: subclass of ``list`` into this module.
Pairs: type[list[Any]] = type("Pairs", (list,), {"__slots__": ()})


class Boxed:
    """A number from a custom ``parse_int`` / ``parse_float``, which may return any type."""

    __slots__ = ("number",)

    def __init__(self, number: Any) -> None:
        self.number = number


class Builder:
    """The live value under construction, and the events that describe how it grows."""

    def __init__(self, *, partial_strings: bool, multiple_values: bool) -> None:
        self.partial_strings = partial_strings
        #: The open containers, outermost first (in multiple-values mode, first the roots).
        self.containers: list[Any] = []
        #: Level by level, the key or index of the member being parsed.
        self.keys: list[Any] = []
        self.root: Any = None
        #: The path of the innermost open container (that of its keys' MapKey events).
        self.parent_path: Path = ()
        if multiple_values:
            self.root = []
            self.containers.append(self.root)
            self.keys.append(0)

        # The growing string (value or key). Its text is ``joined`` (what its slot holds, the
        # text of earlier deltas) followed by the ``pending`` pieces of this delta (for a key,
        # all its pieces).
        self.pending: list[str] = []
        self.joined = ""
        self.string_path: Path = ()
        self.string_attached = False
        self.number_shown = False  # partial_numbers: an unfinished number has a slot

    # ------------------------------------------------------------------ slots

    def attach(self, value: Any) -> None:
        """Put a value that starts (or completes) now into its container."""
        containers = self.containers
        if containers:
            top = containers[-1]
            if type(top) is dict:
                top[self.keys[-1]] = value
            else:
                top.append(value)
        else:
            self.root = value

    def set_slot(self, value: Any) -> None:
        """Overwrite the slot of the member being parsed (attached when it started)."""
        if self.containers:
            self.containers[-1][self.keys[-1]] = value
        else:
            self.root = value

    def clear_slot(self) -> None:
        """Take the member being parsed out of its container again (a retracted number)."""
        containers = self.containers
        if containers:
            top = containers[-1]
            if type(top) is dict:
                del top[self.keys[-1]]
            else:
                top.pop()
        else:
            self.root = None

    # ------------------------------------------------------------------ tokens

    def open(self, is_object: bool, events: list[Event]) -> None:
        keys = self.keys
        containers = self.containers
        path = tuple(keys)
        container: Any = {} if is_object else []
        if containers:  # attach(), inlined: one frame fewer per container
            top = containers[-1]
            if type(top) is dict:
                top[keys[-1]] = container
            else:
                top.append(container)
        else:
            self.root = container
        containers.append(container)
        keys.append(None if is_object else 0)
        self.parent_path = path
        events.append(StartMap(path) if is_object else StartArray(path))

    def close(self, events: list[Event]) -> None:
        top = self.containers.pop()
        self.keys.pop()
        path = tuple(self.keys)
        self.parent_path = path[:-1]
        events.append(EndMap(path) if type(top) is dict else EndArray(path))

    def next_index(self) -> None:
        self.keys[-1] += 1

    def key(self, key: str, events: list[Event]) -> None:
        self.keys[-1] = key
        events.append(MapKey(self.parent_path, key))

    def scalar(self, value: Any, kind: type[Event], events: list[Event]) -> None:
        """A complete number, boolean or null."""
        keys = self.keys
        containers = self.containers
        if self.number_shown:
            self.number_shown = False
            self.set_slot(value)
        elif containers:  # attach(), inlined: this is the hot path
            top = containers[-1]
            if type(top) is dict:
                top[keys[-1]] = value
            else:
                top.append(value)
        else:
            self.root = value
        path = tuple(keys)
        # Each class by name: the compiled build then calls its constructor directly.
        if kind is Number:
            events.append(Number(path, value))
        elif kind is Null:
            events.append(Null(path))
        else:
            events.append(Boolean(path, value))

    def show_number(self, number: Any) -> None:
        """partial_numbers: show an unfinished number as what it reads so far."""
        if self.number_shown:
            self.set_slot(number)
        else:
            self.attach(number)
            self.number_shown = True

    def retract_number(self) -> None:
        """An unfinished number failed: the value goes back to what it was before it."""
        if self.number_shown:
            self.number_shown = False
            self.clear_slot()

    # ------------------------------------------------------------------ strings

    def start_string(self) -> None:
        """A string value opened: it appears at once, as ``""``, and grows."""
        keys = self.keys
        self.string_path = tuple(keys)
        self.string_attached = attached = self.partial_strings
        if attached:  # attach(""), inlined
            containers = self.containers
            if containers:
                top = containers[-1]
                if type(top) is dict:
                    top[keys[-1]] = ""
                else:
                    top.append("")
            else:
                self.root = ""

    def grow(self, fragment: str, events: list[Event]) -> None:
        """The open string value grew by ``fragment``: report it, and extend its slot.

        In O(len(fragment)): CPython resizes a ``str`` in place on ``s += t`` when nothing
        else references ``s``, so the slot and the attribute let go of it first. A caller
        still holding the previous string (a previous read) only costs a copy, never a wrong
        value.
        """
        events.append(StringFragment(self.string_path, fragment))
        if not fragment:
            return
        joined = self.joined
        self.joined = ""
        if self.string_attached:
            containers = self.containers
            if containers:
                top = containers[-1]
                key = self.keys[-1]
                top[key] = ""
                joined += fragment
                top[key] = joined
            else:
                self.root = ""
                joined += fragment
                self.root = joined
        else:
            joined += fragment
        self.joined = joined

    def end_string(self, events: list[Event]) -> None:
        pending = self.pending
        string = pending[0] if len(pending) == 1 else "".join(pending)
        pending.clear()
        containers = self.containers
        joined = self.joined
        if joined:  # it grew over several deltas: extend what was shown, in place
            self.joined = ""
            if string:
                if self.string_attached:  # set_slot(""), inlined: `+=` then resizes in place
                    if containers:
                        containers[-1][self.keys[-1]] = ""
                    else:
                        self.root = ""
                joined += string
            string = joined
        if containers:
            top = containers[-1]
            if self.string_attached or type(top) is dict:
                top[self.keys[-1]] = string
            else:
                top.append(string)
        else:
            self.root = string
        events.append(String(self.string_path, string))

    def end_key(self, events: list[Event]) -> None:
        pending = self.pending
        key = pending[0] if len(pending) == 1 else "".join(pending)
        pending.clear()
        self.keys[-1] = key
        events.append(MapKey(self.parent_path, key))

    # ------------------------------------------------------------------ the bulk path

    def subtree(self, values: list[Any], events: list[Event]) -> None:
        """Attach complete values read by the stdlib scanner with the default number types:
        the member being parsed and, in an array, as many members after it as ``values`` has.

        Their events are not built now: a :class:`~partialjson.core.eventlist.Deferred` entry
        stands for them, and the :class:`~partialjson.core.eventlist.EventList` that ``feed()``
        returns builds them (exactly those of the token-by-token path) when first used.
        """
        keys = self.keys
        # Cast to Any, not Event: the compiled build checks a cast to its (compiled) Event class.
        if not keys:
            events.append(cast(Any, Deferred(values, (), None)))
            self.root = values[0]
            return
        first = keys[-1]
        events.append(cast(Any, Deferred(values, tuple(keys[:-1]), first)))
        top = self.containers[-1]
        if type(top) is dict:
            top[first] = values[0]
        else:
            top += values
            keys[-1] = first + len(values) - 1

    def tree(self, node: Any, room: int, events: list[Event]) -> bool:
        """Attach a complete value read by the stdlib scanner, with the events it implies.

        ``node`` holds :class:`Pairs` for objects and :class:`Boxed` for custom numbers; the
        events are exactly those the token-by-token path emits for the same text. The walk
        keeps its own stack (no recursion) and attaches the value only at the end. It gives
        up, taking its events back, on a value nested deeper than ``room`` levels or an object
        with a repeated key (the token-by-token path then takes it), and returns ``False``.
        """
        mark = len(events)
        append = events.append
        root = _open_node(node, tuple(self.keys), events)
        if root is None:
            del events[mark:]
            return False
        frames = [root]
        while frames:
            container, path, items, is_object = frames[-1]
            for key, child in items:
                if is_object:
                    append(MapKey(path, key))
                t = type(child)
                if t is str:
                    append(String((*path, key), child))
                elif t is int or t is float:
                    append(Number((*path, key), child))
                elif t is Pairs or t is list:
                    if len(frames) >= room:
                        del events[mark:]
                        return False
                    frame = _open_node(child, (*path, key), events)
                    if frame is None:
                        del events[mark:]
                        return False
                    container[key] = frame[0]
                    frames.append(frame)
                    break
                elif child is None:
                    append(Null((*path, key)))
                elif t is bool:
                    append(Boolean((*path, key), child))
                else:  # Boxed
                    container[key] = child = child.number
                    append(Number((*path, key), child))
            else:
                frames.pop()
                append(EndMap(path) if is_object else EndArray(path))
        self.attach(root[0])
        return True


def _open_node(node: Any, path: Path, events: list[Event]) -> Optional[tuple[Any, ...]]:
    """Start a container of the bulk tree: the frame that fills its live value in place.

    An object's value is ``dict(pairs)`` (at C speed); an array's is the scanned list itself.
    Their members that are containers or boxed numbers are replaced as the walk reaches them.
    ``None`` for an object with a repeated key, left to the token-by-token path.
    """
    if type(node) is Pairs:
        obj = dict(node)
        if len(obj) != len(node):
            return None
        events.append(StartMap(path))
        return (obj, path, iter(node), True)
    events.append(StartArray(path))
    return (node, path, enumerate(node), False)


def nests_deeper(values: list[Any], room: int) -> bool:
    """Whether one of ``values`` nests more than ``room`` levels of containers (dicts, lists).

    A member with only scalars in it, as most records are, costs one look at each of them.

    >>> nests_deeper([{"a": [1]}, 2], 2)
    False
    >>> nests_deeper([{"a": [1]}, 2], 1)
    True
    """
    # The members (level 1) are looked at here, without a stack entry each: most hold only
    # scalars, and this saves a third of the walk of a chunk of small records.
    stack: list[tuple[Any, int]] = []
    for value in values:
        t = type(value)
        if t is dict:
            members: Any = value.values()
        elif t is list:
            members = value
        else:
            continue
        if room < 1:
            return True
        for child in members:
            t = type(child)
            if t is dict or t is list:
                stack.append((child, 2))
        while stack:
            node, level = stack.pop()
            if level > room:
                return True
            for child in node.values() if type(node) is dict else node:
                t = type(child)
                if t is dict or t is list:
                    stack.append((child, level + 1))
    return False


class EventsBuilder(Builder):
    """The events-only builder: the same events as :class:`Builder`, and no value.

    For a consumer that keeps its own view of the document (the typed layer): no container is
    built and no string is put in a slot, so the parser's memory stays O(depth) plus the one
    string still growing. Only a scalar root is kept as :attr:`root` (a number at the root
    completes silently at the end of input). A second class rather than a flag, so that the
    value-building path pays no test per token.
    """

    def __init__(self, *, partial_strings: bool, multiple_values: bool) -> None:
        super().__init__(partial_strings=partial_strings, multiple_values=multiple_values)
        if multiple_values:
            self.root = None
            self.containers[0] = False  # the list of roots: an array
        #: ``containers`` holds, per open container, whether it is an object.
        #: Where the consumer shows the open string value as it is (a dict or a list, and the
        #: key there; see :meth:`share_string`): grown in place, so its text is held once.
        self.shown: Any = None
        self.shown_key: Any = None
        #: The last string value closed had text added to the consumer's copy by its close.
        self.shown_grew = False

    def share_string(self, container: Any, key: Any) -> bool:
        """Show the open string value at ``container[key]``, which holds its text so far.

        From now on the builder grows that very string in place, as :class:`Builder` grows
        its slot, instead of keeping a copy of its own: a long string is held once, not
        twice. ``False`` (and nothing shared) if ``container[key]`` is not the text so far.
        """
        joined = self.joined
        if container[key] != joined:
            return False
        container[key] = joined  # the same object: the consumer's copy is let go
        self.shown = container
        self.shown_key = key
        return True

    def unshare_string(self) -> None:
        """Stop growing the consumer's string: the builder keeps its own text again."""
        self.shown = None

    def attach(self, value: Any) -> None:
        pass

    def set_slot(self, value: Any) -> None:
        pass

    def clear_slot(self) -> None:
        pass

    def open(self, is_object: bool, events: list[Event]) -> None:
        path = tuple(self.keys)
        self.containers.append(is_object)
        self.keys.append(None if is_object else 0)
        self.parent_path = path
        events.append(StartMap(path) if is_object else StartArray(path))

    def close(self, events: list[Event]) -> None:
        is_object = self.containers.pop()
        self.keys.pop()
        path = tuple(self.keys)
        self.parent_path = path[:-1]
        events.append(EndMap(path) if is_object else EndArray(path))

    def scalar(self, value: Any, kind: type[Event], events: list[Event]) -> None:
        keys = self.keys
        self.number_shown = False
        if not self.containers:
            self.root = value
        path = tuple(keys)
        # Each class by name: the compiled build then calls its constructor directly.
        if kind is Number:
            events.append(Number(path, value))
        elif kind is Null:
            events.append(Null(path))
        else:
            events.append(Boolean(path, value))

    def start_string(self) -> None:
        self.string_path = tuple(self.keys)
        self.string_attached = False  # grow() keeps the text for the String event
        self.shown = None

    def grow(self, fragment: str, events: list[Event]) -> None:
        events.append(StringFragment(self.string_path, fragment))
        if not fragment:
            return
        joined = self.joined
        self.joined = ""
        shown = self.shown
        if shown is not None:  # let go of the shown reference too: `+=` resizes in place
            key = self.shown_key
            shown[key] = None
            joined += fragment
            shown[key] = joined
        else:
            joined += fragment
        self.joined = joined

    def end_string(self, events: list[Event]) -> None:
        pending = self.pending
        string = pending[0] if len(pending) == 1 else "".join(pending)
        pending.clear()
        joined = self.joined
        shown = self.shown
        if shown is not None:
            self.shown = None
            self.shown_grew = False
        if joined:  # it grew over several deltas
            self.joined = ""
            if string:
                if shown is not None:
                    key = self.shown_key
                    shown[key] = None
                    joined += string
                    shown[key] = joined
                    self.shown_grew = True
                else:
                    joined += string
            string = joined
        if not self.containers:
            self.root = string
        events.append(String(self.string_path, string))

    def subtree(self, values: list[Any], events: list[Event]) -> None:
        keys = self.keys
        if not keys:
            events.append(cast(Any, Deferred(values, (), None)))
            return
        first = keys[-1]
        events.append(cast(Any, Deferred(values, tuple(keys[:-1]), first)))
        if not self.containers[-1]:  # an array: its index moves past the members read
            keys[-1] = first + len(values) - 1

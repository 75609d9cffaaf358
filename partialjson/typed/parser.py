"""Typed streams: a live partial view of ``T`` for display, and the validated ``T`` after done.

Theory of operation
===================

:class:`TypedParser` wraps the core :class:`~partialjson.Parser` and walks its change events
down the :mod:`shape <partialjson.typed.shapes>` of the user's type. Each event touches one path, so
each delta costs the same however large the document grows:

* an object, list or dict that opens is created at once in the *partial view* — an instance of
  the generated ``Partial<Model>`` class (every field optional, ``None`` until it arrives), a
  list, a dict — and put in its parent;
* a string that grows is shown as it is; a complete leaf is validated by its own field type
  (``"2024-05-01"`` becomes a ``date``); a complete leaf that fails is kept out of the view and
  reported in :attr:`TypedParser.issues` instead of raised;
* values the shape cannot follow member by member (a plain union, ``Any``, a mismatch) are shown
  as the raw JSON while they stream and validated whole when they close.

The view is live, like :attr:`Parser.value`: it is updated in place by later feeds.

Nothing here is *the* value. :meth:`TypedParser.finish` is the done signal: it checks that the
JSON is complete (a truncated stream raises :class:`~partialjson.IncompleteJSONError`), then
validates the received text exactly as ``TypeAdapter(T).validate_json(text)`` does — field and
model validators included, which never run on partial data.
"""

from __future__ import annotations

import enum
import functools
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, Union, overload

from pydantic import TypeAdapter, ValidationError

from ..core.errors import ParseError
from ..core.events import (
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
from ..core.parser import Parser
from .shapes import DictShape, Leaf, ListShape, ObjectShape, Slot, UnionShape, slot_of

__all__ = ["FieldStatus", "FinalValueError", "Issue", "TypedParser"]

T = TypeVar("T")

_ANY = Slot(Leaf(Any), Leaf(Any))
_SCALARS = (String, Number, Boolean, Null)
_COMPLETIONS = (String, Number, Boolean, Null, EndMap, EndArray)
_MISSING: Any = object()


class FieldStatus(str, enum.Enum):
    """Where a path stands in the stream; it only moves forward."""

    PENDING = "pending"  #: not started
    STREAMING = "streaming"  #: started, still growing
    COMPLETE = "complete"  #: final: it will not change again


class FinalValueError(RuntimeError):
    """There is no final value: the stream is not done (or did not complete)."""


@dataclass(frozen=True)
class Issue:
    """A complete value that failed its field's validation, kept out of the partial view."""

    path: Path
    message: str
    #: Offset in the text just after the delta in which the value completed.
    position: int


# How a frame of the walk follows its container.
_OBJECT, _LIST, _DICT, _RAW, _UNION = range(5)


class _Frame:
    __slots__ = ("mode", "node", "path", "shape", "slot")

    def __init__(self, mode: int, path: Path, slot: Slot, node: Any) -> None:
        self.mode = mode
        self.path = path
        self.slot = slot
        self.shape = slot.shape
        self.node = node


def _final_adapter(annotation: Any) -> TypeAdapter[Any]:
    try:
        return _cached_adapter(annotation)
    except TypeError:  # an unhashable annotation: not cached
        return TypeAdapter(annotation)


@functools.lru_cache(maxsize=256)
def _cached_adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _lookup(value: Any, path: Path) -> Any:
    for part in path:
        value = value[part]
    return value


def _parse_path(path: Union[str, Path]) -> Path:
    if isinstance(path, tuple):
        return path
    if not path:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))


class TypedParser(Generic[T]):
    """Stream JSON into a live partial view of ``T``; validate ``T`` only when done.

    ``T`` is anything a pydantic ``TypeAdapter`` accepts: a model, a dataclass, a ``TypedDict``,
    ``list[Model]``, a discriminated union... Options other than ``items`` go to the core
    :class:`~partialjson.Parser`.

    >>> from partialjson.samples import Customer, Invoice
    >>> p = TypedParser(Customer)
    >>> _ = p.feed('{"name": "Zoë Ångström", "vip": true, "email": "zoe@exa')
    >>> p.partial
    PartialCustomer(name='Zoë Ångström', email='zoe@exa', vip=True)
    >>> [p.status(path).value for path in ("name", "email", "vip")]
    ['complete', 'streaming', 'complete']
    >>> p.final
    Traceback (most recent call last):
    ...
    partialjson.typed.parser.FinalValueError: the final value exists only after finish(), ...
    >>> _ = p.feed('mple.com"}')
    >>> p.finish()
    Customer(name='Zoë Ångström', email='zoe@example.com', vip=True)

    With ``items``, each element of an array arrives validated the moment it closes:

    >>> p = TypedParser(Invoice, items="items")
    >>> _ = p.feed('{"invoice_number": "INV-1", "items": [{"sku": "KB-01", ')
    >>> _ = p.feed('"description": "Keyboard",')
    >>> _ = p.feed(' "quantity": 2, "unit_price": 89.5}, {"sku": "MS')
    >>> p.new_items
    [LineItem(sku='KB-01', description='Keyboard', quantity=2, unit_price=89.5)]
    >>> p.partial.items[1]
    PartialLineItem(sku='MS', description=None, quantity=None, unit_price=None)
    """

    @overload
    def __init__(
        self: TypedParser[T],
        type_: type[T],
        *,
        items: Union[str, Path, None] = None,
        **options: Any,
    ) -> None: ...

    @overload  # list[Model], unions, Annotated...: typing cannot name T from these
    def __init__(
        self: TypedParser[Any], type_: Any, *, items: Union[str, Path, None] = None, **options: Any
    ) -> None: ...

    def __init__(self, type_: Any, *, items: Union[str, Path, None] = None, **options: Any) -> None:
        self.type = type_
        self._slot = slot_of(type_)
        self._parser = Parser(**options)
        self._exact_text = not (options.get("lenient") or options.get("multiple_values"))
        self._received: list[Union[str, bytes]] = []
        self._frames: list[_Frame] = []
        self._raw_depth = 0
        self._view: Any = None
        self._status: dict[Path, FieldStatus] = {}
        self._completed: list[Path] = []
        self._issues: list[Issue] = []
        self._items_path = None if items is None else _parse_path(items)
        self._items_slot = None if self._items_path is None else self._slot_at(self._items_path)
        self._items: list[Any] = []
        self._new_items: list[Any] = []
        self._final: Any = _MISSING

    # ------------------------------------------------------------------ public API

    @property
    def parser(self) -> Parser:
        """The core parser underneath (its ``value`` is the raw JSON so far)."""
        return self._parser

    @property
    def partial(self) -> Any:
        """The partial view of ``T`` right now (``None`` before anything arrived). Live."""
        return self._view

    @property
    def issues(self) -> list[Issue]:
        """Complete values that failed their field's validation (kept out of the view)."""
        return self._issues

    @property
    def completed(self) -> list[Path]:
        """Paths whose values became complete in the last delta, in document order."""
        return self._completed

    @property
    def items(self) -> list[Any]:
        """Every element of the ``items`` array validated so far, in order."""
        return self._items

    @property
    def new_items(self) -> list[Any]:
        """The elements of the ``items`` array that closed in the last delta, validated."""
        return self._new_items

    @property
    def done(self) -> bool:
        """Whether :meth:`finish` succeeded."""
        return self._final is not _MISSING

    @property
    def final(self) -> T:
        """The validated value; raises :class:`FinalValueError` before :meth:`finish`."""
        if self._final is _MISSING:
            raise FinalValueError(
                "the final value exists only after finish(), the stream's done signal; "
                "use .partial for display while it streams"
            )
        return self._final  # type: ignore[no-any-return]

    def status(self, path: Union[str, Path] = ()) -> FieldStatus:
        """``pending``, ``streaming`` or ``complete`` for a path (tuple, or ``"items.0.name"``)."""
        return self._status.get(_parse_path(path), FieldStatus.PENDING)

    def feed(self, delta: Union[str, bytes]) -> list[Event]:
        """Consume a delta; returns the core parser's events for it.

        Raises :class:`~partialjson.ParseError` on invalid JSON; :attr:`partial` stays readable.
        """
        self._completed = []
        self._new_items = []
        try:
            events = self._parser.feed(delta)
        except ParseError as error:
            for event in error.events:  # what came before the bad character still shows
                self._apply(event)
            raise
        self._received.append(delta)
        for event in events:
            self._apply(event)
        return events

    def finish(self) -> T:
        """The done signal: return ``T`` validated exactly as ``validate_json`` would.

        Raises :class:`~partialjson.IncompleteJSONError` if the JSON was cut short, or pydantic's
        ``ValidationError`` — each error's text offset in its ``positions`` attribute (and a
        note), where the failing value is in the text.
        """
        if self._final is not _MISSING:
            return self._final  # type: ignore[no-any-return]
        value = self._parser.close()
        text = self._text() if self._exact_text else json.dumps(value)
        try:
            self._final = _final_adapter(self.type).validate_json(text)
        except ValidationError as error:
            _add_positions(error, text)
            raise
        return self._final  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ the walk

    def _apply(self, event: Event) -> None:
        path = event.path
        kind = type(event)
        if kind in _COMPLETIONS:
            self._status[path] = FieldStatus.COMPLETE
            self._completed.append(path)
        elif kind is not MapKey:
            self._status.setdefault(path, FieldStatus.STREAMING)
        if self._raw_depth:
            self._follow_raw(event, kind, path)
        elif kind is StringFragment:
            self._attach(path, _lookup(self._parser.value, path), streaming=True)
        elif kind in _SCALARS:
            self._complete_leaf(path, event.value)
        elif kind is StartMap or kind is StartArray:
            self._open(path, kind is StartMap)
        elif kind is EndMap or kind is EndArray:
            self._frames.pop()
            self._item_done(path)

    def _slot_at(self, path: Path) -> Slot:
        """The slot of a path, from the type alone (for the ``items`` option)."""
        slot = self._slot
        for part in path:
            shape = slot.shape
            if isinstance(shape, ObjectShape) and isinstance(part, str) and part in shape.fields:
                slot = shape.fields[part][1]
            elif isinstance(shape, ListShape) and isinstance(part, int):
                slot = shape.item
            elif isinstance(shape, DictShape) and isinstance(part, str):
                slot = shape.value
            else:
                raise ValueError(
                    f"items={'.'.join(map(str, path))!r} is not an array in {self.type!r}"
                )
        if not isinstance(slot.shape, ListShape):
            raise ValueError(f"items={'.'.join(map(str, path))!r} is not an array in {self.type!r}")
        return slot.shape.item

    def _child_slot(self, key: Union[str, int]) -> Slot:
        if not self._frames:
            return self._slot
        frame = self._frames[-1]
        shape = frame.shape
        if frame.mode == _OBJECT:
            assert isinstance(shape, ObjectShape)
            field = shape.fields.get(key)  # type: ignore[arg-type]
            return _ANY if field is None else field[1]
        if frame.mode == _LIST:
            assert isinstance(shape, ListShape)
            return shape.item
        assert isinstance(shape, DictShape)
        return shape.value

    def _attach(self, path: Path, value: Any, streaming: bool = False) -> None:
        """Put a value into its parent in the view (or make it the root)."""
        if not self._frames:
            self._view = value
            return
        frame = self._frames[-1]
        key = path[-1]
        if frame.mode == _OBJECT:
            assert isinstance(frame.shape, ObjectShape) and isinstance(key, str)
            known = frame.shape.set(frame.node, key, value)
            if not known and not streaming and frame.shape.forbid_extra:
                self._issue(
                    path, f"Extra key {key!r} is not permitted by {frame.shape.cls.__name__}"
                )
        elif frame.mode == _LIST:
            assert isinstance(key, int)
            if key == len(frame.node):
                frame.node.append(value)
            else:
                frame.node[key] = value
        else:
            frame.node[key] = value

    def _complete_leaf(self, path: Path, value: Any) -> None:
        slot = self._child_slot(path[-1]) if path else self._slot
        try:
            coerced = slot.leaf.coerce(value)
        except ValidationError as error:
            self._issue(path, _first_message(error))
            self._attach(path, None)  # a string shown while streaming is taken back
        else:
            self._attach(path, coerced)
        self._item_done(path)

    def _open(self, path: Path, is_object: bool) -> None:
        slot = self._child_slot(path[-1]) if path else self._slot
        shape = slot.shape
        if is_object and isinstance(shape, ObjectShape):
            frame = _Frame(_OBJECT, path, slot, shape.new())
        elif is_object and isinstance(shape, DictShape):
            frame = _Frame(_DICT, path, slot, {})
        elif is_object and isinstance(shape, UnionShape):  # raw until its tag arrives
            frame = _Frame(_UNION, path, slot, _lookup(self._parser.value, path))
            self._raw_depth = 1
        elif not is_object and isinstance(shape, ListShape):
            frame = _Frame(_LIST, path, slot, [])
        else:  # shown raw while it streams, validated whole when it closes
            frame = _Frame(_RAW, path, slot, _lookup(self._parser.value, path))
            self._raw_depth = 1
        self._attach(path, frame.node, streaming=True)
        self._frames.append(frame)

    def _follow_raw(self, event: Event, kind: type, path: Path) -> None:
        """Inside a value shown raw: wait for it to close, then validate it whole."""
        frame = self._frames[-1]
        if frame.mode == _UNION and self._raw_depth == 1:
            shape = frame.shape
            assert isinstance(shape, UnionShape)
            if kind is MapKey and event.value != shape.key:
                frame.mode = _RAW  # the tag did not come first: validated whole at the close
            elif kind in _SCALARS:
                return self._choose_variant(frame, path, event.value)
        if kind is StartMap or kind is StartArray:
            self._raw_depth += 1
        elif kind is EndMap or kind is EndArray:
            self._raw_depth -= 1
            if not self._raw_depth:
                self._frames.pop()
                self._complete_leaf(path, frame.node)

    def _choose_variant(self, frame: _Frame, tag_path: Path, tag: Any) -> None:
        """The tag of a discriminated union arrived first: follow its variant from now on."""
        shape = frame.shape
        assert isinstance(shape, UnionShape)
        variant = shape.variants.get(tag)
        if variant is None:
            frame.mode = _RAW  # an unknown tag: validated whole, and reported, at the close
            return
        self._raw_depth = 0
        chosen = _Frame(_OBJECT, frame.path, Slot(variant, frame.slot.leaf), variant.new())
        self._frames.pop()
        self._attach(frame.path, chosen.node, streaming=True)
        self._frames.append(chosen)
        self._complete_leaf(tag_path, tag)

    def _item_done(self, path: Path) -> None:
        items_path = self._items_path
        if items_path is None or len(path) != len(items_path) + 1 or path[:-1] != items_path:
            return
        assert self._items_slot is not None
        raw = _lookup(self._parser.value, path)
        try:
            item = self._items_slot.leaf.adapter.validate_json(json.dumps(raw))
        except ValidationError as error:
            self._issue(path, _first_message(error))
            return
        self._items.append(item)
        self._new_items.append(item)

    def _issue(self, path: Path, message: str) -> None:
        self._issues.append(Issue(path, message, self._parser.position))

    def _text(self) -> Union[str, bytes]:
        if all(isinstance(piece, str) for piece in self._received):
            return "".join(self._received)  # type: ignore[arg-type]
        return b"".join(p.encode() if isinstance(p, str) else p for p in self._received)


def _first_message(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    return str(first["msg"])


def _locate(text: str, paths: set[Path]) -> dict[Path, int]:
    """The offset where each of ``paths`` starts in ``text`` (an error path, off the hot path)."""
    found: dict[Path, int] = {}
    parser = Parser()
    for offset, char in enumerate(text):
        for event in parser.feed(char):
            if event.kind == "map_key":
                continue
            if event.path in paths and event.path not in found:
                found[event.path] = offset
        if len(found) == len(paths):
            break
    return found


def _add_positions(error: ValidationError, text: Union[str, bytes]) -> None:
    """Attach each failing field's text offset to a ValidationError (``positions`` and a note)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    locs = [tuple(e["loc"]) for e in error.errors(include_url=False)]
    candidates = {loc[:k] for loc in locs for k in range(len(loc) + 1)}
    starts = _locate(text, candidates)
    positions: dict[tuple[Any, ...], int] = {}
    for loc in locs:
        for k in range(len(loc), -1, -1):  # the deepest part of the location present in the text
            if loc[:k] in starts:
                positions[loc] = starts[loc[:k]]
                break
    error.positions = positions  # type: ignore[attr-defined]
    notes = [
        f"{'.'.join(map(str, loc)) or '(root)'}: at char {pos}" for loc, pos in positions.items()
    ]
    existing = getattr(error, "__notes__", None)
    error.__notes__ = [*(existing or []), *notes]

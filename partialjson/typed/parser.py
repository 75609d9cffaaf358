"""Typed streams: a live partial view of ``T`` for display, and the validated ``T`` after done.

Theory of operation
===================

:class:`TypedParser` wraps the core :class:`~partialjson.Parser` and walks its change events
down the :mod:`slots <partialjson.typed.shapes>` derived from pydantic's core schema of ``T``.
Each event touches one place, so each delta costs the same however large the document grows:

* an object, list or dict that opens is created at once in the *partial view* — an instance of
  the generated ``Partial<Model>`` class (every field unset, ``None``, until it arrives), a dict
  for a ``TypedDict``, a list, a dict — and put in its parent under the *Python* field name;
* a string that grows is shown as it grows where a ``str`` (or ``Any``) is expected, with the
  field's ``str_strip_whitespace`` / ``str_to_lower`` applied; it grows in place, so a delta
  costs the size of the delta, not of the string. Other types (a date, an enum, a secret) show
  once complete;
* a complete leaf is validated by its place's own core schema and config (``"2024-05-01"``
  becomes a ``date``, validators in ``Annotated`` run); a complete leaf that fails is kept out
  of the view (``None``) and reported in :attr:`TypedParser.issues` instead of raised;
* values the slots cannot follow member by member (a plain union of models, ``Any``, a
  mismatch, an ``AliasPath``) are shown as raw JSON while they stream and validated whole when
  they close.

The walk keeps one frame per open container (memory O(depth)) and no record per path: a path's
status is read off the view and the open frames when asked. The core parser reads the events
only (``events_only=True``: the view is the value, the core builds none of its own). The
received text is kept as UTF-8 in one growing buffer, for :meth:`TypedParser.finish` (which
validates it as it is), for the elements of an ``items=`` array (each validated from its own
JSON, cut from the buffer) and to locate issues.

Nothing here is *the* value. :meth:`TypedParser.finish` is the done signal: it checks that the
JSON is complete (a truncated stream raises :class:`~partialjson.IncompleteJSONError`), then
validates the received text exactly as ``TypeAdapter(T).validate_json(text)`` does — model
validators and container constraints included, which never run on partial data.
"""

from __future__ import annotations

import re
from contextlib import suppress
from typing import Any, Callable, Final, Generic, Optional, TypeVar, Union, cast

from pydantic import ValidationError
from pydantic_core import SchemaValidator, to_json

from ..core.builder import EventsBuilder
from ..core.errors import IncompleteJSONError, ParseError
from ..core.events import (
    Boolean,
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
from .locate import Locator, TextLog, element_bounds, root_start, skip_value
from .shapes import (
    DictShape,
    Leaf,
    ListShape,
    ObjectShape,
    Slot,
    UnionShape,
    _set_fields_set,
    adapter_of,
    slot_of,
)
from .status import FieldStatus, FinalValueError, Issue

__all__ = ["FieldStatus", "FinalValueError", "Issue", "TypedParser"]

T = TypeVar("T")

_MISSING: Any = object()
_INTEGER = re.compile(r"-?[0-9]+").fullmatch
#: Options that change how the raw value reads numbers (the view reads them as JSON does).
_NUMBER_HOOKS = frozenset({"parse_int", "parse_float"})
#: A lone surrogate (``"\\ud800"`` in the JSON): Python reads it, pydantic rejects the document.
#: (Built from chr(): the compiled build takes no surrogate literals.)
_SURROGATE: Final = re.compile(f"[{chr(0xD800)}-{chr(0xDFFF)}]")
_has_surrogate: Final = _SURROGATE.search  # (bound once: no method lookup per call)
#: ``str.isascii``, called as a function: the compiled build then skips looking the method up.
_isascii: Final = str.isascii
#: ``str.isprintable``, likewise: a printable string holds no surrogate (category Cs), and
#: costs less to ask than the regular expression (a search allocates its state). Most
#: non-ASCII text (accents, CJK) is printable: the search is left for the rest (a newline...).
_isprintable: Final = str.isprintable
_LONE_SURROGATE = "Invalid JSON: a lone surrogate escape (\\ud800-\\udfff) in a string"
#: ``str`` deltas kept before the log takes them (one join and encode for all), and the size
#: above which a delta goes to the log at once (a network chunk is not kept twice for long).
_PENDING_DELTAS: Final = 32
_PENDING_SIZE: Final = 256
#: ``_completed`` and ``_changed`` while they list nothing: one list shared by every parser and
#: never changed (the first path listed goes in a list of the parser's own, made then), so that
#: an open stream holds no empty list for the garbage collector to visit.
_NO_PATHS: Final[list[Path]] = []


# How a frame follows its container (``Final``: the compiled build folds them in).
_OBJECT: Final = 0
_LIST: Final = 1
_DICT: Final = 2
_RAW: Final = 3
_UNION: Final = 4
_SKIP: Final = 5
# How a value is put in its parent.
_TO_MODEL: Final = 0
_TO_ITEM: Final = 1
_TO_EXTRA: Final = 2
_NOWHERE: Final = 3
_TO_ROOT: Final = 4
_COLLECT: Final = 5
# _COLLECT: inside a raw value the view does not show (an ``AliasPath`` head): kept whole for
# the fields it feeds, never reported as a change.


class _Place:
    """Where a value that starts now goes: its parent's node, its key there, its slot.

    The parser fills one scratch place for each scalar (see ``TypedParser._place``): only a
    container keeps its place (a copy) while it is open.
    """

    __slots__ = ("how", "key", "node", "priority", "received", "slot", "targets", "values")

    def __init__(
        self,
        how: int,
        node: Any,
        key: Any,
        slot: Optional[Slot],
        priority: int = 0,
        targets: Optional[list[Any]] = None,
    ) -> None:
        self.how = how
        self.node = node
        self.key = key
        self.slot = slot
        self.priority = priority
        self.targets = targets  # AliasPath targets fed by this raw value
        #: ``_TO_MODEL``: the partial model's ``__dict__`` and ``__pydantic_fields_set__``.
        self.values: Optional[dict[str, Any]] = None
        self.received: Optional[set[str]] = None

    def copy(self) -> _Place:
        place = _Place(self.how, self.node, self.key, self.slot, self.priority, self.targets)
        place.values = self.values
        place.received = self.received
        return place


def _model_place(node: Any, key: str, slot: Optional[Slot]) -> _Place:
    """A place in a partial model, with its ``__dict__`` and fields set at hand."""
    place = _Place(_TO_MODEL, node, key, slot)
    place.values = node.__dict__
    place.received = node.__pydantic_fields_set__
    return place


def _shown_key(frame: _Frame, attribute: str) -> str:
    """The key under which a model's ``attribute`` is dumped (its serialization alias)."""
    if frame.shape.is_dict:
        return attribute
    info = getattr(type(frame.node), "model_fields", {}).get(attribute)
    alias = None if info is None else info.serialization_alias or info.alias
    return alias if isinstance(alias, str) else attribute


class _Frame:
    __slots__ = (
        "hidden",
        "items",
        "mode",
        "node",
        "path",
        "place",
        "priorities",
        "received",
        "shape",
        "values",
    )

    def __init__(self, mode: int, path: Path, place: _Place, shape: Any, node: Any) -> None:
        self.mode = mode
        self.path = path
        self.place = place
        self.shape = shape
        self.node = node
        self.priorities: Optional[dict[str, int]] = None
        self.items = False  # the ``items=`` array
        #: A raw value that may hold a secret: its members are kept (not shown) until it closes.
        self.hidden = False
        #: A partial model's ``__dict__`` and ``__pydantic_fields_set__`` (see :meth:`model`).
        self.values: Optional[dict[str, Any]] = None
        self.received: Optional[set[str]] = None

    def model(self, shape: ObjectShape) -> None:
        """Follow a new partial model of ``shape``: its fields are put in its ``__dict__``
        directly."""
        self.node, self.values, self.received = shape.new_model()


class _OpenString:
    """The string value that is still growing, and how it is shown."""

    __slots__ = (
        "checked",
        "container",
        "held",
        "key",
        "lower",
        "parent",
        "plain",
        "shared",
        "started",
        "strip",
        "upper",
    )

    def __init__(self, parent: Any, key: Any, container: Any, leaf: Optional[Leaf]) -> None:
        self.parent = parent  # the view node it belongs to
        self.key = key  # its key there
        self.container = container  # the dict or list that holds it in the view (None: hidden)
        # How the leaf shows text (no leaf: as it is)
        self.strip = False if leaf is None else leaf.strip
        self.lower = False if leaf is None else leaf.lower
        self.upper = False if leaf is None else leaf.upper
        self.started = not self.strip
        self.held = ""  # trailing whitespace not shown yet (it may be stripped)
        #: Shown, as it is: feed() grows it without a call.
        self.plain = container is not None and not (self.strip or self.lower or self.upper)
        #: Grown by the core's builder, in place (it holds the text as it is): see _grow().
        self.shared = False
        #: How many characters of it (its first) were found free of lone surrogates as they
        #: arrived (-1: not all were looked at): only the rest is looked at when it completes.
        self.checked = 0


def _parse_path(path: Union[str, int, Path]) -> Path:
    if isinstance(path, int):
        return (path,)
    if isinstance(path, tuple):
        return path
    if isinstance(path, list):
        return tuple(path)
    if not path:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))


def _plain_number(value: Any) -> Any:
    """A number as JSON mode reads it (``parse_float=Decimal`` changes only the raw value)."""
    if type(value) is int or type(value) is float:
        return value
    text = str(value)
    return int(text) if _INTEGER(text) else float(text)


class TypedParser(Generic[T]):
    """Stream JSON into a live partial view of ``T``; validate ``T`` only when done.

    ``T`` is anything a pydantic ``TypeAdapter`` accepts: a model, a dataclass, a ``TypedDict``,
    ``list[Model]``, a ``RootModel``, a discriminated union, ``int``... The view follows
    pydantic's own reading of ``T``: aliases, ``validate_by_name``, config and ``Annotated``
    constraints. Options other than ``items`` go to the core :class:`~partialjson.Parser`
    (``partial_strings``, ``parse_float``, ``max_depth``, ``lenient``...).

    >>> from partialjson import TypedParser
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
    partialjson.typed.status.FinalValueError: the final value exists only after finish(), ...
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

    __slots__ = (
        "_builder",
        "_changed",
        "_closing",
        "_completed",
        "_dirty",
        "_events_only",
        "_failed",
        "_final",
        "_frames",
        "_grown",
        "_grown_list",
        "_invalid",
        "_issues",
        "_item_next",
        "_items",
        "_items_path",
        "_items_slot",
        "_lenient",
        "_locator",
        "_log",
        "_new_items",
        "_options",
        "_parser",
        "_pending",
        "_raw_parser",
        "_root",
        "_root_place",
        "_root_shown",
        "_scratch",
        "_show_strings",
        "_slot",
        "_started",
        "_string",
        "_validate",
        "type",
    )

    def __init__(self, type_: Any, *, items: Union[str, Path, None] = None, **options: Any) -> None:
        if options.get("multiple_values"):
            raise TypeError(
                "TypedParser reads one JSON value: multiple_values cannot apply "
                "(use one TypedParser per value, or Parser(multiple_values=True))"
            )
        if "events_only" in options:
            raise TypeError("TypedParser sets events_only itself: it cannot be an option")
        # The core reads the events only: the view is the value (see the ``parser`` property).
        # It reads numbers as JSON does: number hooks shape the raw value, never the view.
        if options:
            core = {name: value for name, value in options.items() if name not in _NUMBER_HOOKS}
            self._parser = Parser(events_only=True, **core)  # unknown options: TypeError, here
        else:  # (the common case, and a cheaper call: no keyword dict to unpack)
            self._parser = Parser(events_only=True)
        self._events_only = True
        #: The core's builder while it reads events only: it grows a string shown as it is in
        #: the view itself (:meth:`EventsBuilder.share_string`), so a long string is held once.
        self._builder: Optional[EventsBuilder] = _events_builder(self._parser)
        self._raw_parser: Optional[Parser] = None  # with number hooks: the raw value's own parser
        self._options = options
        self._failed: Union[str, bytes, None] = None  # the delta that failed, if one did
        self._closing = False  # finish() has called the core's close()
        self.type = type_
        # A type pydantic cannot validate: pydantic's error, here.
        self._slot, self._validate = _type_info(type_)
        self._show_strings = options.get("partial_strings", True) is not False
        self._lenient = bool(options.get("lenient"))
        if self._lenient and self._slot.leaf.scalar_only:
            raise TypeError(
                f"lenient=True finds the first object or array in the text; {type_!r} is "
                "neither: drop lenient, or extract the JSON yourself"
            )
        #: The text received (made at its first use, see :meth:`_text_log`), and the ``str``
        #: deltas received since it last took them.
        self._log: Optional[TextLog] = None
        self._pending: list[str] = []
        self._locator: Optional[Locator] = None  # made when a position is first asked for
        #: The view's root, in a box: a root string grows in it as a member string does.
        self._root: list[Any] = [None]
        self._root_place = _Place(_TO_ROOT, self._root, 0, self._slot)
        self._scratch = _Place(_NOWHERE, None, None, None)  # see _place()
        self._frames: list[_Frame] = []
        self._string: Optional[_OpenString] = None
        self._started = False
        self._root_shown = False  # the root value was put in the view (even a null)
        self._completed: list[Path] = _NO_PATHS
        self._dirty = False  # events were walked since the lists below were last cleared
        self._changed: list[Path] = _NO_PATHS
        self._grown: Optional[Path] = None  # the string the last delta grew, if that was all
        self._grown_list: Optional[list[Path]] = None  # ``[_grown]``, as ``changed`` gave it
        self._issues: Optional[list[Issue]] = None  # made at the first (see _NO_PATHS)
        self._invalid: Optional[dict[Path, Issue]] = None  # path -> its issue (made at the first)
        self._items: Optional[list[Any]] = None  # made at the first read or element
        # The last delta's elements: made at the first (an empty list per stream would be one
        # more object for the garbage collector to visit, and most parsers have no items=).
        self._new_items: Optional[list[Any]] = None
        self._items_path: Optional[Path] = None
        self._items_slot: Optional[Slot] = None
        self._item_next = 0  # where the next element of the items array starts, in the log
        if items is not None:
            self._items_path, self._items_slot = self._items_at(_parse_path(items))
        self._final: Any = _MISSING

    # ------------------------------------------------------------------ public API

    @property
    def parser(self) -> Parser:
        """The core parser underneath (its ``value`` is the raw JSON so far).

        The typed parser reads only the core's events (the view is its value), so its core
        parser builds no value of its own. Reading this property the first time gives it one:
        the text received so far is parsed again, O(size of the text) once, and from then on
        the core parser builds its value as deltas arrive, at its own cost in time and memory.
        """
        if self._events_only:
            self._events_only = False
            self._unshare()  # the string grows in the view's own copy from now on
            self._builder = None
            if _NUMBER_HOOKS.isdisjoint(self._options):
                self._parser = self._replayed()  # the same events: one parser serves both
            else:
                self._raw_parser = self._replayed()  # fed beside the view's (which reads no hooks)
        return self._raw_parser or self._parser

    def _replayed(self) -> Parser:
        """A core parser that builds its value, in the state the events-only one is in."""
        parser = Parser(**self._options)
        log = self._text_log()
        try:
            if log.size:
                parser.feed(log.raw() if log.bytes_fed else log.text())
            if self._failed is not None:
                parser.feed(self._failed)
            if self._closing:
                parser.close()
        except ParseError:
            pass  # the same error, recorded by the new parser as by the old one
        return parser

    @property
    def partial(self) -> Any:
        """The partial view of ``T`` right now (``None`` before anything arrived). Live."""
        return self._root[0]

    @property
    def issues(self) -> list[Issue]:
        """Complete values that failed their field's validation (kept out of the view)."""
        issues = self._issues
        if issues is None:
            issues = self._issues = []
        return issues

    @property
    def completed(self) -> list[Path]:
        """Paths whose values became complete in the last delta, in document order."""
        completed = self._completed
        if completed is _NO_PATHS:  # (never given out: the caller may change what it gets)
            completed = self._completed = []
        return completed

    @property
    def changed(self) -> list[Path]:
        """Paths (JSON keys, as in the events) whose shown value the last delta changed.

        Empty when the delta changed nothing the view shows: a key alone, a closing quote
        after all of a string's text was shown, a bracket closing an object with no defaults
        to fill, a complete value that validates to what was already shown.

        >>> from partialjson import TypedParser
        >>> from partialjson.samples import Customer
        >>> p = TypedParser(Customer)
        >>> _ = p.feed('{"name": "Zo')
        >>> p.changed
        [(), ('name',)]
        >>> _ = p.feed('"')
        >>> p.changed  # the closing quote: the view already showed "Zo"
        []
        >>> _ = p.feed(', "vip"')
        >>> p.changed  # a key alone
        []
        >>> _ = p.feed(": true")
        >>> p.changed
        [('vip',)]
        """
        grown = self._grown
        if grown is None:
            changed = self._changed
            if changed is _NO_PATHS:  # (never given out: see completed)
                changed = self._changed = []
            return changed
        # The common delta: more text of the open string. Its one-path list is made once per
        # string, not per delta (made anew if the caller changed the one it was given).
        shown = self._grown_list
        if shown is None or len(shown) != 1 or shown[0] is not grown:
            shown = self._grown_list = [grown]
        return shown

    @property
    def items(self) -> list[Any]:
        """Every element of the ``items`` array validated so far, in order."""
        items = self._items
        if items is None:
            items = self._items = []
        return items

    @property
    def new_items(self) -> list[Any]:
        """The elements of the ``items`` array that closed in the last delta, validated."""
        new_items = self._new_items
        return new_items if new_items is not None else []

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

    def status(self, path: Union[str, int, Path] = ()) -> FieldStatus:
        """``pending``, ``streaming``, ``complete`` or ``invalid`` for a path.

        The path is a tuple or a dotted string (``"items.0.name"``); its keys may be Python field
        names or JSON keys (aliases), as you prefer.

        >>> from pydantic import BaseModel, Field
        >>> class User(BaseModel):
        ...     full_name: str = Field(alias="fullName")
        >>> p = TypedParser(User)
        >>> _ = p.feed('{"fullName": "Ada')
        >>> p.status("full_name"), p.status("fullName")
        (<FieldStatus.STREAMING: 'streaming'>, <FieldStatus.STREAMING: 'streaming'>)
        """
        return self._status_of(_parse_path(path))

    def feed(self, delta: Union[str, bytes]) -> list[Event]:
        """Consume a delta; returns the events of the core parser the view reads (numbers
        as JSON reads them: ``parse_int`` / ``parse_float`` shape only :attr:`parser`'s value).

        Raises :class:`~partialjson.ParseError` on invalid JSON; :attr:`partial` stays readable.
        """
        if self._dirty:  # (the last delta's events were walked: what they listed goes)
            self._dirty = False
            if self._completed:
                self._completed = _NO_PATHS
            if self._changed:
                self._changed = _NO_PATHS
            if self._new_items:
                self._new_items = None
        self._grown = None
        if self._raw_parser is not None:
            with suppress(ParseError):  # recorded there; the view's own reading raises below
                self._raw_parser.feed(delta)
        try:
            events = self._parser.feed(delta)
        except ParseError as error:
            if self._failed is None:  # (a later feed raises the same error: nothing new)
                self._failed = delta if isinstance(delta, str) else bytes(delta)
                log = self._text_log()
                size = log.size
                log.add_valid(delta)  # for the items it completes; forgotten again after
                try:
                    pending: Any = error.events  # (Any: see below)
                    for event in pending:  # what came before the bad character shows
                        self._apply(event)
                finally:
                    log.truncate(size)
            raise
        if type(delta) is str:
            # Kept as it is, and written to the log (encoded) a few dozen deltas at a time:
            # one join and one encode then cost less than one each per token-sized delta.
            waiting = self._pending
            waiting.append(delta)
            if len(waiting) >= _PENDING_DELTAS or len(delta) > _PENDING_SIZE:
                self._text_log()
        else:
            self._text_log().add(delta)
        # A big delta's events may come as an EventList, a list subclass whose events are
        # built when it is read: read as Any (as a list, the compiled build would read its
        # items directly, unbuilt). A plain list is read as one (the compiled build indexes it).
        if type(events) is list:
            string = self._string
            if string is not None and string.plain and len(events) == 1:
                # The common delta: more text of a string shown as it is. Grow it in place:
                # with the view's reference dropped, `+=` extends the only reference (CPython)
                # instead of copying the whole string every delta.
                event = events[0]
                if type(event) is StringFragment:
                    fragment = event.fragment
                    if not fragment:
                        return events
                    # (no surrogate: ASCII, or printable, or none found; inline, not a call)
                    if (
                        _isascii(fragment)
                        or _isprintable(fragment)
                        or _has_surrogate(fragment) is None
                    ):
                        if string.checked >= 0:
                            string.checked += len(fragment)
                        if not string.shared:  # (shared: the core has grown it already)
                            container, key = string.container, string.key
                            text: str = container[key]
                            container[key] = None
                            text += fragment
                            container[key] = text
                        self._grown = event.path
                        return events
            for event in events:
                self._apply(event)
        else:
            walked: Any = events
            for event in walked:
                self._apply(event)
        return events

    def _text_log(self) -> TextLog:
        """The log of the text received, with every delta in it (read it through this)."""
        log = self._log
        if log is None:
            log = self._log = TextLog()
        pending = self._pending
        if pending:
            joined = "".join(pending) if len(pending) > 1 else pending[0]
            pending.clear()
            buffer = log.buffer
            try:
                buffer += joined.encode()  # (a bytearray: extended in place)
            except UnicodeEncodeError:
                log.add(joined)  # lone surrogates
        return log

    def _locate(self) -> Locator:
        """The locator of values in the text (its cursors are kept between questions)."""
        locator = self._locator
        if locator is None:
            locator = self._locator = Locator()
        return locator

    def finish(self) -> T:
        """The done signal: return ``T`` validated exactly as ``validate_json`` would.

        Raises :class:`~partialjson.IncompleteJSONError` if the JSON was cut short (also inside
        a multi-byte UTF-8 character), or pydantic's ``ValidationError`` — each error's text
        offset in its ``positions`` attribute (and a note), where the failing value starts.
        """
        final = self._final
        if final is not _MISSING:
            return final  # type: ignore[no-any-return]
        log = self._log
        if log is None or self._pending:  # (the root's closing bracket flushed them: see _close)
            log = self._text_log()
        plain = log.plain  # (str deltas, all UTF-8: the common case asks the log nothing more)
        if not plain and log.cut_character:
            raise self._cut_character()
        self._closing = True
        if self._raw_parser is not None:
            with suppress(ParseError):  # recorded there; the view's close raises below
                self._raw_parser.close()
        value = self._parser.close()
        if value is not None and not self._started:
            # A bare number at the root ends with the input: close() completed it, silently.
            self._complete((), _plain_number(value))
        document: Union[str, bytes, bytearray]
        if self._lenient:  # validate the JSON found in the text: its exact slice
            text = log.text()
            root = root_start(text, True) or 0
            end = skip_value(text, root)
            document = text[root:end] if end is not None else text[root:]
        elif plain:
            document = log.buffer  # the UTF-8 of the str deltas, as it is (see TextLog.plain)
        else:
            document = log.document()  # the bytes as received (or the text: see there)
        try:
            self._final = final = self._validate(document)
        except ValidationError as error:
            text = log.text()
            if not isinstance(document, str) and _invalid_json(error):
                # pydantic's JSON error quotes its input: raise it as validating the text does
                try:
                    self._validate(text)
                except ValidationError as error_of_text:
                    error = error_of_text
            known = {issue.path: issue.position for issue in self._issues or ()}
            _add_positions(error, text, root_start(text, self._lenient) or 0, self._locate(), known)
            raise error from None
        return final  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ the walk

    def _apply(self, event: Event) -> None:
        # (each event read as its own class: the compiled build reads its fields directly)
        self._dirty = True  # (the next feed clears what this delta listed)
        kind = type(event)
        if kind is StringFragment:
            grown = cast(StringFragment, event)
            if self._string is not None:
                changed = self._grow(grown.fragment)
            else:
                changed = self._open_string(grown.path, grown.fragment)
            if changed:
                self._change(grown.path)
            return
        if kind is MapKey:
            frame = self._frames[-1]
            if frame.mode == _UNION and cast(MapKey, event).key != frame.shape.key:
                frame.mode = _RAW  # the tag did not come first: validated whole at the close
            return
        path = event.path
        if kind is not StartMap and kind is not StartArray:
            completed = self._completed
            if completed is _NO_PATHS:
                self._completed = [path]
            else:
                completed.append(path)
        if kind is String:
            string = self._string
            self._string = None
            checked = 0 if string is None else string.checked
            changed = self._complete(path, cast(String, event).string, checked)
            if string is not None and string.shared and self._builder is not None:
                changed = changed or self._builder.shown_grew  # (its close grew the view)
        elif kind is Number:
            changed = self._complete(path, _plain_number(cast(Number, event).number))
        elif kind is Boolean:
            changed = self._complete(path, cast(Boolean, event).boolean)
        elif kind is Null:
            changed = self._complete(path, None)
        elif kind is StartMap or kind is StartArray:
            changed = self._open(path, kind is StartMap)
        else:
            changed = self._close()
        if changed:
            self._change(path)

    def _change(self, path: Path) -> None:
        """List ``path`` in :attr:`changed` (see ``_NO_PATHS``)."""
        changed = self._changed
        if changed is _NO_PATHS:
            self._changed = [path]
        else:
            changed.append(path)

    def _place(self, path: Path) -> _Place:
        """Where the value at ``path``, which starts now, goes in the view.

        The one scratch place, filled anew (or the root's): read it before the next call, and
        keep a :meth:`_Place.copy` of it (one per container) to hold on to it.
        """
        self._started = True
        if not self._frames:
            return self._root_place
        frame = self._frames[-1]
        mode = frame.mode
        key = path[-1]
        place = self._scratch
        place.key = key
        place.targets = None
        place.values = None
        if mode == _OBJECT:
            shape: ObjectShape = frame.shape
            target = shape.keys.get(key)  # type: ignore[arg-type]
            paths = shape.paths.get(key) if shape.paths else None  # type: ignore[arg-type]
            node = frame.node
            place.node = node
            place.slot = None
            if paths is not None:
                place.how = _NOWHERE
                place.targets = paths
                return place
            if target is None:
                if shape.extra == "allow" and not shape.is_dict:
                    place.how = _TO_EXTRA
                    place.node = node.__pydantic_extra__
                else:
                    place.how = _NOWHERE
                return place
            attribute = target.attribute
            if shape.multi_keyed:
                priorities = frame.priorities
                if priorities is None:
                    priorities = frame.priorities = {}
                if priorities.get(attribute, target.priority) < target.priority:
                    place.how = _NOWHERE  # a preferred key was given
                    return place
                priorities[attribute] = target.priority
            place.key = attribute
            place.slot = target.slot
            if shape.is_dict:
                place.how = _TO_ITEM
            else:
                place.how = _TO_MODEL
                place.values = frame.values
                place.received = frame.received
            return place
        place.node = frame.node
        place.slot = None
        if mode == _LIST:
            place.how = _TO_ITEM
            place.slot = cast(ListShape, frame.shape).item
        elif mode == _DICT:
            place.how = _TO_ITEM
            place.slot = cast(DictShape, frame.shape).value
        elif mode == _SKIP:
            place.how = _NOWHERE
            place.node = None
        else:  # inside a raw value: shown with it, or only kept when it is not shown itself
            how = frame.place.how
            hidden = frame.hidden or how == _NOWHERE or how == _COLLECT
            place.how = _COLLECT if hidden else _TO_ITEM
        return place

    def _put(self, place: _Place, value: Any) -> bool:
        """Put ``value`` in the view at ``place``; whether that changed what the view shows.

        A value equal to the one shown still replaces it: a complete string is then the very
        object the core parser's value holds, not a second copy.
        """
        how = place.how
        if how == _TO_MODEL:
            key: str = place.key
            values, received = place.values, place.received
            assert values is not None and received is not None
            if key in received:
                changed = not _same(values[key], value)
            else:
                received.add(key)
                changed = True
            values[key] = value
            return changed
        if how == _TO_ITEM or how == _TO_EXTRA:
            container = place.node  # a list or a dict (read as one: see _apply)
            if type(container) is list:
                items: list[Any] = container
                index: int = place.key
                if index == len(items):
                    items.append(value)
                    return True
                changed = not _same(items[index], value)
                items[index] = value
                return changed
            members: dict[Any, Any] = container
            member = place.key
            if member not in members:
                members[member] = value
                return True
            changed = not _same(members[member], value)
            members[member] = value
            return changed
        if how == _COLLECT:
            container = place.node
            if type(container) is list and place.key == len(container):
                container.append(value)
            else:
                container[place.key] = value
            return False
        if how == _TO_ROOT:
            root = place.node
            changed = not (self._root_shown and _same(root[0], value))
            self._root_shown = True
            root[0] = value
            return changed
        return False

    def _open_string(self, path: Path, fragment: str) -> bool:
        """A string starts: shown from now on if its place shows text (it appears as ``""``)."""
        place = self._place(path)
        slot = place.slot
        shown = place.how != _NOWHERE and place.how != _COLLECT and self._show_strings
        if slot is not None and not slot.leaf.streams_text:
            shown = False
        if not shown:
            self._string = _OpenString(place.node, place.key, None, None)
            return False
        if place.how == _TO_MODEL:
            values, received = place.values, place.received
            assert values is not None and received is not None
            received.add(place.key)
            values[place.key] = ""
            container: Any = values
        else:
            self._put(place, "")
            container = place.node
        leaf = None if slot is None else slot.leaf
        self._string = string = _OpenString(place.node, place.key, container, leaf)
        self._grow(fragment)
        builder = self._builder
        if string.plain and builder is not None:
            string.shared = builder.share_string(container, place.key)
        return True

    def _unshare(self) -> None:
        """The core's builder stops growing the open string: the view grows its own copy."""
        string = self._string
        if string is not None and string.shared:
            string.shared = False
            if self._builder is not None:
                self._builder.unshare_string()

    def _grow(self, fragment: str) -> bool:
        """More text of the open string; whether any of it shows yet."""
        string = self._string
        assert string is not None
        container = string.container
        if container is None:
            string.checked = -1  # (not looked at: all of it is, when it completes)
            return False
        if not fragment:
            return False
        if string.checked >= 0:
            if _isascii(fragment) or _isprintable(fragment) or _has_surrogate(fragment) is None:
                string.checked += len(fragment)
            else:
                string.checked = -1
        if string.strip:
            if not string.started:
                fragment = fragment.lstrip()
                if not fragment:
                    return False
                string.started = True
            fragment = string.held + fragment
            shown = fragment.rstrip()
            string.held = fragment[len(shown) :]
            fragment = shown
            if not fragment:
                return False  # only whitespace, held back: it may be stripped
        if string.lower:
            fragment = fragment.lower()
        elif string.upper:
            fragment = fragment.upper()
        key = string.key
        if not _isascii(fragment):
            shown = _shown_text(fragment)
            if string.shared and shown is not fragment:  # the core's text is not what shows
                self._unshare()
                container[key] = _shown_text(container[key])
                return True
            fragment = shown
        if string.shared:
            return True  # the core's builder has grown it (see share_string())
        text: str = container[key]  # grown in place, as in feed()
        container[key] = None
        text += fragment
        container[key] = text
        return True

    def _complete(self, path: Path, value: Any, checked: int = 0) -> bool:
        """A scalar is complete: validated by its place, and put in the view (or reported).

        ``checked``: how many characters of a string are known to hold no lone surrogate."""
        place = self._place(path)
        frame = self._frames[-1] if self._frames else None
        variant = False
        if (
            frame is not None
            and frame.mode == _UNION
            and path[-1] == frame.shape.key
            and self._choose_variant(frame, value)
        ):
            place = self._place(path)
            variant = True  # the view shows the variant's (empty) model now
            self._change(frame.path)  # with its defaults: the whole node changed
        if place.how == _NOWHERE:
            changed = self._nowhere_done(place, path, value)
        elif place.slot is None:
            changed = self._put(place, self._raw(place, path, value, checked))  # kept as JSON
        else:
            changed = self._put(place, self._coerce(place, path, value, checked))
        if frame is not None and frame.items:
            self._item_done(path)
        return changed or variant

    def _raw(self, place: _Place, path: Path, value: Any, checked: int = 0) -> Any:
        """A complete scalar inside a raw value, as shown (a lone surrogate: an issue, U+FFFD)."""
        # (only a string not looked at whole as it streamed is looked at now)
        if type(value) is str and checked < len(value) and _lone_surrogate(value, checked):
            self._issue(path, _LONE_SURROGATE, place)  # as finish() will raise: json_invalid
            return _shown_text(value)
        return value

    def _coerce(self, place: _Place, path: Path, value: Any, checked: int = 0) -> Any:
        assert place.slot is not None
        # (only a string not looked at whole as it streamed is looked at now)
        if type(value) is str and checked < len(value) and _lone_surrogate(value, checked):
            self._issue(path, _LONE_SURROGATE, place)  # as finish() will raise: json_invalid
            return None
        try:
            return place.slot.leaf.coerce(value)
        except ValidationError as error:
            self._issue(path, _first_message(error), place)
            return None
        except ValueError as error:  # the value could not even be written as JSON (too deep)
            self._issue(path, str(error), place)
            return None

    def _nowhere_done(self, place: _Place, path: Path, value: Any) -> bool:
        """A complete value the view has no field for: an extra key, or an ``AliasPath`` head."""
        frame = self._frames[-1] if self._frames else None
        if place.targets is not None and frame is not None:
            return self._distribute(frame, place, path, value)
        if frame is not None and frame.mode == _OBJECT:
            shape: ObjectShape = frame.shape
            if shape.extra == "forbid" and path[-1] not in shape.keys:
                self._issue(path, "Extra inputs are not permitted", place)
        return False

    def _distribute(self, frame: _Frame, place: _Place, path: Path, value: Any) -> bool:
        """An ``AliasPath`` head is complete: give each field its value found along the path.
        The fields it changed are reported under their own keys; the head, not shown, never."""
        for target in place.targets or ():
            found = value
            for part in target.rest:
                try:
                    found = found[part]
                except (KeyError, IndexError, TypeError):
                    break
            else:
                if frame.shape.is_dict:
                    into = _Place(_TO_ITEM, frame.node, target.attribute, target.slot)
                else:
                    into = _model_place(frame.node, target.attribute, target.slot)
                if frame.priorities is None:
                    frame.priorities = {}
                if frame.priorities.get(target.attribute, target.priority) >= target.priority:
                    frame.priorities[target.attribute] = target.priority
                    if self._put(into, self._coerce(into, (*path, *target.rest), found)):
                        # the field it fed changed, under its key in the dumped view
                        self._change((*frame.path, _shown_key(frame, target.attribute)))
        return False

    def _open(self, path: Path, is_object: bool) -> bool:
        """A container opens: it appears in the view at once, empty (unless it has no place)."""
        place = self._place(path)
        if place is self._scratch:
            place = place.copy()  # the container's own, while it is open
        slot = place.slot
        if place.how == _NOWHERE and place.targets is None:
            frame = _Frame(_SKIP, path, place, None, None)
            self._frames.append(frame)
            return False
        shape: Any = None if slot is None else (slot.object if is_object else slot.array)
        if isinstance(shape, ObjectShape):
            frame = _Frame(_OBJECT, path, place, shape, None)
            if shape.is_dict:
                frame.node = shape.new()
            else:
                frame.model(shape)
        elif isinstance(shape, DictShape):
            frame = _Frame(_DICT, path, place, shape, {})
        elif isinstance(shape, ListShape):
            frame = _Frame(_LIST, path, place, shape, [])
            items_path = self._items_path
            frame.items = items_path is not None and self._field_path(place.key) == items_path
            if frame.items:
                self._item_next = self._opening(path)
        elif isinstance(shape, UnionShape):  # raw until its tag arrives
            frame = _Frame(_UNION, path, place, shape, {})
        else:  # shown raw while it streams, validated whole when it closes
            frame = _Frame(_RAW, path, place, None, {} if is_object else [])
        self._frames.append(frame)
        if place.how == _NOWHERE:
            return False
        raw = frame.mode == _RAW or frame.mode == _UNION
        if raw and slot is not None and slot.leaf.holds_secret:
            frame.hidden = True  # a secret's text must not show raw: an empty stand-in
            return self._put(place, {} if is_object else [])
        return self._put(place, frame.node)

    def _close(self) -> bool:
        """A container closes: a raw one is validated whole, an object gets its defaults."""
        frame = self._frames.pop()
        place = frame.place
        mode = frame.mode
        changed = False
        if mode == _RAW or mode == _UNION:
            if place.slot is not None:
                changed = self._put(place, self._coerce(place, frame.path, frame.node))
            elif place.targets is not None:
                changed = self._nowhere_done(place, frame.path, frame.node)
        elif mode == _SKIP:
            self._nowhere_done(place, frame.path, None)
        elif mode == _OBJECT:
            shape = cast(ObjectShape, frame.shape)
            received = frame.received
            if received is not None:  # a partial model (not a TypedDict's dict)
                if shape.defaults:
                    values = frame.values
                    assert values is not None
                    changed = shape.fill_defaults_in(values, received)
                self._share_fields_set(shape, frame.node, received)
            elif shape.defaults:
                changed = shape.fill_defaults(frame.node)
        frames = self._frames
        if frames:
            if frames[-1].items:
                self._item_done(frame.path)
        elif self._pending:
            # The root closed: the document is whole but for trailing whitespace. The last
            # deltas go to the log now, while they are at hand, rather than in finish() when
            # the done signal comes (which then validates the buffer as it is).
            self._text_log()
        return changed

    def _share_fields_set(self, shape: ObjectShape, node: Any, received: set[str]) -> None:
        """A model closed: if every field arrived, it shares one fields set with its siblings.

        A partial model's ``__pydantic_fields_set__`` is a ``set`` of some 200 bytes, as much as
        a small object's whole JSON: one per closed object would cost the view about 2 bytes
        per byte of an array of small objects. Once the object is closed nothing is added
        (pydantic itself only adds a field, on assignment, which is already in it), so the
        objects of one shape that received every field share one set, equal to their own: the
        shape's, made once for every stream of the type.
        """
        shared = shape.all_received
        if shared is None:
            # (the partial class has one field per attribute: see shapes._partial_model)
            if shape.extra == "allow" or len(received) != len(shape.attributes):
                return
            shared = shape.all_received = set(received)
        # (equal sizes are equal sets: a fields set holds attributes only, see _put())
        if len(received) == len(shared):
            _set_fields_set(node, shared)

    def _choose_variant(self, frame: _Frame, tag: Any) -> bool:
        """The tag of a discriminated union arrived first: follow its variant from now on."""
        shape: UnionShape = frame.shape
        variant = shape.variants.get(tag)
        if variant is None:
            frame.mode = _RAW  # an unknown tag: validated whole, and reported, at the close
            return False
        frame.mode = _OBJECT
        frame.hidden = False  # followed field by field: a secret field masks itself
        frame.shape = variant
        if variant.is_dict:
            frame.node = variant.new()
        else:
            frame.model(variant)
        if frame.place.how != _NOWHERE:
            self._put(frame.place, frame.node)
        return True

    # ------------------------------------------------------------------ items

    def _items_at(self, path: Path) -> tuple[Path, Slot]:
        """The items array's path by Python names, and its items' slot, from the type alone."""
        slot: Optional[Slot] = self._slot
        names: list[Union[str, int]] = []
        for part in path:
            assert slot is not None
            if isinstance(part, int) and slot.array is not None:
                slot = slot.array.item
                names.append(part)
                continue
            shape = slot.object
            attribute = shape.attribute(part) if isinstance(shape, ObjectShape) else None
            if attribute is not None:
                assert isinstance(shape, ObjectShape)
                slot = shape.attributes[attribute]
                names.append(attribute)
            elif isinstance(shape, DictShape) and isinstance(part, str):
                slot = shape.value
                names.append(part)
            else:
                slot = None
                break
        if slot is None or slot.array is None:
            raise ValueError(f"items={'.'.join(map(str, path))!r} is not an array in {self.type!r}")
        return tuple(names), slot.array.item

    def _field_path(self, key: Any) -> Path:
        """The path by Python names of a value starting (or closing) now under the top frame."""
        if not self._frames:
            return ()
        return (*(frame.place.key for frame in self._frames[1:]), key)

    def _opening(self, path: Path) -> int:
        """Where the elements of the array at ``path``, opening now, start in the log.

        Found once per stream (the items array opens once), by walking the text received so
        far from the root; each element then starts where the one before it ended.
        """
        log = self._text_log()
        text = log.text()
        root = root_start(text, self._lenient) or 0
        offset = self._locate().find(text, root, path)[0]
        return log.offset(text, offset) + 1

    def _item_done(self, path: Path) -> None:
        """An element of the items array is complete: its JSON, as received, is validated."""
        assert self._items_slot is not None
        log = self._text_log()
        start, end = element_bounds(log.buffer, self._item_next)
        self._item_next = end
        if self._invalid and self._field_path(path[-1]) in self._invalid:
            return  # the element itself failed as a leaf: reported once, already
        try:
            item = self._items_slot.leaf.validator.validate_json(log.slice(start, end))
        except ValidationError as error:
            # (a value inside it failed too, with its own issue: this one says the element
            # was dropped, and its status is invalid)
            self._issue(path, _first_message(error), _Place(_TO_ITEM, None, path[-1], None))
            return
        self.items.append(item)
        if self._new_items is None:
            self._new_items = [item]
        else:
            self._new_items.append(item)

    # ------------------------------------------------------------------ status and issues

    def _status_of(self, parts: Path) -> FieldStatus:
        if not self._started:
            return FieldStatus.PENDING
        frames, string = self._frames, self._string
        node = self._root[0]
        slot: Optional[Slot] = self._slot
        names: list[Any] = []
        depth = 0 if frames else -1  # node is frames[depth].node while it is still open
        open_leaf = not parts and string is not None
        for part in parts:
            if open_leaf:
                return FieldStatus.PENDING  # nothing below a string
            key, child, child_slot = _child_of(node, slot, part)
            if key is _MISSING:
                if (
                    string is not None
                    and depth == len(frames) - 1
                    and string.parent is node
                    and (string.key == part or _same_field(node, slot, part, string.key))
                ):
                    return FieldStatus.STREAMING  # shown once complete (a date, a secret)
                return FieldStatus.PENDING
            names.append(key)
            if depth >= 0:
                following = frames[depth + 1] if depth + 1 < len(frames) else None
                if (
                    following is not None
                    and following.place.node is node
                    and (following.place.key == key)
                ):
                    depth += 1
                elif string is not None and string.parent is node and string.key == key:
                    open_leaf, depth = True, -1
                else:
                    depth = -1
            node, slot = child, child_slot
        if self._invalid and tuple(names) in self._invalid:
            return FieldStatus.INVALID
        if depth >= 0 or open_leaf:
            return FieldStatus.STREAMING
        return FieldStatus.COMPLETE

    def _issue(self, path: Path, message: str, place: _Place) -> None:
        names = self._field_path(place.key)
        issue = Issue(path, message, self._position(path), names)
        self.issues.append(issue)
        invalid = self._invalid
        if invalid is None:
            invalid = self._invalid = {}
        invalid[names] = issue

    def _position(self, path: Path) -> int:
        text = self._text_log().text()
        root = root_start(text, self._lenient)
        if root is None:
            return self._parser.position
        return self._locate().find(text, root, path)[0]

    def _cut_character(self) -> IncompleteJSONError:
        text = self._text_log().text()
        pos = len(text)
        line = text.count("\n") + 1
        column = pos - text.rfind("\n")
        error = IncompleteJSONError(
            "Incomplete JSON: the input ends inside a UTF-8 character",
            text[-20:],
            pos,
            line,
            column,
        )
        return error


def _surrogate_free(text: str) -> bool:
    """Whether ``text`` (not ASCII: the caller asked) holds no surrogate."""
    return _isprintable(text) or _has_surrogate(text) is None


def _lone_surrogate(value: Any, checked: int) -> bool:
    """Whether ``value`` is a string with a lone surrogate in it, past its first ``checked``
    characters (found free of them as they streamed: a long string is not read twice)."""
    if type(value) is not str:
        return False
    text: str = value
    if checked > 0:
        if checked >= len(text):
            return False  # all of it was looked at as it streamed
        text = text[checked:]
    return not _isascii(text) and not _surrogate_free(text)


def _shown_text(value: Any) -> Any:
    """``value``, with any lone surrogate shown as U+FFFD (the view must serialize)."""
    if type(value) is str and not _isascii(value):
        return _SURROGATE.sub("\ufffd", value)
    return value


def _same(old: Any, new: Any) -> bool:
    """Whether ``new`` shows exactly as ``old`` (same type, same JSON), to skip a non-change.

    Called only where a value replaces another (a string complete, a raw value validated),
    so it costs at most that value's size, once.
    """
    if old is new:
        return True
    kind = type(old)
    if kind is not type(new):
        return False
    if kind is str or kind is int or kind is bool:
        return bool(old == new)
    try:  # floats (-0.0), dates, models, containers: as they would be shown
        return bool(to_json(old) == to_json(new))
    except Exception:  # not serializable: shown differently, at worst once too often
        return False


def _child_of(node: Any, slot: Optional[Slot], part: Any) -> tuple[Any, Any, Optional[Slot]]:
    """(key in the view, child, child's slot) for a path part; key ``_MISSING`` if absent."""
    shape = getattr(type(node), "__partial_shape__", None)
    members: Any = ()
    if shape is None and slot is not None:
        shape = _shape_for(node, slot.object, slot.members)
        members = slot.members or (shape.variants.values() if isinstance(shape, UnionShape) else ())
    if isinstance(shape, ObjectShape):
        key = shape.attribute(part)
        if key is not None:
            if shape.is_dict:
                present = key in node
            else:  # a partial model, or the validated model a raw union became
                received = getattr(node, "__pydantic_fields_set__", None)
                present = hasattr(node, key) if received is None else key in received
            if present:
                child = node[key] if shape.is_dict else getattr(node, key)
                return key, child, shape.attributes[key]
        extra = getattr(node, "__pydantic_extra__", None)
        if extra and part in extra:
            return part, extra[part], None
        return _MISSING, None, None
    if isinstance(node, list) and isinstance(part, int):
        if part >= len(node):
            return _MISSING, None, None
        item = None if slot is None or slot.array is None else slot.array.item
        return part, node[part], item
    if isinstance(node, dict) and isinstance(part, str):
        if part in node:
            value = shape.value if isinstance(shape, DictShape) else None
            return part, node[part], value
        for variant in members:  # a union, raw until it closes: a field by name, or a key
            attribute = variant.attribute(part)
            if attribute is not None:
                for key, target in variant.keys.items():
                    if target.attribute == attribute and key in node:
                        return key, node[key], None
        return _MISSING, None, None
    if shape is None:  # a validated model the view holds whole (a plain union's member)
        name = _field_named(type(node), part)
        if name is not None:
            received = getattr(node, "__pydantic_fields_set__", None)
            if received is None or name in received:
                return name, getattr(node, name), None
    return _MISSING, None, None


def _shape_for(node: Any, shape: Any, members: tuple[ObjectShape, ...]) -> Any:
    """The shape to read ``node`` with: the slot's, or the member a raw union validated to."""
    if isinstance(node, (dict, list)):
        return shape
    if isinstance(shape, ObjectShape):
        return shape if shape.cls is type(node) else None
    if isinstance(shape, UnionShape):
        members = tuple(shape.variants.values())
    for member in members:
        if member.cls is type(node):
            return member
    return None


def _field_named(cls: type, part: Any) -> Optional[str]:
    """The field of a pydantic model or dataclass ``part`` names (by name or by alias)."""
    fields = getattr(cls, "__pydantic_fields__", None)
    if not isinstance(fields, dict) or not isinstance(part, str):
        return None
    if part in fields:
        return part
    for name, info in fields.items():
        aliases = (info.alias, info.validation_alias)
        if part in aliases or part in getattr(info.validation_alias, "choices", ()):
            return str(name)
    return None


def _same_field(node: Any, slot: Optional[Slot], part: Any, key: Any) -> bool:
    shape = getattr(type(node), "__partial_shape__", None)
    if shape is None and slot is not None and isinstance(node, dict):
        shape = slot.object
    return isinstance(shape, ObjectShape) and shape.attribute(part) == key


def _invalid_json(error: ValidationError) -> bool:
    return any(details["type"] == "json_invalid" for details in error.errors(include_url=False))


def _first_message(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    return str(first["msg"])


def _add_positions(
    error: ValidationError, text: str, root: int, locator: Locator, known: dict[Path, int]
) -> None:
    """Attach each failing field's text offset to a ValidationError (``positions`` and a note).

    A value already reported as an issue while streaming has its offset ``known``; only the
    others (a missing field, a model validator's error...) are looked for in the text.
    """
    positions: dict[tuple[Any, ...], int] = {}
    for details in error.errors(include_url=False):
        loc = tuple(details["loc"])
        position = known.get(loc)
        positions[loc] = locator.find(text, root, loc)[0] if position is None else position
    error.positions = positions  # type: ignore[attr-defined]
    notes = [
        f"{'.'.join(map(str, loc)) or '(root)'}: at char {pos}" for loc, pos in positions.items()
    ]
    existing = getattr(error, "__notes__", None)
    error.__notes__ = [*(existing or []), *notes]


#: type -> what every TypedParser of it shares (see :func:`_type_info`), for the last types used.
_TYPES: dict[Any, tuple[Slot, Callable[..., Any]]] = {}


def _type_info(type_: Any) -> tuple[Slot, Callable[..., Any]]:
    """The root slot of ``type_`` and the function that validates its JSON, made once per type
    (one lookup per parser: a service starts a parser per stream, of a few types)."""
    try:
        known = _TYPES.get(type_)
    except TypeError:  # unhashable (a type annotated with a dict...): derived for each parser
        return _derive(type_)
    if known is None:
        known = _derive(type_)  # (a type not fully defined yet raises: nothing is kept)
        if len(_TYPES) >= 256:
            _TYPES.clear()
        _TYPES[type_] = known
    return known


def _derive(type_: Any) -> tuple[Slot, Callable[..., Any]]:
    slot = slot_of(type_)
    adapter = adapter_of(type_)
    validator = adapter.validator
    # The adapter's own validator, called directly (what its validate_json() calls).
    if type(validator) is SchemaValidator:
        return slot, validator.validate_json
    return slot, adapter.validate_json  # (a plugin's wrapper, a deferred build)


def _events_builder(parser: Parser) -> Optional[EventsBuilder]:
    """The builder of an events-only core parser (``None`` for any other)."""
    builder = getattr(parser, "_builder", None)
    return builder if isinstance(builder, EventsBuilder) else None

"""The incremental JSON parser: text deltas in, change events and a live partial value out.

Theory of operation
===================

:class:`Parser` is a pushdown state machine in the style of h11: it never reads a socket,
sleeps or imports asyncio. The caller hands it text (or UTF-8 bytes) with :meth:`Parser.feed`
as the text arrives, in any chunking, and gets back the
:mod:`change events <partialjson.core.events>` that delta caused. :attr:`Parser.value` is the
best-effort value of everything received so far; :meth:`Parser.close` declares the end of input
and returns the complete value.

It is two machines along one seam, as ijson separates ``basic_parse`` from its object builder:

* the :class:`~partialjson.core.lexer.Lexer` (text → tokens) owns the grammar: a state, the
  stack of open brackets, positions, limits and errors;
* the :class:`~partialjson.core.builder.Builder` (tokens → value and events) owns the live
  value: the stack of open containers and, per level, the key or index being parsed. Memory is
  O(depth); a path is built from that stack when an event needs it.

Each delta is consumed once. The lexer walks it with compiled regular expressions (a string's
plain run, a number, a whitespace run) rather than a loop over characters, and keeps no copy of
the consumed text. The only text carried from one delta to the next is a token that cannot be
decided yet: the first characters of ``true`` / ``false`` / ``null``, of an escape sequence
(``\\u00``) or of a surrogate pair, and an unfinished number (``12`` may become ``123``), whose
new text alone is scanned: a number fed one character at a time costs O(length).

When a delta holds whole values (a 64 KiB network chunk), each container that starts in it is
first offered to the stdlib's C scanner (``json.scanner``); if it reads the container whole, the
value is attached as it is, and so are the array members after it that the scanner reads whole,
one C call each. Their events, exactly those the token-by-token path would have emitted, are
built from those values only when the list ``feed()`` returned is first used
(:mod:`partialjson.core.eventlist`): a caller who only reads the value never pays for them. If
the scanner cannot read a container (it is cut by the end of the delta, invalid, or too deep),
the token-by-token path takes over at that bracket, with its exact events and error positions,
and offers the members in turn; what failed offers may cost is bounded by a small multiple of
the delta. Long string text with escapes goes to the stdlib's C decoder
(``json.decoder.scanstring``) in the same way, up to an escape the end of the delta may cut.

The partial value is *live*: objects and arrays are built in place as they arrive, and the feed
that extends the one string still growing appends the new text to its slot (in place: CPython
resizes a string nothing else references), so reading :attr:`Parser.value` costs nothing. The
flip side is that the value returned is mutated by later feeds; take
``copy.deepcopy(parser.value)`` for a snapshot.

The partial value only grows. A container appears as soon as it opens, a key as soon as its
value starts; a string appears at its opening quote and grows, but never shows half an escape;
numbers and literals appear only once complete (a trailing ``12`` may still become ``123``,
``tru`` is not yet ``True``). So every partial value is a *prefix* of the final one: same keys in
the same order, every member but the last equal to its final value, the last one a prefix of it.

Errors are :class:`~partialjson.ParseError` (a :class:`json.JSONDecodeError`), raised by the feed
that delivers the first character no valid document could continue with; ``pos``, ``lineno`` and
``colno`` locate that character in the whole input. What was parsed before it stays readable,
and the events the failing feed caused before it are on ``error.events``: nothing accepted is
lost, and none of it depends on how the input was split.
"""

from __future__ import annotations

import codecs
from typing import Any, Callable, Optional, Union

from .builder import Builder, EventsBuilder
from .errors import IncompleteJSONError, ParseError
from .events import Event
from .lexer import Lexer

__all__ = ["Parser", "loads"]


class _Undecided:
    """No delta has this type: until the first one, feed() checks every delta."""


class Parser:
    """An incremental JSON parser that does O(delta) work per delta.

    >>> from partialjson import Parser
    >>> p = Parser()
    >>> _ = p.feed('{"name": "Ada Lov')
    >>> p.value
    {'name': 'Ada Lov'}
    >>> [e.kind for e in p.feed('elace", "age": 36}')]
    ['string', 'map_key', 'number', 'end_map']
    >>> p.close()
    {'name': 'Ada Lovelace', 'age': 36}

    Options:

    * ``partial_strings`` (default ``True``): show strings while they grow; ``False`` shows a
      string, and its key, only once it is complete.
    * ``partial_numbers`` (default ``False``): show an unfinished number as the number it reads
      so far (``12`` while it may still become ``123``), for UIs that prefer it.
    * ``parse_float`` / ``parse_int``: called with a number's text, as in :func:`json.loads`
      (for example ``decimal.Decimal``).
    * ``max_depth`` (default 1000) and ``max_size`` (characters, default unlimited): limits that
      raise a :class:`ParseError` instead of exhausting memory.
    * ``lenient`` (default ``False``): for non-strict "JSON mode" answers, skip leading prose, a
      ``<think>…</think>`` block and a markdown fence before the first ``{`` or ``[``, and ignore
      whatever follows the root value.
    * ``multiple_values`` (default ``False``): accept several root values one after another (JSON
      Lines, concatenated JSON). :attr:`value` is then the list of roots so far, and every path
      starts with the index of its root.
    * ``events_only`` (default ``False``): build no value, only the events, for a consumer that
      keeps its own view (``TypedParser`` does): :attr:`value` stays ``None`` (or holds a
      scalar root), and memory stays O(depth) whatever the document's size.

    >>> quiet = Parser(events_only=True)
    >>> quiet.feed('{"a": [1]}') == Parser().feed('{"a": [1]}'), quiet.value
    (True, None)
    """

    def __init__(
        self,
        *,
        partial_strings: bool = True,
        partial_numbers: bool = False,
        parse_float: Optional[Callable[[str], Any]] = None,
        parse_int: Optional[Callable[[str], Any]] = None,
        max_depth: int = 1000,
        max_size: Optional[int] = None,
        lenient: bool = False,
        multiple_values: bool = False,
        events_only: bool = False,
    ) -> None:
        if max_depth < 1:
            raise ValueError("max_depth must be at least 1")
        self._multiple = multiple_values
        # Each class called by name: the compiled build then constructs it natively (a class
        # held in a variable is a generic keyword call, ~3k instructions per parser).
        self._builder: Builder
        if events_only:
            self._builder = EventsBuilder(
                partial_strings=partial_strings, multiple_values=multiple_values
            )
        else:
            self._builder = Builder(
                partial_strings=partial_strings, multiple_values=multiple_values
            )
        self._lexer = Lexer(
            self._builder,
            partial_numbers=partial_numbers,
            parse_float=parse_float or float,
            parse_int=parse_int or int,
            max_depth=max_depth,
            max_size=max_size,
            lenient=lenient,
            multiple_values=multiple_values,
        )
        self._input: Optional[type] = None  # str or bytes, fixed by the first non-empty feed
        self._plain_text: type = _Undecided  # str once it is fixed to str: taken as it is
        self._decoder: Optional[codecs.IncrementalDecoder] = None
        self._error: Optional[ParseError] = None
        self._closed = False
        self._halted = False  # failed or closed: feed() refuses

    # ------------------------------------------------------------------ public API

    @property
    def value(self) -> Any:
        """The best-effort value of everything received so far (``None`` before it starts).

        A live view: objects and arrays are updated in place by later feeds. Reading it costs
        O(1): each feed has already put its text in place.
        """
        return self._builder.root

    @property
    def done(self) -> bool:
        """Whether the root value is complete (never, in ``multiple_values`` mode)."""
        return self._lexer.done and not self._multiple

    @property
    def position(self) -> int:
        """How many characters of decoded text have been received."""
        return self._lexer.fed

    def feed(self, delta: Union[str, bytes, bytearray, memoryview]) -> list[Event]:
        """Consume the next piece of the document and return the events it caused.

        ``bytes`` are decoded as UTF-8, incrementally: a character split between two feeds is
        fine. One parser takes either ``str`` or bytes: the first non-empty feed decides, and
        feeding the other kind raises :class:`TypeError` (a character split across a bytes
        feed and a str feed could not be put back in order). Raises :class:`ParseError` on the
        first bad character, with everything before it applied to :attr:`value` and its events
        on ``error.events``.
        """
        # One test for the common case: a non-empty str, once the input is fixed to str and
        # while the parser may still be fed (a failed or closed parser sets _plain_text back to
        # _Undecided, the type no delta has, so _text_of() checks everything, and refuses).
        if type(delta) is self._plain_text and delta:
            # (No cast() call: this runs for every delta.)
            text: str = delta  # type: ignore[assignment]
        else:
            text = self._text_of(delta)
            if not text:
                return []
        try:
            return self._lexer.feed(text)
        except ParseError as error:
            raise self._record(error) from None

    def close(self) -> Any:
        """Declare the end of input and return the complete value.

        Raises :class:`IncompleteJSONError` if the document was cut short (also inside a
        UTF-8 character); :attr:`value` still holds what was received. Calling ``close()``
        again returns the same value.
        """
        if self._closed:
            return self.value
        if self._error is not None:
            raise self._error
        lexer = self._lexer
        try:
            if self._decoder is not None and self._decoder.getstate()[0]:
                self._end_inside_a_character()
            lexer.finish()
        except ParseError as error:
            raise self._record(error) from None
        self._closed = self._halted = True
        self._plain_text = _Undecided  # feed() refuses
        return self.value

    # ------------------------------------------------------------------ input

    def _refuse(self) -> None:
        if self._error is not None:
            raise self._error
        raise RuntimeError("feed() called after close()")

    def _text_of(self, delta: object) -> str:
        if self._halted:
            self._refuse()
        if isinstance(delta, str):
            kind: type = str
        elif isinstance(delta, (bytes, bytearray, memoryview)):
            kind = bytes
        else:
            raise TypeError(f"feed() takes str or bytes, not {type(delta).__name__}")
        if not delta:
            return ""
        if self._input is None:
            self._input = kind
            if kind is str:
                self._plain_text = str
        elif kind is not self._input:
            raise TypeError(
                f"feed() got {kind.__name__} after {self._input.__name__}: feed one parser "
                "either str or UTF-8 bytes, not both"
            )
        if kind is str:
            return delta  # type: ignore[return-value]
        return self._decode(bytes(delta))  # type: ignore[arg-type]

    def _decode(self, data: bytes) -> str:
        if self._decoder is None:
            # RFC 8259 JSON on the wire is UTF-8; a leading BOM is tolerated, as json.loads does.
            self._decoder = codecs.getincrementaldecoder("utf-8-sig")("surrogatepass")
        try:
            return self._decoder.decode(data, False)
        except UnicodeDecodeError as exc:
            # Parse the valid part first so nothing before the bad byte is lost.
            valid = exc.object[: exc.start].decode("utf-8", "surrogatepass")
            self._decoder = codecs.getincrementaldecoder("utf-8-sig")("surrogatepass")
            events = self._lexer.feed(valid) if valid else []
            error = self._lexer.fail_here(f"Invalid UTF-8 ({exc.reason})")
            error.events = events
            raise error from None

    def _end_inside_a_character(self) -> None:
        """The input ended inside a multi-byte UTF-8 character: it was cut short."""
        lexer = self._lexer
        if lexer.at_rest and not lexer.in_opaque_text:
            # A complete document followed by a character (any non-ASCII one is invalid here).
            raise lexer.fail_here("Extra data after the root value: an incomplete UTF-8 character")
        if not lexer.in_opaque_text or not lexer.at_rest:
            raise lexer.fail_truncated(" (the input ends inside a UTF-8 character)")
        # Lenient mode ignores whatever follows the root value, a cut character included.

    def _record(self, error: ParseError) -> ParseError:
        self._error = error
        self._halted = True
        self._plain_text = _Undecided  # feed() refuses
        return error


def loads(text: Union[str, bytes], **options: Any) -> Any:
    """Parse a possibly truncated JSON document in one go and return its best-effort value.

    A drop-in for jiter's partial mode or ``partial_json_parser.loads``: a complete document
    gives exactly what :func:`json.loads` gives; a truncated one gives the value so far, with
    the semantics of :attr:`Parser.value` (a trailing complete number is kept; half a literal,
    an escape or a UTF-8 character is not). Invalid JSON raises :class:`ParseError`. Options are
    :class:`Parser`'s.

    >>> from partialjson import loads
    >>> loads('{"items": [1, 2, {"name": "wid')
    {'items': [1, 2, {'name': 'wid'}]}
    >>> loads('[1, 23')
    [1, 23]
    """
    parser = Parser(**options)
    parser.feed(text)
    try:
        return parser.close()
    except IncompleteJSONError:
        return parser.value

"""The incremental JSON parser: text deltas in, change events and a live partial value out.

Theory of operation
===================

:class:`Parser` is one pushdown state machine in the style of h11: it never reads a socket,
sleeps or imports asyncio. The caller hands it text (or UTF-8 bytes) with :meth:`Parser.feed`
as the text arrives, in any chunking, and gets back the
:mod:`change events <partialjson.core.events>` that delta caused. :attr:`Parser.value` is the
best-effort value of everything received so far; :meth:`Parser.close` declares the end of input
and returns the complete value.

Each delta is consumed once. The scanner walks it with compiled regular expressions (a string's
plain run, a number, a whitespace run) rather than a loop over characters, and keeps no copy of
the consumed text. The only text carried from one delta to the next is a token that cannot be
decided yet: the first characters of a number (``12`` may become ``123``), of ``true`` /
``false`` / ``null``, of an escape sequence (``\\u00``) or of a surrogate pair. A number's text
is re-scanned while it grows, so it is capped (:data:`_MAX_NUMBER_LENGTH`).

The partial value is *live*: objects and arrays are built in place as they arrive, so reading
:attr:`Parser.value` costs nothing but, at most, joining the pieces of the one string that is
still growing (strings are kept as a list of pieces, never rebuilt per delta). The flip side is
that the value returned is mutated by later feeds; take ``copy.deepcopy(parser.value)`` for a
snapshot.

The partial value only grows. A container appears as soon as it opens, a key as soon as its
value starts; a string appears at its opening quote and grows, but never shows half an escape;
numbers and literals appear only once complete (a trailing ``12`` may still become ``123``,
``tru`` is not yet ``True``). So every partial value is a *prefix* of the final one: same keys in
the same order, every member but the last equal to its final value, the last one a prefix of it.

Errors are :class:`~partialjson.ParseError` (a :class:`json.JSONDecodeError`), raised by the feed
that delivers the first character no valid document could continue with; ``pos``, ``lineno`` and
``colno`` locate that character in the whole input. What was parsed before it stays readable.
"""

from __future__ import annotations

import codecs
import re
from typing import Any, Callable, Optional, Union, cast

from .errors import IncompleteJSONError, ParseError
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

__all__ = ["Parser", "loads"]

# Scanner states. Each names what the parser expects next.
_VALUE = 0  # any value: the root, after ':' or after ',' in an array
_ARRAY_FIRST = 1  # after '[': a value or ']'
_OBJECT_FIRST = 2  # after '{': a key or '}'
_KEY = 3  # after ',' in an object: a key
_COLON = 4  # after a key: ':'
_AFTER_VALUE = 5  # after a member: ',' or the closing bracket
_STRING = 6  # inside a string value
_KEY_STRING = 7  # inside a key
_NUMBER = 8  # inside a number (its text so far is carried)
_LITERAL = 9  # inside true / false / null (its text so far is carried)
_END = 10  # the root value is complete: only whitespace may follow
_SEEK = 11  # lenient mode: prose before the first '{' or '['
_THINK = 12  # lenient mode: inside a <think>...</think> block
_TRAILER = 13  # lenient mode: after the root value, everything is ignored

# These patterns match the empty string, so their match() never returns None.
_AlwaysMatch = Callable[[str, int], "re.Match[str]"]
_plain_run = cast(_AlwaysMatch, re.compile(r'[^"\\\x00-\x1f]*').match)
_whitespace = cast(_AlwaysMatch, re.compile(r"[ \t\n\r]*").match)
# The longest prefix of the text that some valid number starts with; then the complete grammar.
_number_prefix = cast(
    _AlwaysMatch,
    re.compile(
        r"-?(?:(?:0|[1-9][0-9]*)(?:\.(?:[0-9]+(?:[eE][+-]?[0-9]*)?)?|[eE][+-]?[0-9]*)?)?"
    ).match,
)
_complete_number = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?").fullmatch
# A whole number, true, false or null; group 1 alone for an integer, 2 or 3 for a float, then
# 4 true, 5 false, 6 null (read off Match.lastindex).
_whole_scalar = re.compile(
    r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][+-]?[0-9]+)?|(true)|(false)|(null)"
).match
_hex4 = re.compile(r"[0-9a-fA-F]{4}").fullmatch
_seek_root = re.compile(r"[{\[]|<think>").search

_SIMPLE_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_LITERALS: dict[str, tuple[str, Any, type[Event]]] = {
    "t": ("true", True, Boolean),
    "f": ("false", False, Boolean),
    "n": ("null", None, Null),
}
_MAX_NUMBER_LENGTH = 10_000
_THINK_OPEN, _THINK_CLOSE = "<think>", "</think>"


def _describe(char: str) -> str:
    """How an unexpected character is named in an error message."""
    return repr(char) if char.isprintable() else f"U+{ord(char):04X}"


def _tail_prefix_of(text: str, start: int, word: str) -> str:
    """The end of ``text[start:]`` that could be the beginning of ``word`` (split tags)."""
    tail = text[max(start, len(text) - len(word) + 1) :]
    for k in range(len(tail)):
        if word.startswith(tail[k:]):
            return tail[k:]
    return ""


class Parser:
    """An incremental JSON parser that does O(delta) work per delta.

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
    ) -> None:
        if max_depth < 1:
            raise ValueError("max_depth must be at least 1")
        self._partial_strings = partial_strings
        self._partial_numbers = partial_numbers
        self._parse_float: Callable[[str], Any] = parse_float or float
        self._parse_int: Callable[[str], Any] = parse_int or int
        self._max_depth = max_depth
        self._max_size = max_size
        self._lenient = lenient
        self._multiple = multiple_values

        # The stack of open containers, as three parallel lists: the container itself, its
        # path, and the key (object) or index (array) of the member being parsed. In
        # multiple-values mode the bottom entry is the list of roots.
        self._containers: list[Any] = []
        self._paths: list[Path] = []
        self._keys: list[Any] = []
        self._base_depth = 0
        self._root: Any = None
        if multiple_values:
            self._root = []
            self._containers.append(self._root)
            self._paths.append(())
            self._keys.append(0)
            self._base_depth = 1

        self._state = _SEEK if lenient else _VALUE
        self._carry = ""  # undecided token text carried to the next delta
        self._token_start = 0  # absolute offset of the token in _carry / the current string
        self._pieces: list[str] = []  # the growing string (value or key), as pieces
        self._string_path: Path = ()
        self._string_attached = False  # the growing string has a slot in its container
        self._dirty = False  # the growing string's slot is behind its pieces
        self._number_shown = False  # partial_numbers: an unfinished number has a slot

        self._decoder: Optional[codecs.IncrementalDecoder] = None
        self._fed = 0  # characters received so far
        self._lines = 0  # newlines received before the current delta
        self._last_newline = -1  # absolute offset of the last of them
        self._error: Optional[ParseError] = None
        self._closed = False
        self._halted = False  # failed or closed: feed() refuses

    # ------------------------------------------------------------------ public API

    @property
    def value(self) -> Any:
        """The best-effort value of everything received so far (``None`` before it starts).

        A live view: objects and arrays are updated in place by later feeds.
        """
        if self._dirty:
            # Join the growing string's pieces once, and put it in its slot.
            self._dirty = False
            pieces = self._pieces
            joined = pieces[0] if len(pieces) == 1 else "".join(pieces)
            pieces[:] = [joined]
            if self._containers:
                self._containers[-1][self._keys[-1]] = joined
            else:
                self._root = joined
        return self._root

    @property
    def done(self) -> bool:
        """Whether the root value is complete (never, in ``multiple_values`` mode)."""
        return self._state in (_END, _TRAILER) and not self._multiple

    @property
    def position(self) -> int:
        """How many characters of decoded text have been received."""
        return self._fed

    def feed(self, delta: Union[str, bytes, bytearray, memoryview]) -> list[Event]:
        """Consume the next piece of the document and return the events it caused.

        ``bytes`` are decoded as UTF-8, incrementally: a character split between two feeds is
        fine. Raises :class:`ParseError` on the first bad character, with everything before it
        applied to :attr:`value`.
        """
        if self._halted:
            self._refuse()
        text = delta if type(delta) is str else self._text_of(delta)
        if not text:
            return []
        if (
            self._state == _STRING
            and not self._carry
            and '"' not in text
            and "\\" not in text
            and text.isprintable()  # no control character (and no rarer unicode: slow path)
            and (self._max_size is None or self._fed + len(text) <= self._max_size)
        ):
            # Fast path: the whole delta is more plain text of the open string, the common case
            # inside long strings. It does what _consume would, without the dispatch.
            self._pieces.append(text)
            self._fed += len(text)
            self._dirty = self._partial_strings
            return [StringFragment(self._string_path, text)]
        return self._consume(text)

    def close(self) -> Any:
        """Declare the end of input and return the complete value.

        Raises :class:`IncompleteJSONError` if the document was cut short; :attr:`value` still
        holds what was received. Calling ``close()`` again returns the same value.
        """
        if self._closed:
            return self.value
        if self._error is not None:
            raise self._error
        if self._decoder is not None:
            self._consume(self._decode(b"", final=True))
        if self._state == _NUMBER and _complete_number(self._carry):
            # End of input is the delimiter a trailing number was waiting for.
            self._finish_number(self._carry, self._carry, 0, self._token_start, [])
            self._carry = ""
            self._state = self._after_value()
        at_rest = self._state in (_END, _TRAILER) or (
            self._multiple and self._state in (_VALUE, _SEEK) and len(self._containers) == 1
        )
        if not at_rest:
            raise self._fail_truncated()
        self._closed = self._halted = True
        return self.value

    # ------------------------------------------------------------------ input

    def _refuse(self) -> None:
        if self._error is not None:
            raise self._error
        raise RuntimeError("feed() called after close()")

    def _text_of(self, delta: object) -> str:
        if isinstance(delta, str):
            return delta
        if isinstance(delta, (bytes, bytearray, memoryview)):
            return self._decode(bytes(delta), final=False)
        raise TypeError(f"feed() takes str or bytes, not {type(delta).__name__}")

    def _decode(self, data: bytes, final: bool) -> str:
        if self._decoder is None:
            # RFC 8259 JSON on the wire is UTF-8; a leading BOM is tolerated, as json.loads does.
            self._decoder = codecs.getincrementaldecoder("utf-8-sig")("surrogatepass")
        try:
            return self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            # Parse the valid part first so nothing before the bad byte is lost.
            valid = exc.object[: exc.start].decode("utf-8", "surrogatepass")
            self._decoder = codecs.getincrementaldecoder("utf-8-sig")("surrogatepass")
            if valid:
                self._consume(valid)
            pos = self._fed
            raise self._record(
                ParseError(
                    f"Invalid UTF-8 ({exc.reason})",
                    valid,
                    pos,
                    self._lines + 1,
                    pos - self._last_newline,
                )
            ) from None

    # ------------------------------------------------------------------ the scanner

    def _consume(self, text: str) -> list[Event]:
        # One loop over the delta, dispatching on the state. It is long on purpose: this is the
        # hot path, and keeping the common transitions inline, on local names, is what keeps a
        # token-sized delta near a microsecond. Rare transitions are methods.
        if self._max_size is not None and self._fed + len(text) > self._max_size:
            return self._refuse_oversize(text)
        buf = text
        if self._carry:
            buf = self._carry + text
            self._carry = ""
        base = self._fed - (len(buf) - len(text))
        self._fed += len(text)
        events: list[Event] = []
        containers, keys, paths = self._containers, self._keys, self._paths
        pieces = self._pieces
        state = self._state
        n = len(buf)
        i = 0
        string_new = False
        pieces_seen = len(pieces)  # empty unless a string is open
        try:
            while i < n:
                if state == _STRING or state == _KEY_STRING:
                    j = _plain_run(buf, i).end()
                    if j > i:
                        pieces.append(buf[i:j])
                        i = j
                        if i == n:
                            break
                    c = buf[i]
                    if c == '"':
                        i += 1
                        string = pieces[0] if len(pieces) == 1 else "".join(pieces)
                        pieces.clear()
                        if state == _KEY_STRING:
                            keys[-1] = string
                            events.append(MapKey(paths[-1], string))
                            # Take the usual `": "` at once rather than by another dispatch.
                            if i < n and buf[i] == ":":
                                i += 1
                                state = _VALUE
                                if i < n and buf[i] == " ":
                                    i += 1
                            else:
                                state = _COLON
                            continue
                        # The string value is complete: put it in its slot.
                        string_new = False
                        self._dirty = False
                        if containers:
                            top = containers[-1]
                            if self._string_attached or type(top) is dict:
                                top[keys[-1]] = string
                            else:
                                top.append(string)
                        else:
                            self._root = string
                        events.append(String(self._string_path, string))
                        state = (
                            _AFTER_VALUE
                            if len(containers) > self._base_depth
                            else self._after_root()
                        )
                    elif c == "\\":
                        j = self._unescape(buf, i, base)
                        if j < 0:
                            self._carry = buf[i:]
                            break
                        i = j
                    else:
                        raise self._fail(
                            f"Invalid control character {_describe(c)} in string", buf, i, base
                        )
                    continue

                # Every other state skips whitespace first (a carried number or literal never
                # starts with it, and prose skipped in lenient mode may lose it harmlessly).
                c = buf[i]
                if c == " " or c == "\n" or c == "\t" or c == "\r":
                    i = _whitespace(buf, i).end()
                    if i == n:
                        break
                    c = buf[i]

                if state == _AFTER_VALUE:
                    i += 1
                    if c == ",":
                        # Take the usual `, "` (or `, `) at once rather than by another dispatch.
                        if i < n and buf[i] == " ":
                            i += 1
                        if type(containers[-1]) is not dict:
                            keys[-1] += 1
                            state = _VALUE
                        elif i < n and buf[i] == '"':
                            self._token_start = base + i
                            i += 1
                            state = _KEY_STRING
                        else:
                            state = _KEY
                    elif c == "}" if type(containers[-1]) is dict else c == "]":
                        events.append(EndMap(paths[-1]) if c == "}" else EndArray(paths[-1]))
                        containers.pop()
                        paths.pop()
                        keys.pop()
                        state = (
                            _AFTER_VALUE
                            if len(containers) > self._base_depth
                            else self._after_root()
                        )
                    else:
                        closer = "'}'" if type(containers[-1]) is dict else "']'"
                        raise self._fail(
                            f"Expecting ',' delimiter or {closer}, found {_describe(c)}",
                            buf,
                            i - 1,
                            base,
                        )
                    continue

                if state <= _ARRAY_FIRST or state == _NUMBER or state == _LITERAL:
                    # A value starts here, or a number or literal carried from the last delta
                    # goes on (then c is its first character, never whitespace).
                    if c == '"':
                        # A string value starts: it appears at once, as "", and grows.
                        self._token_start = base + i
                        i += 1
                        path = (*paths[-1], keys[-1]) if containers else ()
                        self._string_path = path
                        string_new = True
                        pieces_seen = 0
                        self._string_attached = attached = self._partial_strings
                        if attached:
                            if containers:
                                top = containers[-1]
                                if type(top) is dict:
                                    top[keys[-1]] = ""
                                else:
                                    top.append("")
                            else:
                                self._root = ""
                        state = _STRING
                    elif c == "{" or c == "[":
                        if len(containers) - self._base_depth >= self._max_depth:
                            raise self._fail(
                                f"Nesting deeper than max_depth={self._max_depth}", buf, i, base
                            )
                        i += 1
                        state = self._open_container(c == "{", events)
                    elif c in "-0123456789tfn":
                        m = _whole_scalar(buf, i)
                        kind = m.lastindex if m else None
                        j = m.end() if m else n
                        if (
                            kind is None
                            or (kind <= 3 and (j == n or buf[j] in "0123456789.eE+-"))
                            or self._number_shown
                        ):
                            # Unfinished (or invalid): carried to the next delta, or an error.
                            if c in "tfn":
                                state, i = self._scan_literal(buf, i, base, events)
                            else:
                                state, i = self._scan_number(buf, i, base, events)
                            continue
                        path = (*paths[-1], keys[-1]) if containers else ()
                        if kind == 1:
                            try:
                                value: Any = self._parse_int(buf[i:j])
                            except ValueError:  # too many digits: let the slow path explain
                                state, i = self._scan_number(buf, i, base, events)
                                continue
                            event: Event = Number(path, value)
                        elif kind <= 3:
                            value = self._parse_float(buf[i:j])
                            event = Number(path, value)
                        elif kind == 6:
                            value = None
                            event = Null(path)
                        else:
                            value = kind == 4
                            event = Boolean(path, value)
                        i = j
                        if containers:
                            top = containers[-1]
                            if type(top) is dict:
                                top[keys[-1]] = value
                            else:
                                top.append(value)
                        else:
                            self._root = value
                        events.append(event)
                        state = (
                            _AFTER_VALUE
                            if len(containers) > self._base_depth
                            else self._after_root()
                        )
                    elif c == "]" and state == _ARRAY_FIRST:
                        i += 1
                        events.append(EndArray(paths[-1]))
                        state = self._pop()
                    else:
                        if c == "\ufeff" and base + i == 0:
                            raise self._fail(
                                "Unexpected UTF-8 BOM (decode using utf-8-sig)", buf, i, base
                            )
                        raise self._fail(f"Expecting value, found {_describe(c)}", buf, i, base)
                    continue

                if state == _KEY or state == _OBJECT_FIRST:
                    if c == '"':
                        self._token_start = base + i
                        i += 1
                        state = _KEY_STRING
                    elif c == "}" and state == _OBJECT_FIRST:
                        i += 1
                        events.append(EndMap(paths[-1]))
                        state = self._pop()
                    else:
                        raise self._fail(
                            "Expecting property name enclosed in double quotes, found "
                            + _describe(c),
                            buf,
                            i,
                            base,
                        )
                    continue

                if state == _COLON:
                    if c != ":":
                        raise self._fail(
                            f"Expecting ':' delimiter, found {_describe(c)}", buf, i, base
                        )
                    i += 1
                    state = _VALUE
                    continue

                if state == _END:
                    raise self._fail(
                        f"Extra data after the root value: {_describe(c)}", buf, i, base
                    )
                elif state == _SEEK:
                    state, i = self._seek_root(buf, i)
                elif state == _THINK:
                    j = buf.find(_THINK_CLOSE, i)
                    if j < 0:
                        self._carry = _tail_prefix_of(buf, i, _THINK_CLOSE)
                        break
                    state, i = _SEEK, j + len(_THINK_CLOSE)
                else:  # _TRAILER
                    break
        except ParseError as error:
            error.events = events
            raise
        finally:
            self._state = state
            if state == _STRING and (string_new or len(pieces) > pieces_seen):
                # Report the open string's new text, and mark its slot stale.
                events.append(StringFragment(self._string_path, "".join(pieces[pieces_seen:])))
                self._dirty = self._partial_strings
            elif state == _NUMBER and self._partial_numbers:
                self._show_partial_number()
            if "\n" in text:
                self._lines += text.count("\n")
                self._last_newline = self._fed - len(text) + text.rfind("\n")
        return events

    def _refuse_oversize(self, text: str) -> list[Event]:
        assert self._max_size is not None
        allowed = self._max_size - self._fed
        if allowed > 0:
            self._consume(text[:allowed])
        raise self._fail(f"Document exceeds max_size of {self._max_size} characters", "", 0)

    # ------------------------------------------------------------------ transitions

    def _value_path(self) -> Path:
        if self._containers:
            return (*self._paths[-1], self._keys[-1])
        return ()

    def _attach(self, value: Any) -> None:
        """Put a value that starts (or completes) now into its container."""
        if self._containers:
            container = self._containers[-1]
            if type(container) is dict:
                container[self._keys[-1]] = value
            else:
                container.append(value)
        else:
            self._root = value

    def _set_slot(self, value: Any) -> None:
        """Overwrite the slot of the member being parsed (it was attached when it started)."""
        if self._containers:
            self._containers[-1][self._keys[-1]] = value
        else:
            self._root = value

    def _after_value(self) -> int:
        """The state after a value completed: the next member, or the end of the root."""
        if len(self._containers) > self._base_depth:
            return _AFTER_VALUE
        return self._after_root()

    def _after_root(self) -> int:
        """The state after a root value completed."""
        if self._multiple:
            self._keys[0] += 1
            return _SEEK if self._lenient else _VALUE
        return _TRAILER if self._lenient else _END

    def _open_container(self, is_object: bool, events: list[Event]) -> int:
        path = self._value_path()
        container: Any = {} if is_object else []
        self._attach(container)
        self._containers.append(container)
        self._paths.append(path)
        self._keys.append(None if is_object else 0)
        events.append(StartMap(path) if is_object else StartArray(path))
        return _OBJECT_FIRST if is_object else _ARRAY_FIRST

    def _pop(self) -> int:
        self._containers.pop()
        self._paths.pop()
        self._keys.pop()
        return self._after_value()

    def _unescape(self, buf: str, i: int, base: int) -> int:
        """Decode the escape at ``buf[i]`` (a backslash) into the pieces.

        Returns the index after it, or -1 when the delta ends before the escape does (the
        caller carries it to the next delta, so half an escape is never shown).
        """
        n = len(buf)
        if i + 1 >= n:
            return -1
        c = buf[i + 1]
        simple = _SIMPLE_ESCAPES.get(c)
        if simple is not None:
            self._pieces.append(simple)
            return i + 2
        if c != "u":
            raise self._fail(f"Invalid \\escape: {_describe(c)}", buf, i + 1, base)
        code = self._hex_escape(buf, i, base)
        if code < 0:
            return -1
        if 0xD800 <= code <= 0xDBFF:
            # A high surrogate: wait to see whether a low one follows, to combine them.
            j = i + 6
            follower = buf[j : j + 6]
            if (
                len(follower) < 6
                and "\\u".startswith(follower[:2])
                and (len(follower) <= 2 or all(h in "0123456789abcdefABCDEF" for h in follower[2:]))
            ):
                return -1
            if follower[:2] == "\\u" and _hex4(follower[2:]):
                low = int(follower[2:], 16)
                if 0xDC00 <= low <= 0xDFFF:
                    self._pieces.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                    return j + 6
        self._pieces.append(chr(code))
        return i + 6

    def _hex_escape(self, buf: str, i: int, base: int) -> int:
        """The code unit of the ``\\uXXXX`` escape at ``buf[i]``, or -1 if it is not all here."""
        digits = buf[i + 2 : i + 6]
        if _hex4(digits):
            return int(digits, 16)
        for k, h in enumerate(digits):
            if h not in "0123456789abcdefABCDEF":
                raise self._fail(f"Invalid \\uXXXX escape: {_describe(h)}", buf, i + 2 + k, base)
        return int(digits, 16) if len(digits) == 4 else -1

    def _scan_number(self, buf: str, i: int, base: int, events: list[Event]) -> tuple[int, int]:
        # self._state is still the state the delta started in: a number continues from the
        # carry only at the very start of the delta.
        if self._state != _NUMBER or i > 0:
            self._token_start = base + i
        j = _number_prefix(buf, i).end()
        if j == len(buf):
            if j - i > _MAX_NUMBER_LENGTH:
                raise self._fail(
                    f"Number longer than {_MAX_NUMBER_LENGTH} characters", buf, i, base
                )
            self._carry = buf[i:]
            return _NUMBER, j
        text = buf[i:j]
        if not _complete_number(text):
            raise self._fail(
                f"Invalid number {text!r}: expecting a digit, found {_describe(buf[j])}",
                buf,
                j,
                base,
            )
        self._finish_number(text, buf, i, base, events)
        return self._after_value(), j

    def _finish_number(self, text: str, buf: str, i: int, base: int, events: list[Event]) -> None:
        """Convert the complete number ``text`` (which starts at ``buf[i]``) and attach it."""
        match = _complete_number(text)
        assert match is not None
        try:
            number = (
                self._parse_float(text)
                if match.group(1) or match.group(2)
                else self._parse_int(text)
            )
        except ValueError as exc:  # e.g. more digits than int() converts
            raise self._fail(f"Number cannot be converted ({exc})", buf, i, base) from None
        if self._number_shown:
            self._set_slot(number)
            self._number_shown = False
        else:
            self._attach(number)
        events.append(Number(self._value_path(), number))

    def _scan_literal(self, buf: str, i: int, base: int, events: list[Event]) -> tuple[int, int]:
        carried = self._state == _LITERAL and i == 0
        if not carried:
            self._token_start = base + i
        word, value, event_type = _LITERALS[buf[i]]
        got = buf[i : i + len(word)]
        for k, c in enumerate(got):
            if c != word[k]:
                raise self._fail(f"Expecting {word!r}, found {_describe(c)}", buf, i + k, base)
        if len(got) < len(word):
            self._carry = got
            return _LITERAL, len(buf)
        self._attach(value)
        path = self._value_path()
        events.append(Boolean(path, value) if event_type is Boolean else Null(path))
        return self._after_value(), i + len(word)

    def _seek_root(self, buf: str, i: int) -> tuple[int, int]:
        match = _seek_root(buf, i)
        if match is None:
            self._carry = _tail_prefix_of(buf, i, _THINK_OPEN)
            return _SEEK, len(buf)
        if match.group() == _THINK_OPEN:
            return _THINK, match.end()
        return _VALUE, match.start()

    # ------------------------------------------------------------------ bookkeeping

    def _show_partial_number(self) -> None:
        text = self._carry.rstrip(".eE+-")
        if not text or text == "-":
            return
        if "." in text or "e" in text or "E" in text:
            number = self._parse_float(text)
        else:
            number = self._parse_int(text)
        if self._number_shown:
            self._set_slot(number)
        else:
            self._attach(number)
            self._number_shown = True

    def _fail(self, msg: str, buf: str, i: int, base: Optional[int] = None) -> ParseError:
        """Build (and remember) the error for the bad character ``buf[i]``."""
        if base is None:
            base = self._fed - len(buf)
        pos = base + i
        newlines = buf.count("\n", 0, i)
        if newlines:
            lineno = self._lines + newlines + 1
            colno = i - buf.rfind("\n", 0, i)
        else:
            lineno = self._lines + 1
            colno = pos - self._last_newline
        return self._record(ParseError(msg, buf, pos, lineno, colno))

    def _fail_truncated(self) -> IncompleteJSONError:
        state = self._state
        if state in (_STRING, _KEY_STRING):
            msg = f"Unterminated string starting at char {self._token_start}"
        elif state in (_OBJECT_FIRST, _KEY):
            msg = "Expecting property name enclosed in double quotes"
        elif state == _COLON:
            msg = "Expecting ':' delimiter"
        elif state == _AFTER_VALUE:
            msg = "Expecting ',' delimiter or '" + (
                "}'" if type(self._containers[-1]) is dict else "]'"
            )
        elif state in (_SEEK, _THINK):
            msg = "No JSON object or array found"
        else:
            msg = "Expecting value"
        error = IncompleteJSONError(
            f"Truncated input: {msg}",
            "",
            self._fed,
            self._lines + 1,
            self._fed - self._last_newline,
        )
        self._record(error)
        return error

    def _record(self, error: ParseError) -> ParseError:
        self._error = error
        self._halted = True
        return error


def loads(text: Union[str, bytes], **options: Any) -> Any:
    """Parse a possibly truncated JSON document in one go and return its best-effort value.

    A drop-in for jiter's partial mode or ``partial_json_parser.loads``: a complete document
    gives exactly what :func:`json.loads` gives; a truncated one gives the value so far, with
    the semantics of :attr:`Parser.value` (a trailing complete number is kept, half a literal or
    escape is not). Invalid JSON raises :class:`ParseError`. Options are :class:`Parser`'s.

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

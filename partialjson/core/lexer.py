"""The lexer: text deltas in, tokens out to the :class:`~partialjson.core.builder.Builder`.

It owns the grammar (a state and a stack of the open brackets), the carried text of a token
that cannot be decided yet, positions, limits and errors. See the theory of operation in
:mod:`partialjson.core.parser`.
"""

from __future__ import annotations

import functools
import json
import json.decoder
import json.scanner
import re
import sys
import types
from typing import Any, Callable, Final, Optional, cast

from .builder import Boxed, Builder, Pairs, nests_deeper
from .errors import IncompleteJSONError, ParseError
from .eventlist import EventList
from .events import Boolean, Event, Null, Number

__all__ = ["MAX_NUMBER_LENGTH", "Lexer"]

# States. Each names what the lexer expects next. (Module constants are Final: the compiled
# build, mypyc, then inlines them rather than looking them up in the module's dict.)
# The scanner tests them in this order, most with one comparison (`state <= _KEY_STRING`).
_STRING: Final = 0  # inside a string value
_KEY_STRING: Final = 1  # inside a key
_VALUE: Final = 2  # any value: the root, after ':' or after ',' in an array
_ARRAY_FIRST: Final = 3  # after '[': a value or ']'
_OBJECT_FIRST: Final = 4  # after '{': a key or '}'
_KEY: Final = 5  # after ',' in an object: a key
_COLON: Final = 6  # after a key: ':'
_AFTER_VALUE: Final = 7  # after a member: ',' or the closing bracket
_NUMBER: Final = 8  # inside a number (its text so far is kept)
_LITERAL: Final = 9  # inside true / false / null (its text so far is carried)
_END: Final = 10  # the root value is complete: only whitespace may follow
_SEEK: Final = 11  # lenient mode: prose before the first '{' or '['
_THINK: Final = 12  # lenient mode: inside a <think>...</think> block
_TRAILER: Final = 13  # lenient mode: after the root value, everything is ignored

# These patterns match the empty string, so their match() never returns None.
_AlwaysMatch = Callable[[str, int], "re.Match[str]"]
_plain_run: Final = cast(_AlwaysMatch, re.compile(r'[^"\\\x00-\x1f]*').match)
_whitespace: Final = cast(_AlwaysMatch, re.compile(r"[ \t\n\r]*").match)
# The longest prefix of the text that some valid number starts with; then the complete grammar.
_number_prefix: Final = cast(
    _AlwaysMatch,
    re.compile(
        r"-?(?:(?:0|[1-9][0-9]*)(?:\.(?:[0-9]+(?:[eE][+-]?[0-9]*)?)?|[eE][+-]?[0-9]*)?)?"
    ).match,
)
_complete_number: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?").fullmatch
# Digit runs that a one-digit run stands for in the number grammar (see _continue_number).
_digit_runs: Final = re.compile(r"[0-9]{2,}").sub
# Every character a number may hold: a delta that starts with another one ends the number.
_NUMBER_CHARS: Final = "0123456789.eE+-"
# A whole number: group 1 alone for an integer, 2 or 3 for a float (read off Match.lastindex).
_whole_number: Final = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][+-]?[0-9]+)?").match
_c_scanstring: Final[Optional[Callable[[str, int, bool], tuple[str, int]]]] = getattr(
    json.decoder, "c_scanstring", None
)
# A separator in an array followed by a container: the bulk path reads on (see Lexer._bulk).
_next_container: Final = re.compile(r"[ \t\n\r]*,[ \t\n\r]*(?=[{\[])").match
# The last closing bracket of the delta followed by a separator and an opening one: where the
# last container member that may be whole ends (group 1's end), if the brackets are structural
# (see Lexer._bulk_members). Greedy `.*` finds the last one backwards from the end of the delta.
_last_gap: Final = re.compile(r"(?s).*([}\]])[ \t\n\r]*,[ \t\n\r]*[{\[]").match
_hex4: Final = re.compile(r"[0-9a-fA-F]{4}").fullmatch
# str.isprintable as a function: the compiled build calls it directly, rather than looking the
# method up by name on every call (mypyc has no primitive for it).
_is_printable: Final[Callable[[str], bool]] = str.isprintable
_seek_root: Final = re.compile(r"[{\[]|<think>").search

_SIMPLE_ESCAPES: Final = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
_LITERALS: Final[dict[str, tuple[str, Any, type[Event]]]] = {
    "t": ("true", True, Boolean),
    "f": ("false", False, Boolean),
    "n": ("null", None, Null),
}
#: Numbers longer than this many characters are a ParseError, however they are split.
MAX_NUMBER_LENGTH: Final = 10_000
# An unfinished number this long or shorter is kept as one piece and scanned again whole when
# it goes on; a longer one is scanned on from its grammar form (see _continue_number).
_SHORT_NUMBER: Final = 32
# String text with at most this many characters left in the delta is scanned with str methods
# rather than the _plain_run regex (see Lexer.feed).
_SHORT_RUN: Final = 64
_THINK_OPEN: Final = "<think>"
_THINK_CLOSE: Final = "</think>"
# The bulk path: values that start this far from the end of a delta are first offered to the
# stdlib's C scanner; failed offers may cost at most this many times the delta.
_BULK_MIN = 32  # (not Final: a test lowers it)
_BULK_WASTE: Final = 4


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


def _closing_quote(buf: str, i: int) -> int:
    """The first quote at or after ``buf[i]`` (where an escape or text starts) that no
    backslash escapes, or -1. Costs O(quotes up to it): each escaped quote is a step."""
    quote = buf.find('"', i)
    while quote >= 0:
        run = quote
        while run > i and buf[run - 1] == "\\":
            run -= 1
        if (quote - run) % 2 == 0:
            return quote
        quote = buf.find('"', quote + 1)
    return -1


# Whether this module runs as Python code (the pure build), not compiled by mypyc (which
# makes its functions built-in ones): where the cheaper way to do something differs between
# the two builds (see Lexer.feed).
_INTERPRETED: Final = isinstance(_closing_quote, types.FunctionType)


class _Rejected(Exception):
    """Raised inside the stdlib scanner for what strict JSON (or a limit) does not allow."""


def _after_container(buf: str, i: int) -> bool:
    """Whether ``buf[:i]`` ends with a closing bracket and a separator (``}, `` or ``], ``)."""
    i -= 1
    while i >= 0 and buf[i] in " \t\n\r":
        i -= 1
    if i < 0 or buf[i] != ",":
        return False
    i -= 1
    while i >= 0 and buf[i] in " \t\n\r":
        i -= 1
    return i >= 0 and (buf[i] == "}" or buf[i] == "]")


def _reject(_: str) -> Any:
    raise _Rejected


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The scanner's object hook: a dict, or a refusal for a repeated key (whose events the
    token-by-token path gives: both keys, then the last value)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Rejected
    return obj


def _checked_length(convert: Callable[[str], Any], box: bool) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_LENGTH:
            raise _Rejected
        return Boxed(convert(text)) if box else convert(text)

    return parse


@functools.lru_cache(maxsize=16)
def _make_scanner(
    parse_float: Callable[[str], Any], parse_int: Callable[[str], Any]
) -> Optional[Callable[[str, int], tuple[Any, int]]]:
    """The stdlib's C scanner, set up to agree with the token-by-token path, or None."""
    c_make_scanner = getattr(json.scanner, "c_make_scanner", None)
    if c_make_scanner is None:
        return None
    custom = parse_float is not float or parse_int is not int
    # int() refuses more digits than sys.get_int_max_str_digits() (4300 by default), well
    # under the length limit; only when that limit is off must the scanner check it.
    int_limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    int_checked = custom or not 0 < int_limit <= MAX_NUMBER_LENGTH
    decoder = json.JSONDecoder(
        # Custom numbers may be of any type, containers included: the tree of Pairs and Boxed
        # numbers tells them apart, and Builder.tree walks it. Default numbers give plain
        # dicts and lists, whose events are built only when used (Builder.subtree).
        object_pairs_hook=Pairs if custom else _object,
        parse_constant=_reject,  # NaN, Infinity, -Infinity are not JSON
        parse_float=_checked_length(parse_float, custom),
        parse_int=_checked_length(parse_int, custom) if int_checked else int,
    )
    return cast(Callable[[str, int], tuple[Any, int]], c_make_scanner(decoder))


class Lexer:
    """Scans each delta once and drives a :class:`Builder` token by token (or, for a
    complete sub-document inside a big delta, in one go through the stdlib's C scanner)."""

    def __init__(
        self,
        builder: Builder,
        *,
        partial_numbers: bool,
        parse_float: Callable[[str], Any],
        parse_int: Callable[[str], Any],
        max_depth: int,
        max_size: Optional[int],
        lenient: bool,
        multiple_values: bool,
    ) -> None:
        self.builder = builder
        self.partial_numbers = partial_numbers
        self.parse_float = parse_float
        self.parse_int = parse_int
        self.max_depth = max_depth
        self.max_size = max_size
        self.lenient = lenient
        self.multiple = multiple_values
        self.scan_once = _make_scanner(parse_float, parse_int)
        self.custom_numbers = parse_float is not float or parse_int is not int
        self.scanstring = _c_scanstring

        self.state = _SEEK if lenient else _VALUE
        self.closers: list[str] = []  # the closing bracket of each open container
        self.carry = ""  # undecided literal, escape or tag text carried to the next delta
        self.number: list[str] = []  # the unfinished number's text, as pieces
        self.number_form = ""  # a short text in the same state of the number grammar ("": not
        # worked out yet, the number is one piece)
        self.number_length = 0
        self.token_start = 0  # absolute offset of the current string or number
        self.fed = 0  # characters received so far
        self.lines = 0  # newlines received before the current delta
        self.last_newline = -1  # absolute offset of the last of them
        self.bulk_waste = 0  # characters the C scanner read in vain during this delta
        self.deferred = False  # this delta's events hold Deferred entries (the bulk path)
        self.bulk_refused = -1  # where in this delta the C scanner last failed
        self.bulk_delta = -1  # the delta they are about (its end offset, self.fed)
        self.bulk_gap = -2  # where the delta's last whole member may end (-1: none; -2: unknown)

    # ------------------------------------------------------------------ queries

    @property
    def done(self) -> bool:
        return self.state in (_END, _TRAILER)

    @property
    def at_rest(self) -> bool:
        """Whether the input may end here."""
        return self.state in (_END, _TRAILER) or (
            self.multiple and self.state in (_VALUE, _SEEK) and not self.closers
        )

    @property
    def in_opaque_text(self) -> bool:
        """Inside a string, prose or a trailer: where any character may come next."""
        return self.state in (_STRING, _KEY_STRING, _SEEK, _THINK, _TRAILER)

    # ------------------------------------------------------------------ feeding

    def feed(self, text: str) -> list[Event]:
        """Consume a non-empty delta and return the events it caused.

        One loop over the delta, dispatching on the state. It is long on purpose: this is the
        hot path, and keeping the common transitions inline, on local names, is what keeps a
        token-sized delta near a microsecond. Rare transitions are methods. A delta that is
        only more plain text of the open string or key is taken before the loop's set-up (the
        parser calls this method for every delta: one frame, no fast path of its own).
        """
        max_size = self.max_size
        if max_size is not None and self.fed + len(text) > max_size:
            return self._refuse_oversize(text, max_size)
        state = self.state
        if (
            state <= _KEY_STRING  # inside a string (value or key)
            and not self.carry  # no escape pending
            and '"' not in text
            and "\\" not in text
            and _is_printable(text)  # no control character (nor rarer unicode: the loop below)
        ):
            # The whole delta is more plain text of the open string or key: the common case
            # inside long strings, taken before the loop's set-up.
            self.fed += len(text)
            if state == _KEY_STRING:  # a key shows once complete: its pieces wait
                self.builder.pending.append(text)
                return []
            events: list[Event] = []
            self.builder.grow(text, events)
            return events
        events = []
        base = self.fed
        self.fed = base + len(text)
        # Where the C decoder read the text of a string with no newline (strict: it refuses
        # control characters), in text's coordinates: the line count need not scan it again.
        plain_start = plain_end = 0
        try:
            builder = self.builder
            closers = self.closers
            pending = builder.pending
            buf = text
            i = 0
            if state == _NUMBER:
                i = self._continue_number(text, base, events)
                state = self.state
            elif self.carry:
                buf = self.carry + text
                base -= len(self.carry)
                self.carry = ""
            n = len(buf)
            string_new = False
            decode_in_c = True  # until the C decoder makes no progress in this delta
            # The delta goes on with a string value it did not open, already half as long as
            # the delta: a long one, likely to run through it. (Were it to end early, what
            # _decode_run copies in vain is at most twice the text it had: short strings, as
            # records have, are not worth that copy.)
            spanning = state == _STRING and 2 * len(builder.joined) >= len(text)
            try:
                while i < n:
                    if state <= _KEY_STRING:  # _STRING or _KEY_STRING
                        if n - i <= _SHORT_RUN:
                            # A token-sized rest: its text up to the next quote or backslash is
                            # most often all plain (str methods cost less here than a regex
                            # match, which allocates its stack).
                            if _INTERPRETED:
                                # The pure build: `in` tests and partition() rather than find()
                                # and slices, which cost it twice as much (find() parses its
                                # arguments from a tuple), ~-4.5% per delta on records.
                                run = buf[i:] if i else buf
                                if '"' in run:
                                    run = run.partition('"')[0]
                                if "\\" in run:  # it ends at an escape
                                    run = run.partition("\\")[0]
                                j = i + len(run)
                            else:
                                # The compiled build calls find() and slices directly: cheaper
                                # there than partition(), which allocates a tuple.
                                j = buf.find('"', i)
                                if j < 0:
                                    j = n
                                run = buf[i:j]
                                if "\\" in run:  # it ends at an escape
                                    run = run[: run.find("\\")]
                                    j = i + len(run)
                            if not _is_printable(run):  # a control character, or rarer unicode
                                j = _plain_run(buf, i).end()
                                run = buf[i:j]
                        else:
                            if spanning:
                                # The string was open before this delta: most likely one long
                                # string running through it, which the C decoder takes whole.
                                spanning = False
                                j = self._decode_run(buf, i, True)
                                if j > i:
                                    plain_start = max(i - (n - len(text)), 0)
                                    plain_end = j - (n - len(text))
                                    i = j
                                    continue
                            j = _plain_run(buf, i).end()
                            if decode_in_c and j < n and buf[j] == "\\":
                                # Much text with an escape: the stdlib's C decoder takes it from
                                # the start of the run, so that it is one piece (not joined).
                                k = self._decode_run(buf, i)
                                if k > i:
                                    i = k
                                    continue
                                decode_in_c = False  # no progress: not again in this delta
                            run = buf[i:j]
                        if j > i:
                            pending.append(run)
                            i = j
                            if i == n:
                                break
                        c = buf[i]
                        if c == '"':
                            i += 1
                            if state == _KEY_STRING:
                                builder.end_key(events)
                                # Take the usual `": "` at once rather than by another dispatch.
                                if i < n and buf[i] == ":":
                                    i += 1
                                    state = _VALUE
                                    if i < n and buf[i] == " ":
                                        i += 1
                                else:
                                    state = _COLON
                                continue
                            string_new = False
                            builder.end_string(events)
                            state = _AFTER_VALUE if closers else self._after_root()
                        elif c == "\\":
                            if decode_in_c and n - i >= _BULK_MIN:
                                # Much text (with escapes) left: the stdlib's C decoder takes it.
                                j = self._decode_run(buf, i)
                                if j > i:
                                    i = j
                                    continue
                                decode_in_c = False  # no progress: not again in this delta
                            if i + 1 == n:  # cut by the end of the delta: it waits for the next
                                self.carry = "\\"
                                break
                            simple = _SIMPLE_ESCAPES.get(buf[i + 1])
                            if simple is not None:  # a one-character escape (\n, \", ...)
                                pending.append(simple)
                                i += 2
                                continue
                            j = self._unescape(buf, i, base)  # \uXXXX, or an invalid escape
                            if j < 0:
                                self.carry = buf[i:]
                                break
                            i = j
                        else:
                            raise self._fail(
                                f"Invalid control character {_describe(c)} in string", buf, i, base
                            )
                        continue

                    # Every other state skips whitespace first (a carried literal never starts
                    # with it, and prose skipped in lenient mode may lose it harmlessly).
                    c = buf[i]
                    if c in " \n\t\r":
                        i += 1
                        if i < n and buf[i] in " \n\t\r":  # a run (indented JSON, say)
                            i = _whitespace(buf, i).end()
                        if i == n:
                            break
                        c = buf[i]

                    if state == _AFTER_VALUE:
                        i += 1
                        if c == ",":
                            # Take the usual `, "` (or `, `) at once, not by another dispatch.
                            if i < n and buf[i] == " ":
                                i += 1
                            if closers[-1] == "]":
                                builder.next_index()
                                state = _VALUE
                            elif i < n and buf[i] == '"':
                                self.token_start = base + i
                                i += 1
                                state = _KEY_STRING
                            else:
                                state = _KEY
                        elif c == closers[-1]:
                            closers.pop()
                            builder.close(events)
                            state = _AFTER_VALUE if closers else self._after_root()
                        else:
                            raise self._fail(
                                f"Expecting ',' delimiter or '{closers[-1]}', found {_describe(c)}",
                                buf,
                                i - 1,
                                base,
                            )
                        continue

                    if state <= _ARRAY_FIRST or state == _LITERAL:  # (not a string state here)
                        # A value starts here, or a literal carried from the last delta goes on
                        # (then c is its first character, never whitespace).
                        if c == '"':
                            # A string value starts: it appears at once, as "", and grows.
                            self.token_start = base + i
                            i += 1
                            builder.start_string()
                            string_new = True
                            state = _STRING
                        elif c == "{" or c == "[":
                            if len(closers) >= self.max_depth:
                                raise self._fail(
                                    f"Nesting deeper than max_depth={self.max_depth}", buf, i, base
                                )
                            if n - i >= _BULK_MIN and self.scan_once is not None:
                                j = self._bulk(buf, i, events)
                                if j > 0:
                                    i = j
                                    state = _AFTER_VALUE if closers else self._after_root()
                                    continue
                            i += 1
                            builder.open(c == "{", events)
                            if c == "{":
                                closers.append("}")
                                state = _OBJECT_FIRST
                            else:
                                closers.append("]")
                                state = _ARRAY_FIRST
                        elif c in "tfn":
                            word, literal, event_type = _LITERALS[c]
                            if not buf.startswith(word, i):
                                # Cut by the end of the delta (carried to the next), or invalid.
                                state, i = self._scan_literal(buf, i, base, events)
                                continue
                            i += len(word)
                            builder.scalar(literal, event_type, events)
                            state = _AFTER_VALUE if closers else self._after_root()
                        elif c in "-0123456789":
                            m = _whole_number(buf, i)
                            j = m.end() if m else n
                            if m is not None and j == n and j - i <= MAX_NUMBER_LENGTH:
                                # Whole so far but cut by the end of the delta: it may go on.
                                self._keep_number(buf[i:], base + i)
                                state = _NUMBER
                                break
                            if (
                                m is None
                                or j == n
                                or buf[j] in _NUMBER_CHARS
                                or j - i > MAX_NUMBER_LENGTH
                            ):
                                # Unfinished (or invalid): carried to the next delta, or an error.
                                state, i = self._scan_number(buf, i, base, events)
                                continue
                            try:
                                value: Any = (
                                    self.parse_int(buf[i:j])
                                    if m.lastindex == 1
                                    else self.parse_float(buf[i:j])
                                )
                            except ValueError as exc:  # e.g. more digits than int() converts
                                raise self._unconvertible(exc, buf, i, base) from None
                            builder.scalar(value, Number, events)
                            i = j
                            state = _AFTER_VALUE if closers else self._after_root()
                        elif c == "]" and state == _ARRAY_FIRST:
                            i += 1
                            closers.pop()
                            builder.close(events)
                            state = _AFTER_VALUE if closers else self._after_root()
                        else:
                            if c == "\ufeff" and base + i == 0:
                                raise self._fail(
                                    "Unexpected UTF-8 BOM (decode using utf-8-sig)", buf, i, base
                                )
                            raise self._fail(f"Expecting value, found {_describe(c)}", buf, i, base)
                        continue

                    if state == _KEY or state == _OBJECT_FIRST:
                        if c == '"':
                            self.token_start = base + i
                            i += 1
                            state = _KEY_STRING
                        elif c == "}" and state == _OBJECT_FIRST:
                            i += 1
                            closers.pop()
                            builder.close(events)
                            state = _AFTER_VALUE if closers else self._after_root()
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
                            self.carry = _tail_prefix_of(buf, i, _THINK_CLOSE)
                            break
                        state, i = _SEEK, j + len(_THINK_CLOSE)
                    else:  # _TRAILER
                        break
                if state == _NUMBER and self.partial_numbers:
                    self._show_number()
            finally:
                self.state = state
                if state == _STRING and (string_new or pending):
                    # Report the open string's new text (none when it just opened); show it.
                    fragment = pending[0] if len(pending) == 1 else "".join(pending)
                    pending.clear()
                    builder.grow(fragment, events)
        except ParseError as error:
            error.events = self._deliver(events)
            raise
        finally:
            if plain_end > plain_start:  # count the newlines around that text only
                last = text.rfind("\n", plain_end)
                if last < 0:
                    last = text.rfind("\n", 0, plain_start)
                if last >= 0:
                    self.lines += text.count("\n", 0, plain_start) + text.count("\n", plain_end)
                    self.last_newline = self.fed - len(text) + last
            elif "\n" in text:
                self.lines += text.count("\n")
                self.last_newline = self.fed - len(text) + text.rfind("\n")
        return self._deliver(events) if self.deferred else events

    def _deliver(self, events: list[Event]) -> list[Event]:
        """The events of this delta as returned: an :class:`EventList` if some are deferred."""
        if self.deferred:
            self.deferred = False
            return EventList(events)
        return events

    def finish(self) -> None:
        """End of input: complete a trailing number, or raise what is missing."""
        if self.state == _NUMBER:
            text = "".join(self.number)
            match = _complete_number(text)
            if match is not None:
                self.number.clear()
                self._finish_number(text, match.lastindex is not None, "", 0, self.token_start, [])
                self.state = self._after_value()
        if not self.at_rest:
            raise self.fail_truncated()

    def _refuse_oversize(self, text: str, max_size: int) -> list[Event]:
        allowed = max_size - self.fed
        events = self.feed(text[:allowed]) if allowed > 0 else []
        error = self._fail(f"Document exceeds max_size of {max_size} characters", "", 0)
        error.events = events
        raise error

    # ------------------------------------------------------------------ the scanner

    # ------------------------------------------------------------------ transitions

    def _after_value(self) -> int:
        """The state after a value completed: the next member, or the end of the root."""
        return _AFTER_VALUE if self.closers else self._after_root()

    def _after_root(self) -> int:
        """The state after a root value completed."""
        if self.multiple:
            self.builder.next_index()
            return _SEEK if self.lenient else _VALUE
        return _TRAILER if self.lenient else _END

    def _bulk(self, buf: str, i: int, events: list[Event]) -> int:
        """Offer the container starting at ``buf[i]`` to the stdlib's C scanner.

        Returns the index after it, or -1 when the scanner cannot read it whole (it is cut by
        the end of the delta, invalid, or too deep): then the token-by-token path takes it,
        with its exact events and error positions, and offers its members in turn. The
        ``bulk_waste`` budget bounds what failed offers cost (a deep value cut by the end of
        the delta fails at every level).
        """
        scan_once = self.scan_once
        assert scan_once is not None
        if self.bulk_delta != self.fed:  # the first offer in this delta
            self.bulk_delta = self.fed
            self.bulk_waste = 0
            self.bulk_refused = -1
            self.bulk_gap = -2
        if self.bulk_waste >= _BULK_WASTE * len(buf) or i == self.bulk_refused:
            return -1
        if self.bulk_waste and not self._follows_container(buf, i):
            # An offer failed in this delta: the end of the delta is most likely inside that
            # container, and inside the container nested in it that the token-by-token path
            # enters next, and so on down (a document forty levels deep fails at every level).
            # Each such offer reads to the end of the delta in vain, so only members that
            # follow a sibling container are offered now: the records of a list, whose first
            # member the token-by-token path takes.
            return -1
        in_array = bool(self.closers) and self.closers[-1] == "]"
        if in_array and not self.custom_numbers:
            end = self._bulk_members(buf, i, events)
            if end > 0:
                return end
        # Only whitespace may follow the root: unless the delta ends with its closing bracket,
        # it is not whole here (or is invalid), and reading it would be wasted.
        if (
            not self.closers
            and not self.multiple
            and not self.lenient
            and buf.rstrip(" \t\n\r")[-1:] != ("}" if buf[i] == "{" else "]")
        ):
            return -1
        try:
            node, end = scan_once(buf, i)
        except Exception:  # anything the scanner rejects: token by token decides
            self.bulk_waste += len(buf) - i
            return -1
        room = self.max_depth - len(self.closers)
        if self.custom_numbers:
            if not self.builder.tree(node, room, events):
                self.bulk_waste += end - i
                return -1
            return end
        values = [node]
        if in_array:
            # More members like it may follow: read them here, one C call each, until one
            # is not a container or not whole in this delta.
            start = i
            while True:
                separator = _next_container(buf, end)
                if separator is None:
                    break
                i = separator.end()
                try:
                    node, after = scan_once(buf, i)
                except Exception:
                    self.bulk_waste += len(buf) - i
                    self.bulk_refused = i  # the token-by-token path takes it from here
                    break
                values.append(node)
                end = after
            i = start
        # A value cannot nest deeper than it has brackets: count them (at C speed) before
        # measuring its depth.
        if buf.count("[", i, end) + buf.count("{", i, end) > room and nests_deeper(values, room):
            self.bulk_waste += end - i
            return -1
        self.builder.subtree(values, events)
        self.deferred = True
        return end

    def _follows_container(self, buf: str, i: int) -> bool:
        """Whether the value at ``buf[i]`` is the member after a container, in this delta."""
        closers = self.closers
        if not closers:
            return True  # a root value: the one before it, if any, was whole
        if closers[-1] == "}":
            i = self.token_start - (self.fed - len(buf))  # where the value's key starts
        return _after_container(buf, i)

    def _bulk_members(self, buf: str, i: int, events: list[Event]) -> int:
        """Offer the array members from the container at ``buf[i]`` up to the last one that
        may be whole in the delta to the stdlib's C scanner, in one call.

        A 64 KiB chunk of records holds hundreds of members: one C call for all of them, rather
        than one each, saves the calls and lets the scanner share the keys' strings (it
        memoizes them within a call). They are read as the members of an array ``"[" + text +
        "]"``, where the text runs from ``buf[i]`` to the last closing bracket followed by a
        separator and an opening one (``}, {``). The scanner reads that array whole only if
        the bracket closes a member of this array (inside a member, or inside a string, the
        added ``]`` leaves the array open), so what it reads are exactly this array's members.
        Returns the index after them, or -1 (the members are then offered one by one).
        """
        gap = self.bulk_gap
        if gap == -2:  # once per delta: the last gap lies at the same place for every offer
            match = _last_gap(buf)
            gap = self.bulk_gap = -1 if match is None else match.end(1)
        if gap <= i:
            return -1
        scan_once = self.scan_once
        assert scan_once is not None
        try:
            node, end = scan_once("[" + buf[i:gap] + "]", 0)
        except Exception:
            self.bulk_waste += gap - i
            return -1
        room = self.max_depth - len(self.closers)
        if end != gap - i + 2 or (
            buf.count("[", i, gap) + buf.count("{", i, gap) > room and nests_deeper(node, room)
        ):
            self.bulk_waste += gap - i
            return -1
        self.builder.subtree(node, events)
        self.deferred = True
        return gap

    def _decode_run(self, buf: str, i: int, spanning: bool = False) -> int:
        """Decode string text from ``buf[i]`` with the stdlib's C decoder.

        Returns where it stopped: at the string's closing quote, or before an escape that the
        end of the delta may cut (the token-by-token path then carries it); ``i`` if it could
        not decode anything, invalid text included (the token-by-token path then reports it
        exactly). Each call costs O(length of what it decodes), plus once per delta the rest of
        the delta.

        ``spanning``: the string was open before this delta, so it most often runs through it
        (a long string in network-sized chunks). Its closing quote is then not looked for
        first (a step per quote the text escapes, all of them when there is none): the decoder
        reads the delta with a quote added at the end, and stops at the string's own closing
        quote if it comes first.
        """
        scanstring = self.scanstring
        if scanstring is None:
            return i
        pending = self.builder.pending
        if not spanning and _closing_quote(buf, i) >= 0:
            # The string ends in this delta: decode it in place.
            try:
                text, end = scanstring(buf, i, True)
            except ValueError:
                pass  # it does not end here (the quotes were escaped), or is invalid
            else:
                pending.append(text)
                return end - 1
        # Decode up to the end of the delta, or up to an escape that the end of the delta may
        # cut (a backslash in the last 12 characters, where a surrogate pair may start), from
        # the start of its run of backslashes, where an escape starts.
        n = len(buf)
        k = buf.rfind("\\", max(i, n - 12), n)
        if k < 0:
            k = n
        else:
            while k > i and buf[k - 1] == "\\":
                k -= 1
            if (  # a high surrogate's escape waits for what follows it
                k - i >= 6
                and buf[k - 6] == "\\"
                and buf[k - 5] == "u"
                and buf[k - 4] in "dD"
                and buf[k - 3] in "89abAB"
            ):
                k -= 6
                while k > i and buf[k - 1] == "\\":
                    k -= 1
        if k <= i:
            return i
        try:
            if k == n and 2 * i <= n:
                # The closing quote the decoder needs added to the whole delta, and the text
                # decoded from buf[i]: one copy of the delta rather than a slice and its copy.
                text, end = scanstring(buf + '"', i, True)
            else:
                text, end = scanstring(buf[i:k] + '"', 0, True)
                end += i
        except ValueError:
            return i
        pending.append(text)
        return end - 1

    def _unescape(self, buf: str, i: int, base: int) -> int:
        """Decode the escape at ``buf[i]`` (a backslash followed by a character that is not a
        one-character escape: ``u``, or an invalid one) into the pending pieces.

        Returns the index after it, or -1 when the delta ends before the escape does (the
        caller carries it to the next delta, so half an escape is never shown).
        """
        c = buf[i + 1]
        pending = self.builder.pending
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
                    pending.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                    return j + 6
        pending.append(chr(code))
        return i + 6

    def _hex_escape(self, buf: str, i: int, base: int) -> int:
        """The code unit of the ``\\uXXXX`` escape at ``buf[i]``, or -1 if it is not all here."""
        digits = buf[i + 2 : i + 6]
        # Four ASCII letters or digits that int() reads in base 16 (a "0x" prefix aside) are
        # four hex digits: str methods cost less than a regex match here.
        if len(digits) == 4 and digits.isalnum() and digits.isascii() and digits[1] not in "xX":
            try:
                return int(digits, 16)
            except ValueError:
                pass  # a letter past "f": the loop below reports it
        for k, h in enumerate(digits):
            if h not in "0123456789abcdefABCDEF":
                raise self._fail(f"Invalid \\uXXXX escape: {_describe(h)}", buf, i + 2 + k, base)
        return int(digits, 16) if len(digits) == 4 else -1

    # ------------------------------------------------------------------ numbers

    def _scan_number(self, buf: str, i: int, base: int, events: list[Event]) -> tuple[int, int]:
        """A number that starts at ``buf[i]`` and is cut by the end of the delta, too long,
        or invalid."""
        self.token_start = base + i
        j = _number_prefix(buf, i).end()
        if j - i > MAX_NUMBER_LENGTH:
            raise self._too_long(buf[i : i + MAX_NUMBER_LENGTH], buf, i + MAX_NUMBER_LENGTH, base)
        text = buf[i:j]
        if j == len(buf):
            self._keep_number(text, base + i)
            return _NUMBER, j
        match = _complete_number(text)
        if match is None:
            self._show_before_error(text)
            raise self._fail(
                f"Invalid number {text!r}: expecting a digit, found {_describe(buf[j])}",
                buf,
                j,
                base,
            )
        self._finish_number(text, match.lastindex is not None, buf, i, base, events)
        return self._after_value(), j

    def _keep_number(self, text: str, start: int) -> None:
        """The number ``text`` (at absolute offset ``start``) is cut by the end of the delta:
        it waits for the next one."""
        self.token_start = start
        self.number = [text]
        self.number_length = len(text)
        self.number_form = ""  # worked out only if the next delta goes on with the number

    def _continue_number(self, text: str, base: int, events: list[Event]) -> int:
        """The unfinished number goes on at the start of ``text``; returns where it ends.

        Only the new text is scanned: the grammar state of the text so far is that of
        ``number_form``, the same text with every run of digits shortened to one digit (a
        number of at most ``_SHORT_NUMBER`` characters is simply scanned again). So a number fed
        one character at a time costs O(length), and the length limit is the same however it
        is split. Most often the number ended with the last delta: a delta that
        starts with a character no number holds (``,``, ``]``, ...) is not scanned at all.
        """
        if text[0] in _NUMBER_CHARS:
            pieces = self.number
            form = self.number_form
            short = not form and self.number_length <= _SHORT_NUMBER
            # A short number is one piece, scanned again with the new text: at most
            # _SHORT_NUMBER characters more, and no grammar form to work out (most numbers).
            head = pieces[0] if short else form or _digit_runs("1", pieces[0])
            j = _number_prefix(head + text, 0).end() - len(head)
            length = self.number_length + j
            if length > MAX_NUMBER_LENGTH:
                fits = MAX_NUMBER_LENGTH - self.number_length
                raise self._too_long("".join(pieces) + text[:fits], text, fits, base)
            if j == len(text):
                self.number_length = length
                if short and length <= _SHORT_NUMBER:
                    pieces[0] = head + text
                else:
                    pieces.append(text)
                    self.number_form = _digit_runs("1", head + text)
                return j
        else:
            j = 0
            length = self.number_length
        number = "".join(self.number) + text[:j]
        self.number.clear()
        # Its text is a prefix of a valid number (as _number_prefix read it): it is complete
        # if it ends with a digit (not with "-", ".", "e" or a sign), and a float if it has a
        # fraction or an exponent. No regular expression: a match allocates its stack.
        if number[-1] not in "0123456789":
            self._show_before_error(number)
            raise self._fail(
                f"Invalid number {number!r}: expecting a digit, found {_describe(text[j])}",
                text,
                j,
                base,
            )
        is_float = "." in number or "e" in number or "E" in number
        self._finish_number(number, is_float, text, 0, base - (length - j), events)
        self.state = self._after_value()
        return j

    def _finish_number(
        self, text: str, is_float: bool, buf: str, i: int, base: int, events: list[Event]
    ) -> None:
        """Convert the complete number ``text`` (which starts at absolute ``base + i``): a
        float if it has a fraction or an exponent."""
        try:
            number = self.parse_float(text) if is_float else self.parse_int(text)
        except ValueError as exc:  # e.g. more digits than int() converts
            raise self._unconvertible(exc, buf, i, base) from None
        self.builder.scalar(number, Number, events)

    def _show_number(self) -> None:
        """partial_numbers: show the unfinished number as what it reads so far."""
        text = "".join(self.number).rstrip(".eE+-")
        if not text or text == "-":
            return
        try:
            number = (
                self.parse_float(text)
                if "." in text or "e" in text or "E" in text
                else self.parse_int(text)
            )
        except ValueError as exc:
            start = self.token_start
            raise self._unconvertible(exc, "", 0, start) from None
        self.builder.show_number(number)

    def _unconvertible(self, exc: ValueError, buf: str, i: int, base: int) -> ParseError:
        """A number ``parse_int`` / ``parse_float`` refused; the error is at its start.

        What the value showed of it (``partial_numbers``) is taken back, so the value after the
        error does not depend on how the input was split.
        """
        self.builder.retract_number()
        limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
        if limit and "integer string conversion" in str(exc):
            # int()'s own message counts the digits it was given, which depends on the split.
            reason = f"more than {limit} digits, int()'s limit: sys.set_int_max_str_digits()"
        else:
            reason = str(exc)
        return self._fail(f"Number cannot be converted ({reason})", buf, i, base)

    def _too_long(self, number: str, buf: str, i: int, base: int) -> ParseError:
        self._show_before_error(number)
        return self._fail(f"Number longer than {MAX_NUMBER_LENGTH} characters", buf, i, base)

    def _show_before_error(self, number: str) -> None:
        """partial_numbers: an invalid or too long number is shown as the text before the bad
        character reads, as it would be had the input been split just there."""
        if self.partial_numbers:
            self.number = [number]
            self._show_number()

    # ------------------------------------------------------------------ literals, prose

    def _scan_literal(self, buf: str, i: int, base: int, events: list[Event]) -> tuple[int, int]:
        word, value, event_type = _LITERALS[buf[i]]
        got = buf[i : i + len(word)]
        for k, c in enumerate(got):
            if c != word[k]:
                raise self._fail(f"Expecting {word!r}, found {_describe(c)}", buf, i + k, base)
        if len(got) < len(word):
            self.carry = got
            return _LITERAL, len(buf)
        self.builder.scalar(value, event_type, events)
        return self._after_value(), i + len(word)

    def _seek_root(self, buf: str, i: int) -> tuple[int, int]:
        match = _seek_root(buf, i)
        if match is None:
            self.carry = _tail_prefix_of(buf, i, _THINK_OPEN)
            return _SEEK, len(buf)
        if match.group() == _THINK_OPEN:
            return _THINK, match.end()
        return _VALUE, match.start()

    # ------------------------------------------------------------------ errors

    def _fail(self, msg: str, buf: str, i: int, base: Optional[int] = None) -> ParseError:
        """The error for the bad character at absolute offset ``base + i`` (``buf[i]``)."""
        if base is None:
            base = self.fed - len(buf)
        pos = base + i
        newlines = buf.count("\n", 0, i)
        if newlines:
            lineno = self.lines + newlines + 1
            colno = i - buf.rfind("\n", 0, i)
        else:
            lineno = self.lines + 1
            colno = pos - self.last_newline
        return ParseError(msg, buf, pos, lineno, colno)

    def fail_here(self, msg: str, error_type: type[ParseError] = ParseError) -> ParseError:
        """An error at the end of the input received so far."""
        return error_type(msg, "", self.fed, self.lines + 1, self.fed - self.last_newline)

    def fail_truncated(self, note: str = "") -> IncompleteJSONError:
        state = self.state
        if state in (_STRING, _KEY_STRING):
            msg = f"Unterminated string starting at char {self.token_start}"
        elif state in (_OBJECT_FIRST, _KEY):
            msg = "Expecting property name enclosed in double quotes"
        elif state == _COLON:
            msg = "Expecting ':' delimiter"
        elif state == _AFTER_VALUE:
            msg = f"Expecting ',' delimiter or '{self.closers[-1]}'"
        elif state in (_SEEK, _THINK):
            msg = "No JSON object or array found"
        else:
            msg = "Expecting value"
        error = self.fail_here(f"Truncated input: {msg}{note}", IncompleteJSONError)
        return cast(IncompleteJSONError, error)

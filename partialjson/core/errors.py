"""The exceptions partialjson raises, each a subclass of the stdlib exception callers catch."""

from __future__ import annotations

import json
from typing import Any, TypeVar

__all__ = ["IncompleteJSONError", "ParseError"]

_E = TypeVar("_E", bound=BaseException)


class ParseError(json.JSONDecodeError):
    """Invalid JSON, raised by the ``feed`` that delivers the first bad character.

    A :class:`json.JSONDecodeError` (so also a :class:`ValueError`): ``msg`` says what was wrong,
    ``pos`` is the offset of the first bad character in the whole decoded input, ``lineno`` and
    ``colno`` count from 1 as in :mod:`json`. Since the parser does not keep the text it consumed,
    ``doc`` holds only the chunk being parsed when the error was found.

    >>> from partialjson import Parser, ParseError
    >>> p = Parser()
    >>> _ = p.feed('{"a": 1,\\n "b": tru')
    >>> try:
    ...     p.feed("x}")
    ... except ParseError as e:
    ...     print(e)
    Expecting 'true', found 'x': line 2 column 10 (char 18)
    """

    def __init__(self, msg: str, doc: str, pos: int, lineno: int = 1, colno: int = 0) -> None:
        # json.JSONDecodeError derives line and column from the whole document, which an
        # incremental parser no longer has; they are passed in instead.
        errmsg = f"{msg}: line {lineno} column {colno} (char {pos})"
        ValueError.__init__(self, errmsg)
        self.msg = msg
        self.doc = doc
        self.pos = pos
        self.lineno = lineno
        self.colno = colno
        #: The events the failing feed caused before the bad character (nothing is lost).
        self.events: list[Any] = []

    def __reduce__(self) -> tuple[Any, ...]:
        return self.__class__, (self.msg, self.doc, self.pos, self.lineno, self.colno)


class IncompleteJSONError(ParseError):
    """The input ended before the JSON value was complete (raised by ``close()``).

    Everything received is still readable as the partial value; the input was *truncated*,
    not malformed.

    >>> from partialjson import IncompleteJSONError, Parser
    >>> parser = Parser()
    >>> _ = parser.feed('{"name": "Ada", "tags": ["x"')
    >>> try:
    ...     parser.close()
    ... except IncompleteJSONError as error:
    ...     print(error.msg)
    Truncated input: Expecting ',' delimiter or ']'
    >>> parser.value
    {'name': 'Ada', 'tags': ['x']}
    """


def kept(error: _E) -> _E:
    """``error``, caught to be kept (a response's state, an update), without the frames it was
    raised through.

    Those frames hold the objects that keep it (the parser, the answer, the response): kept
    with them, each failed answer would be a reference cycle, freed only by a pass of the
    garbage collector instead of at once (and under load the collector's pauses set the
    latency tail). What the error says — its message, position and events — stays.

    >>> from partialjson import Parser, ParseError
    >>> try:
    ...     Parser().feed("[x")
    ... except ParseError as caught:
    ...     error = kept(caught)
    >>> error.__traceback__ is None, error.pos
    (True, 1)
    """
    error.__traceback__ = None
    return error

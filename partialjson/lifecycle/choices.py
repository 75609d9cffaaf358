"""What one choice of a response holds: the answer's channel, refusal, reasoning, citations and
tool calls. The :class:`~partialjson.lifecycle.machine.Lifecycle` decides *when* things happen;
this module keeps *what* has arrived, each channel parsed as it streams."""

from __future__ import annotations

import logging
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Final, Optional, Union

from pydantic import ValidationError

from ..core.errors import ParseError, kept
from ..core.events import Event, Path
from ..core.parser import Parser
from ..typed.parser import FieldStatus, FinalValueError, Issue, TypedParser
from .updates import ResponseState, ToolCall

__all__ = ["ChoiceResult"]

logger = logging.getLogger("partialjson")

_MISSING: Any = object()
#: The answer is a bare number, the one value that only the end of the input completes.
_BARE_NUMBER = re.compile(r"[ \t\n\r]*[-0-9]")
_COMPLETIONS = frozenset({"string", "number", "boolean", "null", "end_map", "end_array"})
#: Parser options that bound a tool call's arguments as they bound the answer.
_LIMITS = ("max_size", "max_depth")
# The parsers' event lists are read as ``Sequence`` s, not ``list`` s: a list the bulk path
# returned builds its events when iterated (core/eventlist.py), which the compiled build's
# direct access to a ``list`` 's items would bypass.


class ToolCallStream:
    """One tool call as it streams: its arguments' parser (none for free-text input), the
    pieces received, and — for a server-run tool — its status and result."""

    def __init__(
        self,
        key: Hashable,
        call_id: str,
        name: str,
        model: Any,
        options: Mapping[str, Any],
        *,
        kind: str = "function",
        server: bool = False,
        raw: bool = False,
        given: Optional[str] = None,
    ) -> None:
        self.key = key
        self.call_id = call_id
        self.name = name
        self.kind = kind
        self.server = server
        self.raw = raw
        self.given = given  # arguments that came whole with the start, if any
        self._model = model
        self._options = {k: options[k] for k in _LIMITS if k in options}
        self.parser = self._new_parser()
        self.pieces: list[str] = []
        self.size = 0
        self.error: Optional[Exception] = None
        self.released = False  # done: released (or rejected) once, never again
        self.status: Optional[str] = None
        self.result: Any = None
        self.value: Any = _MISSING  # the arguments once complete
        self.shown: Optional[ToolCall] = None  # the last snapshot shown (server tools)
        self.shown_result: Any = None

    def _new_parser(self) -> Union[Parser, TypedParser[Any], None]:
        if self.raw:
            return None
        if self._model is not None and not self.server:
            return TypedParser(self._model, **self._options)
        return Parser(**self._options)

    def feed(self, text: str) -> None:
        self.pieces.append(text)
        self.size += len(text)
        if self.error is not None:
            return
        if self.parser is None:
            limit = self._options.get("max_size")
            if limit is not None and self.size > limit:
                self.error = ParseError(f"Document exceeds max_size of {limit} characters", "", 0)
            return
        try:
            self.parser.feed(text)
        except ParseError as error:
            self.error = kept(error)

    def replace(self, text: str) -> None:
        """The done event's whole arguments differ from the deltas (some were lost): they win."""
        self.pieces, self.size, self.error = [], 0, None
        self.parser = self._new_parser()
        self.feed(text)

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def partial(self) -> Any:
        if self.value is not _MISSING:
            return self.value
        parser = self.parser
        if parser is None:
            return self.text
        return parser.partial if isinstance(parser, TypedParser) else parser.value

    def finish(self) -> Any:
        """The complete arguments; raises ``ParseError`` / ``ValidationError`` if they are not."""
        if self.error is not None:
            raise self.error
        parser = self.parser
        if parser is None:
            self.value = self.text
        else:
            self.value = parser.finish() if isinstance(parser, TypedParser) else parser.close()
        return self.value

    def snapshot(self, choice: int) -> ToolCall:
        return ToolCall(
            self.call_id,
            self.name,
            self.partial,
            self.text,
            choice,
            kind=self.kind,
            status=self.status,
            result=self.result,
        )


def _as_path(path: Union[str, Path, None]) -> Path:
    if path is None:
        return ()
    if isinstance(path, tuple):
        return path
    if not path:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))


#: How many unread pieces of a text are joined into one as they come (see TextPieces).
_FOLD: Final = 64


class TextPieces:
    """Text that arrives in pieces, read whole after every piece: a read joins only the pieces
    added since the last one (the joined text is grown in place while nothing else holds it).
    Unread, the pieces are joined a few dozen at a time as they come: a stream's text is then
    a few strings, not one per delta (each is memory, and a reference every full garbage
    collection visits while the stream is open).

    >>> text = TextPieces()
    >>> text.append("Hel"); text.append("lo")
    >>> text.joined(), bool(text)
    ('Hello', True)
    """

    __slots__ = ("_folded", "_joined", "_new", "_received")

    def __init__(self) -> None:
        self._joined = ""
        self._new: Optional[list[str]] = None  # made at the first piece: most never get one
        self._folded: Optional[list[str]] = None  # _FOLD pieces joined, each (made when needed)
        self._received = False  # a piece came, even an empty one (an empty refusal refuses)

    def append(self, piece: str) -> None:
        new = self._new
        if new is None:
            self._new = [piece]
        else:
            new.append(piece)
            if len(new) >= _FOLD:
                self._fold(new)
        self._received = True

    def _fold(self, new: list[str]) -> None:
        """The new pieces joined into one, kept until the text is read. (Not added to the
        joined text now: growing a long string in place may copy it, each time.)"""
        piece = "".join(new)
        new.clear()
        if self._folded is None:
            self._folded = [piece]
        else:
            self._folded.append(piece)

    def joined(self) -> str:
        new, folded = self._new, self._folded
        if new or folded:
            joined, self._joined = self._joined, ""  # one reference left: += extends in place
            if folded:
                joined += "".join(folded)
                self._folded = None
            if new:
                joined += "".join(new)
                new.clear()
            self._joined = joined
        return self._joined

    def __bool__(self) -> bool:
        return self._received


class ChoiceResult:
    """One choice of a response (Chat Completions can stream several; the others have one):
    its text, partial and final value, state, tool calls, ``status()``, ``issues`` and ``items``.

    >>> import partialjson
    >>> def chunk(*texts):
    ...     return {"choices": [{"index": i, "delta": {"content": text}, "finish_reason": "stop"}
    ...                         for i, text in enumerate(texts)]}
    >>> response = partialjson.stream([chunk("[1]", '"two"')]).until_done()
    >>> [(choice.index, choice.final, choice.state.value) for choice in response.choices]
    [(0, [1], 'completed'), (1, 'two', 'completed')]
    """

    __slots__ = (  # one per choice of every open stream: no instance dict
        "_calls",
        "_channel",
        "_citations",
        "_final",
        "_grown_changed",
        "_items_path",
        "_new_raw_items",
        "_open_string",
        "_options",
        "_raw_items",
        "_reasoning",
        "_refusal",
        "_shown",
        "_spare",
        "_status",
        "_text",
        "_tool_calls",
        "_type",
        "error",
        "finish_reason",
        "index",
        "reason",
        "reasoning_signature",
        "state",
    )

    def __init__(
        self,
        index: int,
        type_: Any,
        options: dict[str, Any],
        items: Any = None,
        parser: Union[Parser, TypedParser[Any], None] = None,
    ) -> None:
        self.index = index
        self._type = type_
        self._options = options
        self._items_path = items
        # The answer's parser, made at its first text (until then there is no partial value,
        # nor a final one); ``parser``: a new one made already, to use then.
        self._channel: Union[Parser, TypedParser[Any], None] = None
        self._spare = parser
        self._status: dict[Path, FieldStatus] = {}  # untyped answers: what the events said
        # Untyped answers: the items= elements so far, and the last delta's (made at the first
        # element: most choices never hold one, and an empty list is one more object for the
        # garbage collector to visit, per open stream).
        self._raw_items: Optional[list[Any]] = None
        self._new_raw_items: Optional[list[Any]] = None
        # Untyped answers: the open string's path and how much of it the value shows (one
        # string at most is open), so that its closing quote is not mistaken for a change.
        self._open_string: Optional[tuple[Path, int]] = None
        # Typed answers: the paths shown by updates whose values are not complete yet (made at
        # the first update; as many as the nesting is deep, so a list is smaller than a set):
        # a value that then fails validation changes what was shown.
        self._shown: Optional[list[Path]] = None
        # Typed answers: the ``changed`` of the last update of a growing string (see
        # Lifecycle._typed_changes).
        self._grown_changed: Optional[tuple[Path, ...]] = None
        self._text = TextPieces()
        # Made at their first piece (most answers have neither: see _raw_items).
        self._refusal: Optional[TextPieces] = None
        self._reasoning: Optional[TextPieces] = None
        self._calls: dict[Hashable, ToolCallStream] = {}
        # Made at their first read or entry (most answers have neither: see _raw_items).
        self._tool_calls: Optional[list[ToolCall]] = None
        self._citations: Optional[list[Any]] = None
        #: The reasoning's signature (Anthropic ``signature_delta``), kept for the next turn.
        self.reasoning_signature = ""
        self.finish_reason: Optional[str] = None
        self.state = ResponseState.PENDING
        self.reason: Optional[str] = None
        #: Why the output could not be parsed or validated, if it could not.
        self.error: Optional[Exception] = None
        self._final: Any = _MISSING

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls released, in the order they became ready."""
        calls = self._tool_calls
        if calls is None:
            calls = self._tool_calls = []
        return calls

    @tool_calls.setter
    def tool_calls(self, calls: list[ToolCall]) -> None:
        self._tool_calls = calls

    @property
    def citations(self) -> list[Any]:
        """Citations and annotations of the answer's text, as the provider gave them."""
        citations = self._citations
        if citations is None:
            citations = self._citations = []
        return citations

    @citations.setter
    def citations(self, citations: list[Any]) -> None:
        self._citations = citations

    @property
    def text(self) -> str:
        """The answer's text so far, exactly as received."""
        return self._text.joined()

    @property
    def refusal(self) -> str:
        """The refusal's text so far."""
        return self._refusal.joined() if self._refusal is not None else ""

    @property
    def reasoning(self) -> str:
        """The reasoning text so far (thinking and summaries), never part of the answer."""
        return self._reasoning.joined() if self._reasoning is not None else ""

    @property
    def server_tool_calls(self) -> list[ToolCall]:
        """Tools the provider ran itself, as they stand now (for display, never to run)."""
        return [call.snapshot(self.index) for call in self._calls.values() if call.server]

    def status(self, path: Union[str, Path] = ()) -> FieldStatus:
        """Where a value of the answer stands, as :meth:`TypedParser.status
        <partialjson.TypedParser.status>` says for a typed answer (``pending``, ``streaming``,
        ``complete``...); for an untyped one, as its parse events said. ``path``: a tuple, or
        ``"items.0.name"``."""
        channel = self._channel
        if isinstance(channel, TypedParser):
            return channel.status(path)
        return self._status.get(_as_path(path), FieldStatus.PENDING)

    @property
    def issues(self) -> list[Issue]:
        """Complete values that failed their field's validation (typed answers)."""
        channel = self._channel
        # (the parser's own list, read as it is: its property would make an empty one)
        return list(channel._issues or ()) if isinstance(channel, TypedParser) else []

    @property
    def items(self) -> list[Any]:
        """The elements of the ``items=`` array completed so far, in order."""
        channel = self._channel
        if isinstance(channel, TypedParser):
            return list(channel._items or ())  # (see issues)
        return list(self._raw_items) if self._raw_items is not None else []

    @property
    def item_count(self) -> int:
        """How many ``items=`` elements completed so far (no copy of them)."""
        channel = self._channel
        if isinstance(channel, TypedParser):
            return len(channel._items or ())  # (see issues)
        return len(self._raw_items) if self._raw_items is not None else 0

    @property
    def partial(self) -> Any:
        """The partial value of the answer, for display only (``None`` before any text)."""
        channel = self._channel
        if channel is None:
            return None
        return channel.partial if isinstance(channel, TypedParser) else channel.value

    @property
    def final(self) -> Any:
        """The validated value; raises :class:`~partialjson.FinalValueError` unless completed.

        A completed response that only called tools has no answer text, so no final value:
        ``final`` raises saying so (``Completed.value`` is ``None``); read ``tool_calls``.
        """
        if self._final is not _MISSING:
            return self._final
        if self.state is not ResponseState.COMPLETED:
            raise FinalValueError(
                f"no final value: the response is {self.state.value}"
                + (f" ({self.reason})" if self.reason else "")
                + "; only a completed response has one"
            )
        if self.error is not None:
            raise FinalValueError(
                f"the completed response's output is not valid: {self.error}"
            ) from self.error
        raise FinalValueError("the response has no output text to parse (did it only call tools?)")

    # -- applying signals ------------------------------------------------------------

    def add_refusal(self, text: str) -> None:
        refusal = self._refusal
        if refusal is None:
            refusal = self._refusal = TextPieces()
        refusal.append(text)

    def add_reasoning(self, text: str) -> None:
        reasoning = self._reasoning
        if reasoning is None:
            reasoning = self._reasoning = TextPieces()
        reasoning.append(text)

    def text_delta(self, text: str) -> list[Event]:
        self._text.append(text)
        if self.error is not None:
            return []
        if self._channel is None:
            if self._spare is not None:
                self._channel, self._spare = self._spare, None
            elif self._type is not None:
                self._channel = TypedParser(self._type, items=self._items_path, **self._options)
            else:
                self._channel = Parser(**self._options)
        try:
            events = self._channel.feed(text)
            if not isinstance(self._channel, TypedParser):
                self._track(events, self._channel.value)
            return events
        except ParseError as error:  # kept: the state is the provider's to say
            self.error = kept(error)
            if isinstance(self._channel, Parser):
                self._track(error.events, self._channel.value)
            logger.debug(
                "choice %d: output text is not valid JSON at char %d", self.index, error.pos
            )
            return error.events

    def visible_changes(self, events: Sequence[Event]) -> list[Path]:
        """The paths whose value, as shown, these events changed (with repeats).

        A key alone changes nothing, nor does a container closing, nor a string closing once all
        of its text is shown. A typed view may still change when a value completes (a date
        parsed, a default filled in, a validator applied): the typed parser says what changed.
        """
        if isinstance(self._channel, TypedParser):
            return list(self._channel.changed)
        changed: list[Path] = []
        for event in events:
            kind = event.kind
            if kind == "string_fragment":
                shown = self._open_string
                before = shown[1] if shown is not None and shown[0] == event.path else -1
                self._open_string = (event.path, max(before, 0) + len(event.value))
                if before < 0 or event.value:  # the string appeared, or grew
                    changed.append(event.path)
            elif kind == "string":
                shown = self._open_string
                self._open_string = None
                if shown is None or shown[0] != event.path or shown[1] != len(event.value):
                    changed.append(event.path)
            elif kind not in ("map_key", "end_map", "end_array"):
                changed.append(event.path)
        return changed

    def _track(self, events: Sequence[Event], value: Any) -> None:
        """An untyped answer's status per path, and the ``items=`` elements that closed."""
        status = self._status
        self._new_raw_items = None
        items_path = self.items_path
        depth = len(items_path) + 1
        for event in events:
            kind = event.kind
            path = event.path
            if kind in _COMPLETIONS:
                status[path] = FieldStatus.COMPLETE
                if (
                    self._items_path is not None
                    and len(path) == depth
                    and path[:-1] == items_path
                    and isinstance(path[-1], int)
                ):
                    item = value
                    for part in path:
                        item = item[part]
                    if self._new_raw_items is None:
                        self._new_raw_items = []
                    self._new_raw_items.append(item)
                    if self._raw_items is None:
                        self._raw_items = []
                    self._raw_items.append(item)
            elif kind != "map_key" and path not in status:
                status[path] = FieldStatus.STREAMING

    def new_items(self) -> list[Any]:
        channel = self._channel
        if isinstance(channel, TypedParser):
            return list(channel.new_items)
        return self._new_raw_items if self._new_raw_items is not None else []

    @property
    def items_path(self) -> Path:
        return _as_path(self._items_path)

    def completed_paths(self, events: Sequence[Event]) -> list[Path]:
        if isinstance(self._channel, TypedParser):
            return list(self._channel.completed)
        return [e.path for e in events if e.kind in _COMPLETIONS]

    def finish_output(self) -> bool:
        """The done signal for the answer: compute the final value, or record why not.

        Returns whether this close completed the root: a bare number ends with the input, so
        nothing else completes it (and no update has shown it whole)."""
        channel = self._channel
        if channel is None or self.error is not None:
            return False
        # Not yet reported complete ("42 " was, by its space) and a number: the close ends it.
        open_number = (
            self.status() is not FieldStatus.COMPLETE
            and _BARE_NUMBER.match(self._text.joined()) is not None
        )
        try:
            self._final = channel.finish() if isinstance(channel, TypedParser) else channel.close()
        except (ParseError, ValidationError) as error:
            self.error = kept(error)
            return False
        if open_number:
            self._status[()] = FieldStatus.COMPLETE
        return open_number

    def final_or_none(self) -> Any:
        return self._final if self._final is not _MISSING else None

    def settle(self, state: ResponseState, reason: Optional[str]) -> bool:
        """End the answer as ``state``; a completed one computes its final value. Returns
        whether that close completed the root (see :meth:`finish_output`)."""
        if self.state.terminal:
            return False
        if state is ResponseState.COMPLETED and self._refusal:
            state = ResponseState.REFUSED
        self.state, self.reason = state, reason
        if state is not ResponseState.COMPLETED:
            return False
        closed_root = self.finish_output()
        if self.error is not None and self._type is not None:
            # A type was asked for and the text is not one: never dress it up as a value.
            self.state, self.reason = ResponseState.FAILED, "invalid_output"
        return closed_root

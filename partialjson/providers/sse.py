"""A sans-I/O decoder for server-sent events, exactly per WHATWG HTML's event-stream rules.

Theory of operation
===================

:class:`SSEDecoder` takes the body of a ``text/event-stream`` response in whatever chunks the
network delivers — bytes or text, a CRLF split across two chunks, a multi-byte character split,
one byte at a time — and returns the events each chunk completes. It reads no socket and keeps
no timer; the caller iterates its HTTP library and feeds.

The rules (https://html.spec.whatwg.org/multipage/server-sent-events.html, "event stream
interpretation"), each with a named test:

* the stream is UTF-8 (invalid bytes decode as U+FFFD) and one leading BOM is dropped;
* a line ends at CR, LF or CRLF — nothing else: U+2028, U+0085 and friends are data;
* a blank line dispatches the event; a line starting with ``:`` is a comment;
* ``field: value`` splits at the first colon and drops one leading space of the value; a line
  without a colon is a field with an empty value; unknown fields are ignored;
* ``data`` appends its value and a LF (the last LF is removed at dispatch); ``event`` sets the
  type (``message`` by default, reset after each dispatch); ``id`` sets the last event id — unless
  it contains NUL — and is *not* reset between events; ``retry`` counts only if all ASCII digits;
* an event whose data buffer is empty is not dispatched (a data-less ``event: ping`` is nothing);
* at the end of the stream, an event with no blank line after it is discarded.

Each chunk is searched once, by ``str`` methods over the whole chunk: CR and CRLF become LF
(``str.replace``), lines are cut by ``str.split``, and only the common ``data`` and blank lines
are looked at in Python, one test each; a line still open is kept as pieces, joined once it
ends. The work is linear in the input however it is chunked, and a chunk of whole events costs
little more than copying it.

The spec sets no limits; a client must. A line longer than ``max_line_size`` characters or an
event whose data grows past ``max_event_size`` (both 16 MiB by default) raises
:class:`EventTooLarge` from the ``feed`` that crosses the limit, before the text is kept: an
endless line cannot grow memory without bound.
"""

from __future__ import annotations

import codecs
import json
from dataclasses import dataclass
from typing import Any, Optional, Union

from ._frozen import fast_init

__all__ = ["DEFAULT_MAX_SIZE", "EventTooLarge", "SSEDecoder", "ServerSentEvent"]

#: The default limit on one line and on one event's data, in characters (16 MiB).
DEFAULT_MAX_SIZE = 16 * 1024 * 1024


class EventTooLarge(ValueError):
    """A line or an event's data is longer than the decoder's limit (``what``: ``"line"`` or
    ``"event"``; ``limit`` in characters). The decoder is unusable after it.

    >>> from partialjson import EventTooLarge, SSEDecoder
    >>> try:
    ...     SSEDecoder(max_line_size=8).feed("data: 0123456789")
    ... except EventTooLarge as error:
    ...     print(error.what, error.limit, error.events)
    line 8 []
    """

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"an SSE {what} is longer than the limit of {limit} characters")
        self.what = what
        self.limit = limit
        #: The events the failing feed completed before the limit was crossed.
        self.events: list[ServerSentEvent] = []


@fast_init  # made on every delta
@dataclass(frozen=True)
class ServerSentEvent:
    """One dispatched event.

    ``id`` is the last event id in force when it was dispatched ("" if none); ``retry`` the
    reconnection time in milliseconds set by the latest valid ``retry`` field, if any.

    >>> from partialjson import SSEDecoder, ServerSentEvent
    >>> event = SSEDecoder().feed('event: delta\\nid: 7\\ndata: {"a": 1}\\n\\n')[0]
    >>> event.event, event.id, event.json()
    ('delta', '7', {'a': 1})
    """

    data: str
    event: str = "message"
    id: str = ""
    retry: Optional[int] = None

    def json(self) -> Any:
        """The data parsed as JSON.

        >>> ServerSentEvent('[1, 2]').json()
        [1, 2]
        """
        return json.loads(self.data)


class SSEDecoder:
    """Decode an event stream fed in any chunking.

    >>> from partialjson import SSEDecoder
    >>> decoder = SSEDecoder()
    >>> decoder.feed(b'event: greeting\\r\\ndata: hel')
    []
    >>> decoder.feed(b'lo\\r\\n\\r\\n: a comment\\n\\ndata: {"a": 1}\\n\\n')
    [ServerSentEvent(data='hello', event='greeting', id='', retry=None), \
ServerSentEvent(data='{"a": 1}', event='message', id='', retry=None)]
    >>> decoder.close()
    []
    """

    def __init__(
        self, *, max_line_size: int = DEFAULT_MAX_SIZE, max_event_size: int = DEFAULT_MAX_SIZE
    ) -> None:
        if max_line_size < 1 or max_event_size < 1:
            raise ValueError("max_line_size and max_event_size must be at least 1")
        self.max_line_size = max_line_size
        self.max_event_size = max_event_size
        self._partial_size = 0  # characters in the current line so far
        self._data_size = 0  # characters in the current event's data so far
        self._too_large: Optional[EventTooLarge] = None
        self._decoder: Optional[codecs.IncrementalDecoder] = None
        self._undecoded = False  # the decoder holds the first bytes of a character
        self._text_input: Optional[bool] = None
        self._started = False  # the BOM check is done
        self._pending_cr = False  # the last chunk ended in CR: a LF next is part of it
        # The current line so far, and the current event's data lines: ``None`` while there
        # are none (the usual chunk is a whole event: most decoders never need the lists, and
        # an empty list is one more object per open stream for the garbage collector).
        self._partial: Optional[list[str]] = None
        self._data: Optional[list[str]] = None
        self._event_type = ""
        self._last_event_id = ""
        self._retry: Optional[int] = None
        #: Whether close() dropped an event that had no blank line after it (per the spec).
        self.discarded_tail = False

    @property
    def last_event_id(self) -> str:
        """The last event id the stream set (what a client sends as ``Last-Event-ID``)."""
        return self._last_event_id

    @property
    def retry(self) -> Optional[int]:
        """The reconnection time the stream asked for, in milliseconds."""
        return self._retry

    def feed(self, chunk: Union[bytes, str]) -> list[ServerSentEvent]:
        """Consume the next chunk; return the events it completes.

        Raises :class:`EventTooLarge` when a line or an event crosses its limit.
        """
        if self._too_large is not None:
            raise EventTooLarge(self._too_large.what, self._too_large.limit)
        text = self._text(chunk)
        data = self._whole_event(text)
        if data is not None:
            event_type, self._event_type = self._event_type or "message", ""  # reset by it
            return [ServerSentEvent(data, event_type, self._last_event_id, self._retry)]
        return self._lines(text)

    def feed_data(self, chunk: Union[bytes, str]) -> list[str]:
        """:meth:`feed`, returning only the data of each event it completes (what a reader of
        provider events parses), without making event objects for the usual chunk.

        >>> SSEDecoder().feed_data(b'data: {"a": 1}\\n\\n')
        ['{"a": 1}']
        """
        data = self.feed_one(chunk)
        return [data] if isinstance(data, str) else data

    def feed_one(self, chunk: Union[bytes, str]) -> Union[str, list[str]]:
        """:meth:`feed_data`, except for the usual chunk, one whole event of one data line:
        its data alone then, not in a list (one list fewer per delta).

        >>> decoder = SSEDecoder()
        >>> decoder.feed_one(b'data: {"a": 1}\\n\\n')
        '{"a": 1}'
        >>> decoder.feed_one(b'data: 1\\n\\ndata: 2\\n\\n')
        ['1', '2']
        """
        if self._too_large is not None:
            raise EventTooLarge(self._too_large.what, self._too_large.limit)
        text = self._text(chunk)
        data = self._whole_event(text)
        if data is not None:
            self._event_type = ""  # reset by the dispatch
            return data
        return [event.data for event in self._lines(text)]

    def feed_framed(self, chunk: bytes, head: bytes, tail: bytes) -> Optional[str]:
        """:meth:`feed_data` of a chunk that is one whole event whose one data line is ``head``,
        then any text, then ``tail`` (``head`` starts with ``data: ``, ``tail`` ends with the
        blank line; neither holds another line end): that text alone, decoded. ``None``,
        having fed nothing, for any other chunk (then :meth:`feed_data` it).

        For a reader that knows how its events begin and end (as the stream's template of a
        delta event does): the usual chunk's middle is decoded alone, the rest of it neither
        decoded nor scanned for line ends again.

        >>> decoder = SSEDecoder()
        >>> decoder.feed_data(b'data: {"d": "a"}\\n\\n')
        ['{"d": "a"}']
        >>> decoder.feed_framed(b'data: {"d": "bc"}\\n\\n', b'data: {"d": "', b'"}\\n\\n')
        'bc'
        >>> decoder.feed_framed(b'data: {"e": 1}\\n\\n', b'data: {"d": "', b'"}\\n\\n') is None
        True
        """
        size = len(chunk)
        if (
            self._text_input is not False  # bytes fed before, and no state left by them:
            or self._undecoded
            or self._too_large is not None
            or self._partial
            or self._data
            or self._pending_cr
            or size - 2 > self.max_line_size  # (bytes: at least as many as characters)
            or size - 8 > self.max_event_size
            or size < len(head) + len(tail)
            or not chunk.startswith(head)
            or not chunk.endswith(tail)
        ):
            return None
        middle = chunk[len(head) : size - len(tail)]
        if 10 in middle or 13 in middle:  # LF, CR (as ints: no slower path of `bytes in`)
            return None
        try:
            text = middle.decode("utf-8")
        except UnicodeDecodeError:  # (invalid, or split: the chunk is decoded whole)
            return None
        self._started = True
        self._event_type = ""  # reset by the dispatch
        return text

    def _whole_event(self, text: str) -> Optional[str]:
        """The data of ``text`` if it is the usual chunk, one whole event of one data line
        (dispatched without the loop over lines); else ``None``. (It may be the stream's first
        chunk: one that starts with ``data`` starts with no BOM.)"""
        if (
            text.startswith("data: ")
            and text.endswith("\n\n")
            and not self._partial
            and not self._data
            and not self._pending_cr
            and text.find("\n") == len(text) - 2
            and "\r" not in text
            and len(text) - 2 <= self.max_line_size
            and len(text) - 8 <= self.max_event_size
        ):
            self._started = True
            return text[6:-2]
        return None

    def close(self) -> list[ServerSentEvent]:
        """End of stream. An event not followed by a blank line is discarded, as the spec says
        (``discarded_tail`` tells whether there was one). Returns the events still due.
        """
        if self._too_large is not None:
            return []
        events = self._lines(self._decoder.decode(b"", True)) if self._decoder else []
        self.discarded_tail = bool(self._data) or bool(self._partial and "".join(self._partial))
        self._data, self._partial, self._event_type = None, None, ""
        self._partial_size = self._data_size = 0
        return events

    def _text(self, chunk: Union[bytes, str]) -> str:
        is_text = isinstance(chunk, str)
        if self._text_input is None:
            self._text_input = is_text
        elif self._text_input != is_text:
            raise TypeError("feed() got both str and bytes: one decoder decodes one kind of input")
        if isinstance(chunk, str):
            return chunk
        if not self._undecoded:  # no character split across chunks waits: the usual, fast
            try:
                if type(chunk) is bytes:  # the usual: the compiled build decodes it directly
                    return chunk.decode("utf-8")
                return str(chunk, "utf-8")  # (any buffer: bytearray, memoryview)
            except UnicodeDecodeError:  # split at its end, or invalid: decoded piece by piece
                pass
        if self._decoder is None:
            self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        text = self._decoder.decode(chunk)
        self._undecoded = bool(self._decoder.getstate()[0])
        return text

    def _lines(self, text: str) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        if not self._started and text:  # the stream's first character: a BOM is dropped
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        if not text:  # an empty chunk: a CR ending the last one still waits for its LF
            return events
        if self._pending_cr:
            self._pending_cr = False
            if text.startswith("\n"):
                text = text[1:]  # the second half of a CRLF split across chunks
                if not text:
                    return events
        if "\r" in text:  # CR and CRLF end lines as LF does: one kind of line end from here
            # A CR ending the chunk ends its line: a LF starting the next one belongs to it.
            self._pending_cr = text.endswith("\r")
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        rest = lines.pop()  # after the last line end: the start of a line still open
        partial_size = self._partial_size + len(text)
        if lines and self._partial:
            self._partial.append(lines[0])
            lines[0] = "".join(self._partial)
            self._partial = None
        if lines:
            # Only a chunk as long as the limit can hold a line over it: check each line then.
            self._lines_done(lines, events, partial_size > self.max_line_size)
            partial_size = len(rest)
        if rest:
            self._check("line", partial_size, events)
            if self._partial is None:
                self._partial = [rest]
            else:
                self._partial.append(rest)
        self._partial_size = partial_size if rest else 0
        return events

    def _lines_done(self, lines: list[str], events: list[ServerSentEvent], check: bool) -> None:
        """Interpret complete lines, in order; the common ones (``data`` and blank lines) here."""
        for line in lines:
            if check and len(line) > self.max_line_size:
                self._check("line", len(line), events)
            if not line:
                if self._data:
                    self._dispatch(events)
                else:
                    self._event_type = ""
            elif line.startswith("data:"):
                value = line[6:] if line.startswith(" ", 5) else line[5:]
                self._data_size += len(value) + 1
                if self._data_size > self.max_event_size + 1:
                    self._check("event", self._data_size - 1, events)
                self._add_data(value)
            else:
                self._line(line, events)

    def _line(self, line: str, events: list[ServerSentEvent]) -> None:
        """Any other line (the rare ones: ``event``, ``id``, ``retry``, comments...)."""
        if line.startswith(":"):
            return
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data_size += len(value) + 1
            self._check("event", self._data_size - 1, events)
            self._add_data(value)
        elif field == "event":
            self._event_type = value
        elif field == "id":
            if "\0" not in value:
                self._last_event_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)

    def _add_data(self, value: str) -> None:
        data = self._data
        if data is None:
            self._data = [value]
        else:
            data.append(value)

    def _check(self, what: str, size: int, events: list[ServerSentEvent]) -> None:
        limit = self.max_line_size if what == "line" else self.max_event_size
        if size > limit:
            self._partial, self._data = None, None  # release what was kept at once
            self._too_large = EventTooLarge(what, limit)
            self._too_large.events = events  # dispatched by this feed before the limit
            raise self._too_large

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        data, event_type = self._data, self._event_type
        self._data, self._event_type, self._data_size = None, "", 0
        if not data:
            return  # nothing to dispatch: a data-less event (e.g. `event: ping`) is dropped
        events.append(
            ServerSentEvent(
                "\n".join(data), event_type or "message", self._last_event_id, self._retry
            )
        )

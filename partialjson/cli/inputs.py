"""What the commands read: a recorded or live stream in one of three formats, sniffed.

* **server-sent events** (``.sse``): a provider's HTTP body as it came, handed to
  :func:`partialjson.stream` as bytes;
* **JSON Lines of provider events**: one event object per line (what SDK-based recorders and
  many test suites store), handed over as dicts;
* **a plain JSON document**: replayed as the answer of a stream, so that it goes through the
  same lifecycle — partial values, field completion, validation — as a provider's answer. A
  document that ends before its value is complete is a stream without its terminal event
  (*failed: interrupted*); one that is not JSON is bad input.

The format is decided from the first line, so a live stream on standard input is shown as it
arrives. Bad input raises :class:`~partialjson.cli.errors.InputError` naming the file and the
line, column or byte. :class:`Pace` replays a recording at a model's speed for the demo.
"""

from __future__ import annotations

import codecs
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from typing import IO, Any, Optional

from ..core.errors import IncompleteJSONError, ParseError
from ..core.parser import Parser
from ..lifecycle.machine import Lifecycle
from .errors import InputError

SSE, JSONL, DOCUMENT = "sse", "jsonl", "document"
_CHUNK = 64 * 1024
_SNIFF_LIMIT = 64 * 1024
_SSE_FIELD = re.compile(rb"(data|event|id|retry)(:|\r?$)|:")
_JSON_START = frozenset(b'{["-0123456789tfn')
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_TOKEN = re.compile(r'"?[^\W\d_]+|\s?[^\W\d_]+|\d{1,3}|[^\w\s]{1,3}|\s+|.', re.DOTALL)


class Pace:
    """Waits between events like a model streaming at ``speed`` times its usual pace (about 60
    tokens a second after a short wait for the first). ``speed=0``: no waiting at all."""

    FIRST = 0.35
    EACH = 0.014

    def __init__(self, speed: float, seed: int = 0) -> None:
        self.speed = speed
        self._rng = random.Random(seed)
        self._first = True
        self._due = 0.0
        #: Seconds spent waiting so far (not the library's time).
        self.slept = 0.0

    def wait(self) -> None:
        if not self.speed:
            return
        now = time.monotonic()
        if self._first:
            self._due = now + self.FIRST / self.speed
            self._first = False
        else:  # on a schedule: time spent drawing is not added to the stream's
            self._due += self.EACH * self._rng.uniform(0.4, 1.6) / self.speed
        if self._due > now:
            time.sleep(self._due - now)
            self.slept += self._due - now


class Input:
    """A file or standard input, read in chunks as they arrive; knows how far it got."""

    def __init__(self, name: str, stream: IO[bytes], *, live: bool) -> None:
        self.name = name
        self._stream = stream
        self._live = live
        self._head = b""
        #: Bytes handed on so far, and the lines they make (for error positions).
        self.position = 0
        self.lines = 0
        #: The line on which the last piece handed on (an SSE event, a JSON line) starts.
        self.line = 1
        #: The :class:`InputError` that stopped the stream, if one did.
        self.error: Optional[InputError] = None
        self._paced = False
        #: Seconds spent waiting for input (not the library's time).
        self.read_time = 0.0

    @classmethod
    def open(cls, path: str) -> Input:
        if path == "-":
            return cls("<stdin>", sys.stdin.buffer, live=True)
        try:
            return cls(path, open(path, "rb"), live=False)
        except FileNotFoundError:
            raise InputError(path, "no such file") from None
        except IsADirectoryError:
            raise InputError(path, "is a directory, not a stream") from None
        except OSError as error:
            raise InputError(path, f"cannot read: {error.strerror or error}") from None

    def close(self) -> None:
        if self._stream is not sys.stdin.buffer:
            self._stream.close()

    def _read(self) -> bytes:
        start = time.perf_counter()
        try:
            if self._live:  # whatever has arrived: a live stream shows as it comes
                return os.read(self._stream.fileno(), _CHUNK)
            return self._stream.read(_CHUNK)
        except OSError as error:
            raise InputError(self.name, f"cannot read: {error.strerror or error}") from None
        finally:
            self.read_time += time.perf_counter() - start

    def chunks(self, *, count: bool = True) -> Iterator[bytes]:
        """The bytes, sniffed head first, counted as they are handed on."""
        head, self._head = self._head, b""
        chunk = head or self._read()
        while chunk:
            if count:
                self._count(chunk)
            yield chunk
            chunk = self._read()

    def _count(self, data: bytes) -> None:
        self.line = self.lines + 1
        self.position += len(data)
        self.lines += data.count(b"\n")

    def sniff(self) -> str:
        """Read up to the first line that is not blank and tell the format from it."""
        head = b""
        while True:
            chunk = self._read()
            head += chunk
            body = head.lstrip(b"\xef\xbb\xbf").lstrip()
            if not chunk or b"\n" in body or len(head) >= _SNIFF_LIMIT:
                break
        self._head = head
        body = head.lstrip(b"\xef\xbb\xbf").lstrip()
        if not body:
            raise InputError(self.name, "empty: there is no stream to read")
        first = body.split(b"\n", 1)[0].rstrip(b"\r")
        if b"\0" in head[:_SNIFF_LIMIT] or not _is_text(head):
            raise InputError(self.name, "binary data, not a stream", byte=_bad_byte(head))
        if _SSE_FIELD.match(first):
            return SSE
        if body[0] not in _JSON_START and not body.startswith(b'"'):
            raise InputError(
                self.name,
                "not a stream: expected server-sent events (`data:` lines), JSON Lines of "
                f"provider events, or a JSON document; it starts with {_shown(first)}",
                line=head[: len(head) - len(body)].count(b"\n") + 1,
                column=1,
            )
        return JSONL if _is_provider_event(first) else DOCUMENT

    # -- sources for partialjson.stream() ---------------------------------------------

    def source(self, kind: str, pace: Optional[Pace] = None) -> Iterator[Any]:
        """What :func:`partialjson.stream` reads for this input. Bad input met on the way is
        kept in :attr:`error` (the stream then ends *failed*) and re-raised by the caller."""
        self._paced = pace is not None  # cut at event (documents: token) boundaries
        reader = {SSE: self._sse, JSONL: self._jsonl, DOCUMENT: self._document}[kind]
        try:
            for item in reader():
                if pace is not None:
                    pace.wait()
                yield item
        except InputError as error:
            self.error = error
            raise

    def _sse(self) -> Iterator[bytes]:
        # Event by event, so that a position names the event that caused it.
        for chunk in self.chunks(count=False):
            for event in _events_in(chunk):
                self._count(event)
                yield event

    def _jsonl(self) -> Iterator[Any]:
        for number, line in enumerate(self._text_lines(), 1):
            self.line = number
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError as error:
                raise InputError(
                    self.name,
                    f"not a JSON event: {getattr(error, 'msg', error)}",
                    line=number,
                    column=getattr(error, "colno", None),
                ) from None
            if not isinstance(event, dict):
                raise InputError(
                    self.name, "not a JSON event: expected an object", line=number, column=1
                )
            yield event

    def _document(self) -> Iterator[Any]:
        parser = Parser()
        yield {"type": "response.created", "response": {"id": None, "model": None}}
        for text in self._text_chunks():
            for piece in _TOKEN.findall(text) if self._paced else (text,):
                try:
                    parser.feed(piece)
                except ParseError as error:
                    raise self._json_error(error) from None
                yield {"type": "response.output_text.delta", "delta": piece}
        try:
            parser.close()
        except IncompleteJSONError:
            return  # cut short: a stream without its terminal event (failed, interrupted)
        except ParseError as error:
            raise self._json_error(error) from None
        yield {"type": "response.completed", "response": {"status": "completed"}}

    def _json_error(self, error: ParseError) -> InputError:
        return InputError(
            self.name, f"not JSON: {error.msg}", line=error.lineno, column=error.colno
        )

    def _text_chunks(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        for chunk in self.chunks():
            try:
                yield decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise InputError(
                    self.name,
                    "not UTF-8 text",
                    byte=self.position - len(chunk) + error.start,
                ) from None
        try:
            yield decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputError(self.name, "not UTF-8 text: ends inside a character") from None

    def _text_lines(self) -> Iterator[str]:
        rest = ""
        for text in self._text_chunks():
            *lines, rest = (rest + text).split("\n")
            yield from lines
        yield rest


def _events_in(chunk: bytes) -> Iterator[bytes]:
    start = 0
    for end in _EVENT_END.finditer(chunk):
        yield chunk[start : end.end()]
        start = end.end()
    if start < len(chunk):
        yield chunk[start:]


def _is_text(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head[:_SNIFF_LIMIT])
    except UnicodeDecodeError:
        return False
    return True


def _bad_byte(head: bytes) -> int:
    if b"\0" in head:
        return head.index(b"\0")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return 0


def _shown(first: bytes) -> str:
    text = first[:24].decode("utf-8", "replace")
    return repr(text + ("…" if len(first) > 24 else ""))


def _is_provider_event(line: bytes) -> bool:
    """Whether a line is a whole JSON object that a provider's stream would send."""
    try:
        event = json.loads(line)
    except ValueError:
        return False
    if not isinstance(event, dict):
        return False
    probe = Lifecycle()
    probe.handle(event)
    return probe.provider is not None

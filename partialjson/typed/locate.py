"""The received text, and where a path's value starts in it (for error positions).

Theory of operation
===================

:class:`TextLog` keeps what was received, decoded, in a few large chunks (small deltas are
joined in batches, so a stream of tiny deltas costs about its own size). :meth:`TypedParser.finish`
validates that text, exactly as received.

:class:`Locator` answers "at which character does the value at this path start?" — only when
there is an error to report, never on the hot path. It navigates the text from the root: inside a
container it skips whole members with the stdlib's C JSON scanner (a regular-expression walk where
that one cannot go: huge integers, deep nesting), so a sibling costs C speed, not a Python loop over
characters. Each container it entered remembers how far it got, so errors reported in document
order cost linear time in total.
"""

from __future__ import annotations

import codecs
import json
import json.scanner
import re
from typing import Any, Callable, Optional, Union, cast

__all__ = ["Locator", "TextLog", "root_start"]

_BATCH = 256  # deltas joined into one chunk
_whitespace = cast(Callable[[str, int], "re.Match[str]"], re.compile(r"[ \t\n\r]*").match)
_token = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_string = re.compile(r'"(?:[^"\\]|\\.)*"', re.S).match
_scalar = re.compile(r"[^,\]}\s]+").match
_seek_root = re.compile(r"[{\[]|<think>").search
_scan_once = json.scanner.make_scanner(json.JSONDecoder(parse_constant=str))  # type: ignore[arg-type]


class TextLog:
    """The decoded text received so far, in chunks."""

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._tail: list[str] = []
        self._decoder: Optional[codecs.IncrementalDecoder] = None

    def add(self, delta: Union[str, bytes, bytearray, memoryview]) -> None:
        if not isinstance(delta, str):
            if self._decoder is None:
                self._decoder = codecs.getincrementaldecoder("utf-8-sig")("surrogatepass")
            delta = self._decoder.decode(bytes(delta))
        tail = self._tail
        tail.append(delta)
        if len(tail) >= _BATCH:
            self._chunks.append("".join(tail))
            tail.clear()

    @property
    def cut_character(self) -> bool:
        """Whether the bytes received end inside a multi-byte UTF-8 character."""
        return self._decoder is not None and bool(self._decoder.getstate()[0])

    def text(self) -> str:
        """Everything received, as one string (joined once, then kept joined)."""
        if self._tail:
            self._chunks.append("".join(self._tail))
            self._tail.clear()
        if len(self._chunks) > 1:
            self._chunks[:] = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""


def root_start(text: str, lenient: bool) -> Optional[int]:
    """Where the root value starts: after whitespace, or (lenient) after prose and <think>."""
    if not lenient:
        i = _whitespace(text, 0).end()
        return i if i < len(text) else None
    i = 0
    while True:
        match = _seek_root(text, i)
        if match is None:
            return None
        if match.group() != "<think>":
            return match.start()
        end = text.find("</think>", match.end())
        if end < 0:
            return None
        i = end + len("</think>")


class _Container:
    """How far a container's members have been read: their value offsets so far."""

    __slots__ = ("done", "keys", "next", "starts")

    def __init__(self, start: int) -> None:
        self.next = start + 1  # where the next member (or the closing bracket) is
        self.starts: list[int] = []  # value offsets of the array's elements read so far
        self.keys: dict[str, int] = {}  # value offsets of the object's keys read so far
        self.done = False


class Locator:
    """Finds where values start in a text, by path; keeps its cursors between questions."""

    def __init__(self) -> None:
        self._containers: dict[int, _Container] = {}

    def find(self, text: str, root: int, path: tuple[Any, ...]) -> tuple[int, int]:
        """(offset, parts found): where the deepest value along ``path`` starts.

        A part that is not in the text (a union tag or a validator's name in a pydantic error
        location) is passed over, and the next part looked up in the same container.
        """
        offset, found = root, 0
        for part in path:
            member = self._member(text, offset, part)
            if member is not None:
                offset = member
                found += 1
        if len(self._containers) > 256:
            self._containers.clear()
        return offset, found

    def _member(self, text: str, start: int, part: Any) -> Optional[int]:
        if start >= len(text):
            return None
        bracket = text[start]
        if bracket == "[" and isinstance(part, int):
            container = self._container(start)
            while len(container.starts) <= part:
                member = self._read(text, container, False)
                if member is None:
                    return None
                if member[0] == part:
                    return member[1]
                if not member[2]:  # the open value at the end of the text: no further
                    return None
            return container.starts[part]
        if bracket == "{" and isinstance(part, str):
            container = self._container(start)
            while part not in container.keys:
                member = self._read(text, container, True)
                if member is None:
                    return None
                if member[0] == part:
                    return member[1]
                if not member[2]:  # the open value at the end of the text: no further
                    return None
            return container.keys[part]
        return None

    def _container(self, start: int) -> _Container:
        container = self._containers.get(start)
        if container is None:
            container = self._containers[start] = _Container(start)
        return container

    def _read(
        self, text: str, container: _Container, is_object: bool
    ) -> Optional[tuple[Any, int, bool]]:
        """Read one more member of ``container``: its key (or index) and value offset.

        None at the container's end (or the text's). The last member read may be the value
        still open at the end of the text: it is returned, not remembered.
        """
        if container.done:
            return None
        i = _whitespace(text, container.next).end()
        if i >= len(text) or text[i] in "]}":
            container.done = i < len(text)
            return None
        if text[i] == ",":
            i = _whitespace(text, i + 1).end()
        key: Any = len(container.starts)
        if is_object:
            match = _string(text, i)
            if match is None:
                return None
            key = json.loads(match.group())
            i = _whitespace(text, match.end()).end() + 1  # the colon
            i = _whitespace(text, i).end()
        if i >= len(text):
            return None
        end = _skip(text, i)
        if end is not None:
            if is_object:
                container.keys.setdefault(key, i)
            else:
                container.starts.append(i)
            container.next = end
        return key, i, end is not None


def _skip(text: str, i: int) -> Optional[int]:
    """The end of the complete JSON value starting at ``text[i]`` (None if it is not complete)."""
    try:
        return int(_scan_once(text, i)[1])
    except StopIteration:
        return None
    except (ValueError, RecursionError):  # a huge integer, very deep nesting
        return _skip_slowly(text, i)


def _skip_slowly(text: str, i: int) -> Optional[int]:
    if text[i] == '"':
        match = _string(text, i)
        return None if match is None else match.end()
    if text[i] not in "[{":
        match = _scalar(text, i)
        return None if match is None else match.end()
    depth = 0
    for token in _token.finditer(text, i):
        char = token.group()[0]
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if not depth:
                return token.end()
    return None

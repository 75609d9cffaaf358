"""The received text, and where a path's value starts in it (for error positions).

Theory of operation
===================

:class:`TextLog` keeps what was received as UTF-8 bytes, in a few large chunks (small deltas are
joined in batches, so a stream of tiny deltas costs about its own size; UTF-8 takes one byte per
ASCII character, where a ``str`` with one emoji in it takes four per character).
:meth:`TypedParser.finish` validates those bytes, exactly as received; the text is decoded only
to locate an error.

:class:`Locator` answers "at which character does the value at this path start?" — only when
there is an error to report, never on the hot path. It navigates the text from the root: inside a
container it skips whole members with the stdlib's C JSON scanner (a regular-expression walk where
that one cannot go: huge integers, deep nesting), so a sibling costs C speed, not a Python loop over
characters. Each container it entered remembers how far it got, so errors reported in document
order cost linear time in total.
"""

from __future__ import annotations

import codecs
import functools
import json
import json.scanner
import re
from typing import Any, Callable, Optional, Union, cast

__all__ = ["Locator", "TextLog", "element_bounds", "root_start", "skip_value"]

_whitespace = cast(Callable[[str, int], "re.Match[str]"], re.compile(r"[ \t\n\r]*").match)
_token = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
_string = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S).match
# An object or array with no container inside: skipped by one match, nothing built.
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_flat = {
    "{": re.compile(r"\{[^{}\[\]\"]*(?:" + _STRING + r"[^{}\[\]\"]*)*\}").match,
    "[": re.compile(r"\[[^{}\[\]\"]*(?:" + _STRING + r"[^{}\[\]\"]*)*\]").match,
}
_ELEMENT = (
    r"(?:\{[^{}\[\]\"]*(?:" + _STRING + r"[^{}\[\]\"]*)*\}"
    r"|\[[^{}\[\]\"]*(?:" + _STRING + r"[^{}\[\]\"]*)*\]"
    r"|" + _STRING + r"|[^,\[\]{}\"\s]+)"
)
_scalar = re.compile(r"[^,\]}\s]+").match
_seek_root = re.compile(r"[{\[]|<think>").search
_scan_once = json.scanner.make_scanner(json.JSONDecoder(parse_constant=str))  # type: ignore[arg-type]


class TextLog:
    """What was received so far, as UTF-8 bytes in one buffer; decoded only when asked.

    ``str`` deltas are encoded as they arrive (:attr:`buffer` ``+= delta.encode()``: a
    ``bytearray`` grows in place, so the end of a stream has nothing left to join or encode);
    bytes deltas are appended as received (a leading BOM is left out of :meth:`data`, as the
    core parser drops it). The core parser has already refused a mix of both, and bytes that are
    not UTF-8. UTF-8 takes one byte per ASCII character, where a ``str`` with one emoji in it
    takes four per character.
    """

    __slots__ = ("_bytes_fed", "_surrogates", "_text", "_text_size", "buffer", "plain")

    def __init__(self) -> None:
        #: Everything received, as UTF-8 (read it, do not keep it: it grows in place).
        self.buffer = bytearray()
        #: Only ``str`` deltas, none with a lone surrogate, were received: :attr:`buffer` is
        #: the document itself (no BOM, no character cut, nothing to decode). An attribute,
        #: not a question: :meth:`TypedParser.finish <partialjson.TypedParser.finish>` reads it
        #: instead of calling :attr:`cut_character` and :meth:`document`.
        self.plain = True
        self._bytes_fed = False
        #: Lone surrogates were received (a str that is no UTF-8, or bytes encoding them):
        #: :meth:`data` cannot stand for the text, which is validated instead.
        self._surrogates = False
        self._text = ""  # the decoded text, as of ``_text_size`` bytes
        self._text_size = 0

    def add(self, delta: Union[str, bytes, bytearray, memoryview]) -> None:
        if isinstance(delta, str):
            try:
                self.buffer += delta.encode()
            except UnicodeEncodeError:
                self._surrogates = True
                self.plain = False
                self.buffer += delta.encode("utf-8", "surrogatepass")
        else:
            self._bytes_fed = True
            self.plain = False
            self.buffer += delta

    @property
    def size(self) -> int:
        """How many bytes the buffer holds."""
        return len(self.buffer)

    def add_valid(self, delta: Union[str, bytes, bytearray, memoryview]) -> None:
        """Add the part of a delta the core parser rejected that is valid UTF-8."""
        self.add(delta)
        if self._bytes_fed:  # (decoded whole, once: a stream fails only once)
            start = self.start
            try:
                with memoryview(self.buffer) as view, view[start:] as added:
                    str(added, "utf-8", "surrogatepass")
            except UnicodeDecodeError as error:
                del self.buffer[start + error.start :]

    def truncate(self, size: int) -> None:
        """Forget what was added after the buffer held ``size`` bytes."""
        del self.buffer[size:]

    @property
    def bytes_fed(self) -> bool:
        """Whether the deltas were bytes (else str)."""
        return self._bytes_fed

    def raw(self) -> bytes:
        """The bytes as received, a leading BOM included."""
        return bytes(self.buffer)

    @property
    def start(self) -> int:
        """Where the document starts in the buffer: after a BOM that bytes began with."""
        return 3 if self._bytes_fed and self.buffer[:3] == _BOM else 0

    def document(self) -> Union[bytes, bytearray, str]:
        """What :meth:`finish <partialjson.TypedParser.finish>` validates: the bytes as
        received (the buffer itself: nothing decoded, nothing encoded, nothing joined), or the
        decoded text if lone surrogates were received (pydantic reads them differently in
        bytes and in a str)."""
        buffer = self.buffer
        if not self._bytes_fed:
            return self.text() if self._surrogates else buffer
        if _encoded_surrogate(buffer) is not None:
            return self.text()
        return bytes(buffer[3:]) if buffer[:3] == _BOM else buffer

    def slice(self, start: int, end: int) -> Union[bytes, str]:
        """The buffer's bytes ``start:end`` (as text if lone surrogates were received)."""
        piece = bytes(self.buffer[start:end])
        if self._surrogates:
            return piece.decode("utf-8", "surrogatepass")
        return piece

    @property
    def cut_character(self) -> bool:
        """Whether the bytes received end inside a multi-byte UTF-8 character."""
        return self._bytes_fed and _cut_at_end(self.buffer) > 0

    def text(self) -> str:
        """Everything received, decoded (a character cut at the end is left out)."""
        buffer = self.buffer
        if len(buffer) != self._text_size:
            whole = len(buffer) - _cut_at_end(buffer) if self._bytes_fed else len(buffer)
            with memoryview(buffer) as view, view[self.start : whole] as text:
                self._text = str(text, "utf-8", "surrogatepass")
            self._text_size = len(buffer)
        return self._text

    def offset(self, text: str, position: int) -> int:
        """The buffer offset of the character at ``position`` in :meth:`text`."""
        return self.start + len(text[:position].encode("utf-8", "surrogatepass"))


_BOM = codecs.BOM_UTF8
_encoded_surrogate = re.compile(rb"\xed[\xa0-\xbf]").search


def _cut_at_end(data: Union[bytes, bytearray]) -> int:
    """How many bytes of an unfinished UTF-8 character end ``data`` (0: none)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:  # the lead byte: it announces its character's length
            length = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if back < length else 0
    return 0


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


@functools.lru_cache(maxsize=32)
def _elements(count: int) -> Callable[[str, int], Optional[re.Match[str]]]:
    """A match of ``count`` flat array elements and their commas: a jump, in one call."""
    return re.compile(rf"(?:{_ELEMENT}[ \t\n\r]*,[ \t\n\r]*){{{count}}}").match


class _Container:
    """How far a container's members have been read: their value offsets so far."""

    __slots__ = ("count", "done", "keys", "next", "pending", "starts")

    def __init__(self, start: int) -> None:
        self.next = start + 1  # where the next member (or the closing bracket) is
        self.pending = -1  # the last member's value, read up to its start only
        self.starts: dict[int, int] = {}  # value offsets of the array's elements read so far
        self.count = 0  # elements whose start is known
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
            if part in container.starts:
                return container.starts[part]
            if part > container.count + 4:
                self._jump(text, container, part)
            while container.count <= part and self._read(text, container, False):
                pass
            return container.starts.get(part)
        if bracket == "{" and isinstance(part, str):
            container = self._container(start)
            keys = container.keys
            while part not in keys and self._read(text, container, True):
                pass
            return keys.get(part)
        return None

    def _jump(self, text: str, container: _Container, part: int) -> None:
        """Skip to element ``part`` in one match, if the elements before it are flat."""
        if container.done:
            return
        if container.pending >= 0:
            i, count = container.pending, part - container.count + 1
        else:
            i, count = _whitespace(text, container.next).end(), part
        match = _elements(count)(text, i)
        if match is not None and match.end() < len(text):
            container.starts[part] = container.next = container.pending = match.end()
            container.count = part + 1

    def _container(self, start: int) -> _Container:
        container = self._containers.get(start)
        if container is None:
            container = self._containers[start] = _Container(start)
        return container

    def _read(self, text: str, container: _Container, is_object: bool) -> bool:
        """Read one more member of ``container`` up to its value's start; False at the end.

        The value itself is skipped only when the member after it is wanted: the member
        looked for may be the value still open at the end of the text.
        """
        if container.done:
            return False
        i = container.next
        if container.pending >= 0:
            end = skip_value(text, container.pending)
            if end is None:  # the last value is not complete: nothing after it yet
                return False
            i, container.pending = end, -1
        n = len(text)
        i = _whitespace(text, i).end()
        if i < n and text[i] == ",":
            i = _whitespace(text, i + 1).end()
        if i >= n or text[i] in "]}":
            container.done = i < n
            return False
        if is_object:
            match = _string(text, i)
            if match is None:
                return False
            key = match.group()
            key = json.loads(key) if "\\" in key else key[1:-1]
            i = _whitespace(text, match.end()).end() + 1  # the colon
            i = _whitespace(text, i).end()
            if i >= n:
                return False
            container.keys.setdefault(key, i)
        else:
            container.starts[container.count] = i
            container.count += 1
        container.next = container.pending = i
        return True


def skip_value(text: str, i: int) -> Optional[int]:
    """The end of the complete JSON value starting at ``text[i]`` (None if it is not complete)."""
    flat = _flat.get(text[i])
    if flat is not None:
        match = flat(text, i)
        if match is not None:
            return match.end()
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


# The same walk over UTF-8 bytes (a multi-byte character never holds a quote, a backslash or a
# bracket byte), for the elements of an ``items=`` array, cut from the buffer as received.
_STRING_BYTES = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_string_bytes = re.compile(_STRING_BYTES, re.S).match
_token_bytes = re.compile(_STRING_BYTES + rb"|[\[\]{}]", re.S)
_flat_bytes = {
    ord("{"): re.compile(rb"\{[^{}\[\]\"]*(?:" + _STRING_BYTES + rb"[^{}\[\]\"]*)*\}").match,
    ord("["): re.compile(rb"\[[^{}\[\]\"]*(?:" + _STRING_BYTES + rb"[^{}\[\]\"]*)*\]").match,
}
_scalar_bytes = re.compile(rb"[^,\]}\s]+").match
_separator_bytes = re.compile(rb"[ \t\n\r,]*").match
_OPENING = frozenset(b"[{")


def element_bounds(data: Union[bytes, bytearray], i: int) -> tuple[int, int]:
    """(start, end) of the next array element at or after ``data[i]`` (past whitespace, a
    comma), which must be complete and valid JSON (the core parser has
    read it whole). Costs O(its length): one match for a flat element."""
    i = _separator_bytes(data, i).end()  # type: ignore[union-attr]
    first = data[i]
    if first == 0x22:  # '"'
        return i, _string_bytes(data, i).end()  # type: ignore[union-attr]
    if first not in _OPENING:
        return i, _scalar_bytes(data, i).end()  # type: ignore[union-attr]
    match = _flat_bytes[first](data, i)
    if match is not None:
        return i, match.end()
    depth = 0
    for token in _token_bytes.finditer(data, i):
        char = data[token.start()]
        if char in _OPENING:
            depth += 1
        elif char != 0x22:
            depth -= 1
            if not depth:
                return i, token.end()
    raise ValueError("the element is not complete")  # the parser read it whole: never

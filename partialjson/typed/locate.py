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

__all__ = ["BATCH", "Locator", "TextLog", "root_start", "skip_value"]

BATCH = 256  # deltas joined into one chunk
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
    """What was received so far, as UTF-8 bytes in chunks; decoded only when asked.

    One log takes ``str`` deltas (appended to :attr:`tail`, encoded a batch at a time) or bytes
    deltas (kept as received; a leading BOM is dropped, as the core parser drops it) — the core
    parser has already refused a mix of both, and bytes that are not UTF-8.
    """

    __slots__ = ("_bytes_fed", "_chunks", "_surrogates", "_text", "_text_size", "tail")

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self.tail: list[Any] = []  # the latest deltas, not joined yet
        self._bytes_fed = False
        #: Lone surrogates were received (a str that is no UTF-8, or bytes encoding them):
        #: :meth:`data` cannot stand for the text, which is validated instead.
        self._surrogates = False
        self._text = ""  # the decoded text, as of ``_text_size`` bytes
        self._text_size = 0

    def add(self, delta: Union[str, bytes, bytearray, memoryview]) -> None:
        if not isinstance(delta, str):
            self._bytes_fed = True
            delta = bytes(delta)
        tail = self.tail
        tail.append(delta)
        if len(tail) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Join the latest deltas into one chunk."""
        tail = self.tail
        if self._bytes_fed:
            self._chunks.append(b"".join(tail))
        else:
            text = "".join(tail)
            try:
                self._chunks.append(text.encode())
            except UnicodeEncodeError:
                self._surrogates = True
                self._chunks.append(text.encode("utf-8", "surrogatepass"))
        tail.clear()
        self._text, self._text_size = "", 0  # a decoded copy is kept only until more arrives

    def data(self) -> bytes:
        """Everything received, as one ``bytes`` (joined once, then kept joined)."""
        if self.tail:
            self.flush()
        chunks = self._chunks
        if len(chunks) > 1:
            chunks[:] = [b"".join(chunks)]
        if not chunks:
            return b""
        if self._bytes_fed and chunks[0][:3] == _BOM:
            chunks[0] = chunks[0][3:]
        return chunks[0]

    @property
    def validated_as_text(self) -> bool:
        """Whether :meth:`finish <partialjson.TypedParser.finish>` must validate the decoded
        text: lone surrogates, which pydantic reads differently in bytes and in a str."""
        data = self.data()  # flushed first: the last batch may hold the surrogate
        return self._surrogates or (self._bytes_fed and _encoded_surrogate(data) is not None)

    @property
    def cut_character(self) -> bool:
        """Whether the bytes received end inside a multi-byte UTF-8 character."""
        return self._bytes_fed and _cut_at_end(self.data()) > 0

    def text(self) -> str:
        """Everything received, decoded (a character cut at the end is left out)."""
        data = self.data()
        if len(data) != self._text_size:
            whole = len(data) - _cut_at_end(data) if self._bytes_fed else len(data)
            self._text = data[:whole].decode("utf-8", "surrogatepass")
            self._text_size = len(data)
        return self._text


_BOM = codecs.BOM_UTF8
_encoded_surrogate = re.compile(rb"\xed[\xa0-\xbf]").search


def _cut_at_end(data: bytes) -> int:
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

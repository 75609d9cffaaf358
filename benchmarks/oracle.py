"""The true partial value of a JSON prefix, computed independently of partialjson, and the check
every peer's partial value must pass after every delta.

:class:`Reference` is a deliberately plain pushdown reader (a loop over characters, regexes only
for plain string runs) that keeps the *true* partial value: containers appear when they open, a
member once its value starts, a string at its opening quote and then grows by exactly the
characters received (an escape or a surrogate pair shows once whole), numbers and literals once
they are complete. It shares no code with ``partialjson``.

:func:`disagreement` compares a peer's value with it. A peer is free to decide the one token that
cannot be decided yet at the tail (show ``12`` while ``123`` may come, show ``tru`` as ``True``,
show a member with ``null`` before its value starts, hide a string that has no character yet),
but everything else must be exact. In particular **a growing string must be the true prefix**:
a string left stale at its first characters, one that loses its tail whitespace, or one that
disappears while an escape sequence is half received is wrong.
"""

from __future__ import annotations

import re
from typing import Any, Optional

_plain = re.compile(r'[^"\\]+').match
_whitespace = " \t\n\r"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_number_chars = frozenset("+-.0123456789eE")

_missing = object()


class Reference:
    """The true partial value of everything fed so far (see the module docstring)."""

    def __init__(self) -> None:
        self.root: Any = _missing
        self._stack: list[Any] = []  # open containers
        self._keys: list[Any] = []  # per container: the current key (object) or None (array)
        self._state = "value"  # value | key_or_end | key | colon | after | string | token | end
        self._first = False  # just after '[' / '{': the closing bracket may come
        self._token = ""  # a number or literal being read
        self._pieces: list[str] = []  # the string being read (value or key)
        self._escape = ""  # a half-received escape, e.g. "\\u00"
        self._high = ""  # a high surrogate waiting for its low half
        self._in_key = False

    # -------------------------------------------------------------- reading

    @property
    def value(self) -> Any:
        """The true partial value (``_missing`` sentinel → ``None`` before anything)."""
        if self._state == "string" and not self._in_key:
            joined = "".join(self._pieces)  # no copy when nothing new arrived
            self._pieces[:] = [joined]
            self._put(joined)
        return None if self.root is _missing else self.root

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            state = self._state
            if state == "string":
                i = self._string(text, i)
                continue
            char = text[i]
            if state == "token":
                if char in _number_chars or char.isalpha():
                    self._token += char
                    i += 1
                    continue
                self._end_token()
                continue  # the delimiter is read in the new state
            i += 1
            if char in _whitespace:
                continue
            if state == "value":
                if self._first and char == "]":
                    self._close()
                else:
                    self._value_start(char)
            elif state == "key_or_end" and char == "}":
                self._close()
            elif state in ("key", "key_or_end"):
                if char != '"':
                    raise ValueError(f"expected a key, got {char!r}")
                self._state, self._in_key, self._pieces = "string", True, []
            elif state == "colon":
                if char != ":":
                    raise ValueError(f"expected ':', got {char!r}")
                self._state = "value"
                self._first = False
            elif state == "after":
                if char == ",":
                    self._state = "key" if self._keys[-1] is not None else "value"
                    self._first = False
                elif char in "]}":
                    self._close()
                else:
                    raise ValueError(f"expected ',' or a bracket, got {char!r}")
            else:
                raise ValueError(f"unexpected {char!r} after the document")

    def close(self) -> Any:
        if self._state == "token":
            self._end_token()
        if self._state != "end":
            raise ValueError("the document is incomplete")
        return self.root

    # -------------------------------------------------------------- steps

    def _value_start(self, char: str) -> None:
        self._first = False
        if char == "{":
            self._open({}, key="")
        elif char == "[":
            self._open([], key=None)
        elif char == '"':
            self._put("", new=True)
            self._state, self._in_key, self._pieces = "string", False, []
        elif char in _number_chars or char.isalpha():
            self._state, self._token = "token", char
        else:
            raise ValueError(f"unexpected {char!r}")

    def _open(self, container: Any, key: Optional[str]) -> None:
        self._put(container, new=True)
        self._stack.append(container)
        self._keys.append(key)
        self._state = "key_or_end" if key is not None else "value"
        self._first = True

    def _close(self) -> None:
        self._stack.pop()
        self._keys.pop()
        self._after()

    def _after(self) -> None:
        self._state = "after" if self._stack else "end"

    def _end_token(self) -> None:
        import json

        self._put(json.loads(self._token), new=True)
        self._token = ""
        self._after()

    def _put(self, value: Any, new: bool = False) -> None:
        """Put a value in the current slot: a new member or element (``new``), or the growing
        string's latest text in the slot it already has."""
        if not self._stack:
            self.root = value
        elif self._keys[-1] is not None:
            self._stack[-1][self._keys[-1]] = value
        elif new:
            self._stack[-1].append(value)
        else:
            self._stack[-1][-1] = value

    def _string(self, text: str, i: int) -> int:
        n = len(text)
        pieces = self._pieces
        while i < n:
            if self._escape:
                self._escape += text[i]
                i += 1
                self._finish_escape()
                continue
            run = _plain(text, i)
            if run:
                if self._high:
                    pieces.append(self._high)  # a lone high surrogate: keep it as json does
                    self._high = ""
                pieces.append(run.group())
                i = run.end()
                continue
            char = text[i]
            i += 1
            if char == "\\":
                self._escape = "\\"
                continue
            # the closing quote
            if self._high:
                pieces.append(self._high)
                self._high = ""
            whole = "".join(pieces)
            if self._in_key:
                self._keys[-1] = whole
                self._state = "colon"
            else:
                self._put(whole)
                self._after()
            return i
        return i

    def _finish_escape(self) -> None:
        escape = self._escape
        if escape[1] != "u":
            self._pieces.append(_ESCAPES[escape[1]])
            self._escape = ""
            return
        if len(escape) < 6:
            return
        self._escape = ""
        code = int(escape[2:], 16)
        if 0xD800 <= code < 0xDC00:
            if self._high:
                self._pieces.append(self._high)
            self._high = chr(code)
        elif 0xDC00 <= code < 0xE000 and self._high:
            high = ord(self._high) - 0xD800
            self._pieces.append(chr(0x10000 + (high << 10) + (code - 0xDC00)))
            self._high = ""
        else:
            if self._high:
                self._pieces.append(self._high)
                self._high = ""
            self._pieces.append(chr(code))


def _empty(value: Any) -> bool:
    return value == "" or value == [] or value == {}


def _pending_ok(shown: Any, final: Any) -> bool:
    """Whether ``shown`` is a fair display of a member whose value has not started or is an
    undecided number or literal (``final`` is what it will be)."""
    if shown is None or shown == final:
        return True
    if isinstance(final, (int, float)) and not isinstance(final, bool):
        return isinstance(shown, (int, float)) and not isinstance(shown, bool)
    return _empty(shown) and type(shown) is type(final)


def disagreement(shown: Any, true: Any, final: Any, full: bool = True, path: str = "$") -> str:
    """Why ``shown`` is not a correct partial value ("" if it is).

    ``true`` is the :class:`Reference` value for the same prefix, ``final`` the whole document's
    value. With ``full=False`` only the growing tail (the last member at every level) is compared,
    which is O(depth) per delta; members before it were checked when they were the tail.
    """
    if isinstance(true, dict):
        if not isinstance(shown, dict):
            return f"{path}: {_short(shown)} shown for an object"
        keys, shown_keys = list(true), list(shown)
        if shown_keys == keys:
            pass
        elif shown_keys == keys[:-1] and _empty(true[keys[-1]]):
            keys = keys[:-1]  # an empty last member not shown yet
        elif (
            shown_keys[:-1] == keys
            and isinstance(final, dict)
            and len(final) > len(keys)
            and list(final)[len(keys)] == shown_keys[-1]
            and _pending_ok(shown[shown_keys[-1]], final[shown_keys[-1]])
        ):
            pass  # the next member, shown before it is decided
        elif shown_keys == keys[:-1]:
            return f"{_at(path, keys[-1])}: hidden, though {_short(true[keys[-1]])} arrived"
        else:
            return f"{path}: keys {_short(shown_keys)} where the prefix has {_short(keys)}"
        if not keys:
            return ""
        if full:
            for key in keys[:-1]:
                if shown[key] != true[key]:
                    return f"{path}.{key}: {_short(shown[key])} != {_short(true[key])}"
        last = keys[-1]
        return disagreement(shown[last], true[last], _child(final, last), full, f"{path}.{last}")
    if isinstance(true, list):
        if not isinstance(shown, list):
            return f"{path}: {_short(shown)} shown for an array"
        count = len(true)
        if len(shown) == count:
            pass
        elif len(shown) == count - 1 and _empty(true[-1]):
            count -= 1
        elif len(shown) == count - 1:
            return f"{path}[-1]: hidden, though {_short(true[-1])} arrived"
        elif (
            len(shown) == count + 1
            and isinstance(final, list)
            and len(final) > count
            and _pending_ok(shown[-1], final[count])
        ):
            pass
        else:
            return f"{path}: {len(shown)} elements where the prefix has {len(true)}"
        if not count:
            return ""
        if full and shown[: count - 1] != true[: count - 1]:
            return f"{path}: an element before the last differs"
        return disagreement(
            shown[count - 1], true[count - 1], _child(final, count - 1), full, f"{path}[-1]"
        )
    if isinstance(true, str):
        if shown == true:
            return ""
        if isinstance(shown, str):
            if true.startswith(shown):
                return (
                    f"{path}: a growing string is stale: {len(shown)} of {len(true)} characters "
                    f"shown (ends {shown[-20:]!r}, should end {true[-20:]!r})"
                )
            return f"{path}: string {_short(shown)} is not the true prefix {_short(true)}"
        return f"{path}: {_short(shown)} shown for the string {_short(true)}"
    if true is _missing or (true is None and shown is None):
        return ""
    if shown != true or type(shown) is not type(true):
        return f"{path}: {_short(shown)} != {_short(true)}"
    return ""


def _at(path: str, key: Any) -> str:
    return f"{path}.{key}"


def short_path(path: str) -> str:
    """A deep path, shortened for a table: ``$…(40 levels)….v``."""
    if len(path) <= 60:
        return path
    return f"$…({path.count('.') + path.count('[')} levels)…{path[-30:]}"


def _child(final: Any, key: Any) -> Any:
    try:
        return final[key]
    except (KeyError, IndexError, TypeError):
        return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:28] + "…" + text[-28:]

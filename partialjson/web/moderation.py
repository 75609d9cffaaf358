"""Moderation of relayed text: a hook that sees text before it is forwarded, and held fields.

A *moderator* is a callable ``moderate(path, text, complete) -> str | None`` called with a
string's JSON Pointer, its whole text so far (a live string: no copy is made) and whether the
string is complete. It returns the text to show so far — ``text`` itself to pass it, an edited
text to redact — or ``None`` to hold it back for now (it is asked again when the string grows,
and with ``complete=True`` once it is done). Text it shows should extend what it showed before;
when it does not (a redaction reaching back), the relay replaces the string instead of
appending to it.

*Held* fields (``hold_until_complete``: JSON Pointers, ``*`` matching any one segment, e.g.
``"/items/*/description"``) are not shown at all while they stream: the field appears, whole,
with its ``field_completed`` event.

    >>> def no_digits(path, text, complete):
    ...     return "".join("#" if c.isdigit() else c for c in text)
    >>> no_digits("/card", "4111 1111", False)
    '#### ####'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Callable, Optional

from ..core.events import Path

__all__ = ["HeldFields", "Moderator"]

#: ``moderate(path, text, complete)``: the text to show so far, or ``None`` to hold it.
Moderator = Callable[[str, str, bool], Optional[str]]


class HeldFields:
    """Which paths are held until complete, and which of them were released."""

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._patterns = [_split(p) for p in patterns]
        self._released: set[Path] = set()

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def held(self, path: Path) -> Optional[Path]:
        """The held prefix of ``path`` (itself or an ancestor) not yet released, or None."""
        for pattern in self._patterns:
            n = len(pattern)
            if len(path) >= n and all(p == "*" or p == str(k) for p, k in zip(pattern, path)):
                prefix = path[:n]
                if prefix not in self._released:
                    return prefix
        return None

    def is_held_root(self, path: Path) -> bool:
        """Whether ``path`` itself is a held field (not yet released)."""
        return self.held(path) == path

    def release(self, path: Path) -> None:
        self._released.add(path)


def _split(pattern: str) -> tuple[str, ...]:
    if pattern and not pattern.startswith("/"):
        raise ValueError(f"a held field is a JSON Pointer starting with '/': {pattern!r}")
    parts = pattern.split("/")[1:] if pattern else []
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)

"""The signal made on every delta, :class:`TextDelta`, as a plain class of its own module.

:mod:`~partialjson.providers.signals` defines the other signals as frozen dataclasses and
re-exports this one. It lives apart so that the compiled build can compile it (the signals
module cannot be: the adapters of the pure-Python modules subclass its :class:`Adapter`): a
native class is made in a few hundred instructions where a dataclass's Python ``__init__``
costs thousands, once per delta. It compares, hashes and prints as the dataclass did; like
every signal it is not changed after it is made.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TextDelta"]


class TextDelta:
    """A piece of the answer's text, for choice ``choice``.

    >>> TextDelta(0, '{"a"') == TextDelta(0, '{"a"'), TextDelta(1, "x")
    (True, TextDelta(choice=1, text='x'))
    """

    __slots__ = ("choice", "text")

    def __init__(self, choice: int, text: str) -> None:
        self.choice = choice
        self.text = text

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextDelta):
            return NotImplemented
        return self.choice == other.choice and self.text == other.text

    def __hash__(self) -> int:
        return hash((self.choice, self.text))

    def __repr__(self) -> str:
        return f"TextDelta(choice={self.choice!r}, text={self.text!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (TextDelta, (self.choice, self.text))

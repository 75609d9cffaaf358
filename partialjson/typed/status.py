"""What the typed view reports besides the view itself: a path's status, an issue, the error
of reading a final value too early.

Kept apart from :mod:`partialjson.typed.parser`, which the compiled build compiles: these are an
``Enum``, an exception and a frozen dataclass, classes users see, compare, pickle and catch,
which stay plain Python classes (the parser re-exports them).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ..core.events import Path

__all__ = ["FieldStatus", "FinalValueError", "Issue"]


class FieldStatus(str, enum.Enum):
    """Where a path stands in the stream; it only moves forward.

    ``pending`` (not arrived yet) → ``streaming`` (arriving) → ``complete`` (final), or
    ``invalid`` (complete, but it failed its field's validation: see :attr:`TypedParser.issues`).

    >>> from partialjson import FieldStatus, TypedParser
    >>> from partialjson.samples import Customer
    >>> parser = TypedParser(Customer)
    >>> _ = parser.feed('{"name": "Zoë", "vip": "maybe", "email": "zo')
    >>> [parser.status(field) for field in ("name", "email", "vip")]
    [<FieldStatus.COMPLETE: 'complete'>, <FieldStatus.STREAMING: 'streaming'>, \
<FieldStatus.INVALID: 'invalid'>]
    >>> parser.status("name") == "complete"  # a str enum
    True
    """

    PENDING = "pending"  #: not started
    STREAMING = "streaming"  #: started, still growing
    COMPLETE = "complete"  #: final: it will not change again
    INVALID = "invalid"  #: complete, but failed its field's validation (see ``issues``)


class FinalValueError(RuntimeError):
    """There is no final value: the stream is not done (or did not complete).

    >>> from partialjson import FinalValueError, TypedParser
    >>> from partialjson.samples import Customer
    >>> parser = TypedParser(Customer)
    >>> _ = parser.feed('{"name": "Zoë"')
    >>> try:
    ...     parser.final
    ... except FinalValueError as error:
    ...     print(error)
    the final value exists only after finish(), the stream's done signal; use .partial for \
display while it streams
    """


@dataclass(frozen=True)
class Issue:
    """A complete value that failed its field's validation, kept out of the partial view.

    ``path`` is where the value is in the JSON (keys as received, like pydantic's error
    ``loc``); ``field_path`` the same place by Python field names, as in the view;
    ``position`` the offset of the value's first character in the text, however it was split.

    >>> from partialjson import TypedParser
    >>> from partialjson.samples import Customer
    >>> parser = TypedParser(Customer)
    >>> _ = parser.feed('{"name": "Zoë", "vip": "maybe"')
    >>> parser.issues
    [Issue(path=('vip',), message='Input should be a valid boolean, unable to interpret input', \
position=23, field_path=('vip',))]
    >>> parser.partial.vip is None  # kept out of the view
    True
    """

    path: Path
    message: str
    #: Offset (in characters of the text received) where the offending value starts.
    position: int
    field_path: Path = ()

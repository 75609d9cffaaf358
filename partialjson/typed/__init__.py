"""The typed layer: a live partial view of a pydantic type, field status, strict schemas."""

from typing import TYPE_CHECKING

from .parser import FieldStatus, FinalValueError, Issue
from .parser import TypedParser as _TypedParser
from .schema import json_schema, response_format, text_format

if TYPE_CHECKING:
    from typing import Any, TypeVar, Union, overload

    from ..core.events import Path

    T = TypeVar("T")

    class TypedParser(_TypedParser[T]):
        """:class:`partialjson.typed.parser.TypedParser`, as type checkers see it: its
        ``T`` named by the type given (a class), else ``Any`` (``list[Model]``, a union...).

        For type checkers only: the compiled build (mypyc) cannot compile an overloaded
        ``__init__``, so the overloads live here and, at run time, ``TypedParser`` is the
        class itself.
        """

        @overload
        def __init__(
            self: "TypedParser[T]",
            type_: "type[T]",
            *,
            items: "Union[str, Path, None]" = None,
            **options: "Any",
        ) -> None: ...

        @overload  # list[Model], unions, Annotated...: typing cannot name T from these
        def __init__(
            self: "TypedParser[Any]",
            type_: "Any",
            *,
            items: "Union[str, Path, None]" = None,
            **options: "Any",
        ) -> None: ...

        def __init__(
            self, type_: "Any", *, items: "Union[str, Path, None]" = None, **options: "Any"
        ) -> None: ...

else:
    TypedParser = _TypedParser

__all__ = [
    "FieldStatus",
    "FinalValueError",
    "Issue",
    "TypedParser",
    "json_schema",
    "response_format",
    "text_format",
]

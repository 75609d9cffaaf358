"""partialjson: streamed LLM JSON as live, typed data."""

from __future__ import annotations

from ._errors import IncompleteJSONError, ParseError
from ._events import (
    Boolean,
    EndArray,
    EndMap,
    Event,
    MapKey,
    Null,
    Number,
    Path,
    StartArray,
    StartMap,
    String,
    StringFragment,
)
from ._parser import Parser, loads

__version__ = "0.1.0"

__all__ = [
    "Boolean",
    "EndArray",
    "EndMap",
    "Event",
    "IncompleteJSONError",
    "MapKey",
    "Null",
    "Number",
    "ParseError",
    "Parser",
    "Path",
    "StartArray",
    "StartMap",
    "String",
    "StringFragment",
    "__version__",
    "loads",
]

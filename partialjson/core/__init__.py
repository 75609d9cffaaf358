"""The core layer: the sans-I/O incremental JSON parser, its change events and its errors."""

from .errors import IncompleteJSONError, ParseError
from .events import (
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
from .parser import Parser, loads

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
    "loads",
]

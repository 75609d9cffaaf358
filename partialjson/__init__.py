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
from ._sse import ServerSentEvent, SSEDecoder
from ._strict_schema import json_schema, response_format, text_format
from ._typed_parser import FieldStatus, FinalValueError, Issue, TypedParser

__version__ = "0.1.0"

__all__ = [
    "Boolean",
    "EndArray",
    "EndMap",
    "Event",
    "FieldStatus",
    "FinalValueError",
    "IncompleteJSONError",
    "Issue",
    "MapKey",
    "Null",
    "Number",
    "ParseError",
    "Parser",
    "Path",
    "SSEDecoder",
    "ServerSentEvent",
    "StartArray",
    "StartMap",
    "String",
    "StringFragment",
    "TypedParser",
    "__version__",
    "json_schema",
    "loads",
    "response_format",
    "text_format",
]

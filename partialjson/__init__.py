"""partialjson: streamed LLM JSON as live, typed data."""

from __future__ import annotations

# First: it decides which build of the compiled modules loads (PARTIALJSON_PURE=1: the sources).
from . import _build
from .core.errors import IncompleteJSONError, ParseError
from .core.events import (
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
from .core.parser import Parser, loads
from .lifecycle.machine import ChoiceResult, Lifecycle, Metrics
from .lifecycle.updates import (
    Cancelled,
    CitationAdded,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    ItemCompleted,
    PartialUpdate,
    ReasoningDelta,
    RefusalDelta,
    Refused,
    ResponseState,
    SequenceGap,
    ServerToolCallUpdate,
    Started,
    ToolCall,
    ToolCallIdIssue,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from .providers.signals import ProtocolError
from .providers.sse import EventTooLarge, ServerSentEvent, SSEDecoder
from .streaming.response import AsyncResponseStream, ResponseStream, stream
from .typed import FieldStatus, FinalValueError, Issue, TypedParser
from .typed.schema import json_schema, response_format, text_format
from .web.relay import arelay, encode_update, relay

__version__ = "0.1.0"

COMPILED: bool = _build.compiled()
"""Whether the compiled build of the parser is loaded (``False``: the pure-Python build).

The compiled build is optional: ``PARTIALJSON_COMPILE=1 pip install partialjson-stream``
compiles the parser's modules from the same source with mypyc (it needs a C compiler). It
behaves exactly as the pure-Python build, which stays the reference and the default; setting
``PARTIALJSON_PURE=1`` in the environment loads the pure-Python modules even when the compiled
ones are installed.
"""

__all__ = [
    "COMPILED",
    "AsyncResponseStream",
    "Boolean",
    "Cancelled",
    "ChoiceResult",
    "CitationAdded",
    "Completed",
    "EndArray",
    "EndMap",
    "Event",
    "EventTooLarge",
    "Failed",
    "FieldCompleted",
    "FieldStatus",
    "FinalValueError",
    "Incomplete",
    "IncompleteJSONError",
    "Issue",
    "ItemCompleted",
    "Lifecycle",
    "MapKey",
    "Metrics",
    "Null",
    "Number",
    "ParseError",
    "Parser",
    "PartialUpdate",
    "Path",
    "ProtocolError",
    "ReasoningDelta",
    "RefusalDelta",
    "Refused",
    "ResponseState",
    "ResponseStream",
    "SSEDecoder",
    "SequenceGap",
    "ServerSentEvent",
    "ServerToolCallUpdate",
    "StartArray",
    "StartMap",
    "Started",
    "String",
    "StringFragment",
    "ToolCall",
    "ToolCallIdIssue",
    "ToolCallProgress",
    "ToolCallReady",
    "ToolCallRejected",
    "TypedParser",
    "Update",
    "__version__",
    "arelay",
    "encode_update",
    "json_schema",
    "loads",
    "relay",
    "response_format",
    "stream",
    "text_format",
]

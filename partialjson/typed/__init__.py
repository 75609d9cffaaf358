"""The typed layer: a live partial view of a pydantic type, field status, strict schemas."""

from .parser import FieldStatus, FinalValueError, Issue, TypedParser
from .schema import json_schema, response_format, text_format

__all__ = [
    "FieldStatus",
    "FinalValueError",
    "Issue",
    "TypedParser",
    "json_schema",
    "response_format",
    "text_format",
]

"""``--json``: one JSON object per line for each update, the last line the terminal state.

Each line has ``kind`` (the update's class in snake case: ``started``, ``partial_update``,
``field_completed``, ``tool_call_progress``, ``tool_call_ready``…; update types added later
come out the same way) and ``t``, the seconds since the start. Paths are lists of keys and
indexes. A ``partial_update`` carries a ``patch`` that turns the previous partial value into
this one: the relay's minimal patches (:class:`partialjson.web.patches.PatchEncoder`), RFC 6902
``add`` and ``replace`` plus ``append``, which adds the new tail of a growing string. Each
delta costs only its own size, so the output stays linear in the stream's size. The last line
is the terminal update with ``state``, ``reason``, the final ``value`` (``null`` unless
completed), the tool calls released and, for a response that did not complete, the
``partial`` value it got to (for display only). Every line is valid JSON, whatever the value:
numbers outside the float range are ``null``, lone surrogates U+FFFD, any depth is written.

>>> encoders = Encoders()
>>> encoders[0].encode(["a"], ((), (0,)))
[{'op': 'replace', 'path': '', 'value': ['a']}]
>>> encoders[0].encode(["ab"], ((0,),))
[{'op': 'append', 'path': '/0', 'value': 'b'}]
>>> line({"value": float("inf")})
'{"value":null}'
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional

from pydantic_core import PydanticSerializationError, to_jsonable_python

from ..lifecycle.updates import PartialUpdate, ToolCall, Update
from ..typed.parser import FinalValueError
from ..web import patches
from ..web.patches import PatchEncoder
from .session import Session

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def kind_of(update: Update) -> str:
    return _CAMEL.sub("_", type(update).__name__).lower()


def jsonable(value: Any) -> Any:
    """Any value of an update as JSON data: models by their JSON keys, errors as text, and
    then made always encodable by :func:`partialjson.web.patches.jsonable` (non-finite numbers
    as ``null``, lone surrogates replaced, any depth)."""
    try:
        plain = to_jsonable_python(value, by_alias=True, fallback=_fallback, inf_nan_mode="null")
    except (PydanticSerializationError, RecursionError, ValueError):
        plain = value  # too deep for pydantic: the web's encoder walks it without recursion
    return patches.jsonable(plain)


def _fallback(value: Any) -> Any:
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, ToolCall):
        return call_record(value)
    return repr(value)


def call_record(call: ToolCall) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "name": call.name,
        "arguments": jsonable(call.arguments),
        "arguments_json": call.arguments_json,
        "choice": call.choice,
    }


class Encoders(dict):  # type: ignore[type-arg]
    """One :class:`~partialjson.web.patches.PatchEncoder` per choice (Chat Completions may
    stream several answers)."""

    def __missing__(self, choice: int) -> PatchEncoder:
        encoder = self[choice] = PatchEncoder()
        return encoder


def update_record(update: Update, t: float, encoders: Encoders) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": kind_of(update), "t": round(t, 6)}
    if isinstance(update, PartialUpdate):
        record["changed"] = [list(p) for p in update.changed]
        record["patch"] = encoders[update.choice].encode(update.value, update.changed)
        record["choice"] = update.choice
        return record
    if dataclasses.is_dataclass(update):
        for f in dataclasses.fields(update):
            value = getattr(update, f.name)
            if isinstance(value, ToolCall):
                record.update(call_record(value))
            else:
                record[f.name] = jsonable(value)
    return record


def terminal_record(update: Optional[Update], t: float, session: Session) -> dict[str, Any]:
    response = session.response
    fields = update_record(update, t, Encoders()) if update is not None else {}
    record: dict[str, Any] = {
        "kind": fields.pop("kind", response.state.value),
        "t": round(t, 6),
        "state": response.state.value,
        "reason": response.reason,
    }
    fields.pop("t", None)
    fields.pop("value", None)
    try:
        record["value"] = jsonable(response.final)
    except FinalValueError as error:
        record["value"] = None
        record["no_value"] = str(error)
    record.update(fields)  # the terminal update's own: message, error, refusal...
    if response.state.value != "completed" and response.partial is not None:
        record["partial"] = jsonable(response.partial)
    record["tool_calls"] = [call_record(call) for call in response.tool_calls]
    if len(response.choices) > 1:  # Chat Completions with n > 1: each answer's own end
        record["choices"] = [_choice_record(choice) for choice in response.choices]
    record["provider"] = session.provider
    record["response_id"] = response.response_id
    return record


def _choice_record(choice: Any) -> dict[str, Any]:
    try:
        value = jsonable(choice.final)
    except FinalValueError:
        value = None
    return {
        "index": choice.index,
        "state": choice.state.value,
        "reason": choice.reason,
        "value": value,
    }


def line(record: dict[str, Any]) -> str:
    """A record as one line of JSON, always valid (see :func:`partialjson.web.patches.dumps`)."""
    return patches.dumps(record).decode("utf-8")

"""Relay a response stream to browsers as server-sent events: display data only.

Theory of operation
===================

A backend that streams an answer on to a browser wants the browser to see what a UI needs —
the partial value and what changed, fields that became final, tool calls taking shape and
released, the terminal state — and nothing else: not the provider's raw events, ids it did not
choose to expose, or provider error messages (which may quote the prompt). :func:`encode_update`
turns one update into one SSE event (``event:`` the update's kind, ``data:`` a JSON object);
:func:`relay` and :func:`arelay` turn a whole response stream into SSE bytes, ready for a
``StreamingResponse`` (Starlette, FastAPI) with ``media_type="text/event-stream"``. Values are
serialized with pydantic, so typed partial views and validated models go out as JSON.

    >>> import partialjson
    >>> choice = {"index": 0, "delta": {"content": '{"a": 1}'}, "finish_reason": "stop"}
    >>> for chunk in relay(partialjson.stream([{"choices": [choice]}])):
    ...     print(chunk.decode().strip())
    event: started
    data: {}
    event: partial
    data: {"value":{"a":1},"changed":[[],["a"]],"choice":0}
    event: field_completed
    data: {"path":["a"],"choice":0}
    event: field_completed
    data: {"path":[],"choice":0}
    event: completed
    data: {"value":{"a":1},"reason":"stop"}
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Optional

from pydantic_core import to_json

from ..lifecycle.updates import (
    Cancelled,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    PartialUpdate,
    RefusalDelta,
    Refused,
    Started,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)

__all__ = ["arelay", "encode_update", "relay"]


def _payload(update: Update) -> Optional[tuple[str, dict[str, Any]]]:
    """The event name and the display data of an update (None: not for browsers)."""
    if isinstance(update, PartialUpdate):
        return "partial", {
            "value": update.value,
            "changed": update.changed,
            "choice": update.choice,
        }
    if isinstance(update, FieldCompleted):
        return "field_completed", {"path": update.path, "choice": update.choice}
    if isinstance(update, ToolCallProgress):
        data = {"call_id": update.call_id, "name": update.name, "arguments": update.arguments}
        return "tool_call_progress", data
    if isinstance(update, ToolCallReady):
        call = update.call
        return "tool_call_ready", {
            "call_id": call.call_id,
            "name": call.name,
            "arguments": call.arguments,
        }
    if isinstance(update, ToolCallRejected):
        return "tool_call_rejected", {"call_id": update.call_id, "name": update.name}
    if isinstance(update, RefusalDelta):
        return "refusal", {"delta": update.delta, "choice": update.choice}
    if isinstance(update, Started):
        return "started", {}
    if isinstance(update, Completed):
        return "completed", {"value": update.value, "reason": update.reason}
    if isinstance(update, Incomplete):
        return "incomplete", {"reason": update.reason}
    if isinstance(update, Refused):
        return "refused", {"reason": update.reason}
    if isinstance(update, Failed):
        return "failed", {"reason": update.reason}  # the code only: messages may quote the prompt
    if isinstance(update, Cancelled):
        return "cancelled", {}
    return None  # e.g. SequenceGap: the backend's business


def encode_update(update: Update) -> bytes:
    """One update as an SSE event (``b""`` for updates that are not display data)."""
    payload = _payload(update)
    if payload is None:
        return b""
    name, data = payload
    return b"event: " + name.encode() + b"\ndata: " + to_json(data) + b"\n\n"


def relay(updates: Iterable[Update]) -> Iterator[bytes]:
    """A response stream's updates as SSE bytes for a browser."""
    for update in updates:
        chunk = encode_update(update)
        if chunk:
            yield chunk


async def arelay(updates: AsyncIterable[Update]) -> AsyncIterator[bytes]:
    """The async twin of :func:`relay`."""
    async for update in updates:
        chunk = encode_update(update)
        if chunk:
            yield chunk

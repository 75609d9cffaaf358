"""A response stream as the Vercel AI SDK's UI message stream (``useChat``), or as plain JSON
text (``useObject``).

Theory of operation
===================

The ``ai`` npm package's UI message stream is SSE: one JSON *chunk* per ``data:`` line, ended by
``data: [DONE]``, served with the header ``x-vercel-ai-ui-message-stream: v1``
(:data:`UI_MESSAGE_STREAM_HEADERS`). :class:`UIMessageStreamWriter` maps updates onto chunks:

* :class:`~partialjson.Started` → ``start``;
* the typed partial value → a ``data-<name>`` part with a fixed ``id``: the client *reconciles*
  parts by type and id (a later part replaces the earlier one's ``data``), so the message holds
  one part with ``{"value": ..., "status": ..., "completed": [...]}`` — the partial value, the
  run's status (``streaming``, then ``completed``, ``incomplete``, ``refused``, ``failed`` or
  ``cancelled``) and the JSON Pointers of the fields that are final. A data part carries its
  value whole, so it is re-sent by :class:`~partialjson.web.protocols.Growth` (once the change
  waiting reaches a fraction of what the client has, or after ``max_delay``): bytes stay
  linear in the answer;
* a tool call → ``tool-input-start`` when its arguments begin, ``tool-input-available`` with
  the parsed ``input`` only once they are complete and valid (``useChat``'s ``onToolCall`` runs
  it then), ``tool-input-error`` when they are not;
* refusal text, and an answer that completed as prose rather than JSON (the source is a
  :class:`~partialjson.ResponseStream`) → ``text-start`` / ``text-delta`` / ``text-end``;
  reasoning →
  ``reasoning-start`` / ``reasoning-delta`` / ``reasoning-end``;
* the end: the last data part, then ``finish``; for an incomplete, refused or failed answer an
  ``error`` chunk (a user-safe code as ``errorText``, never the provider's message) before it;
  for a cancelled one ``abort``; then ``[DONE]``.

:func:`object_text_stream` is the plain-text mode for ``useObject`` (and
``TextStreamChatTransport``): the answer's JSON text as the model writes it.

    >>> import partialjson
    >>> choice = {"index": 0, "delta": {"content": '{"a": "h'}, "finish_reason": None}
    >>> done = {"index": 0, "delta": {"content": 'i"}'}, "finish_reason": "stop"}
    >>> stream = partialjson.stream([{"choices": [choice]}, {"choices": [done]}])
    >>> chunks = list(ui_message_stream(stream, heartbeat=None))
    >>> chunks[0], chunks[-1]
    (b'data: {"type":"start"}\\n\\n', b'data: [DONE]\\n\\n')
    >>> for chunk in chunks[1:-1]:  # each is b"data: " + JSON + b"\\n\\n"
    ...     print(chunk[6:].decode().strip())
    {"type":"data-object","id":"object","data":{"value":{"a":"h"},"status":"streaming","completed":[]}}
    {"type":"data-object","id":"object","data":{"value":{"a":"hi"},"status":"completed","completed":["/a",""]}}
    {"type":"finish"}
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Callable, Optional

from ..lifecycle.updates import (
    Cancelled,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    PartialUpdate,
    ReasoningDelta,
    RefusalDelta,
    Refused,
    Started,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from .moderation import Moderator
from .patches import PatchEncoder, clean_text, dumps, pointer
from .protocols import Growth, adrive, drive, free_text_of
from .relay import safe_code

__all__ = [
    "TEXT_STREAM_HEADERS",
    "UI_MESSAGE_STREAM_HEADERS",
    "UIMessageStreamWriter",
    "aobject_text_stream",
    "aui_message_stream",
    "object_text_stream",
    "ui_message_stream",
]

logger = logging.getLogger("partialjson")

#: The response headers of a UI message stream (as the ``ai`` package sends them).
UI_MESSAGE_STREAM_HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}
#: The response headers of the plain-text stream ``useObject`` reads.
TEXT_STREAM_HEADERS = {"content-type": "text/plain; charset=utf-8", "cache-control": "no-cache"}

DONE = b"data: [DONE]\n\n"
_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def _chunk(data: dict[str, Any]) -> bytes:
    return b"data: " + dumps(data) + b"\n\n"


class UIMessageStreamWriter:
    """Updates in, UI message stream chunks out (sans-I/O); see the module docstring.

    ``name``: the data part's type is ``data-<name>`` (as ``useChat``'s ``dataPartSchemas``
    names it); ``part_id`` its id. ``message_id``: sent with ``start`` (else the client picks
    one). ``growth`` / ``max_delay``: see :class:`~partialjson.web.protocols.Growth`.
    ``moderation`` and ``hold_until_complete``: as in :func:`partialjson.relay`.
    """

    def __init__(
        self,
        *,
        name: str = "object",
        part_id: Optional[str] = None,
        message_id: Optional[str] = None,
        growth: float = 0.25,
        max_delay: Optional[float] = 0.25,
        moderation: Optional[Moderator] = None,
        hold_until_complete: Iterable[str] = (),
        choice: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"a data part name is letters, digits, '-' and '_': {name!r}")
        self._type = "data-" + name
        self._part_id = part_id or name
        self._message_id = message_id
        self._encoder = PatchEncoder(moderation, hold_until_complete)
        self._value = Growth(growth, max_delay, clock).tracker()
        self._completed: list[str] = []
        self._choice = choice
        self._started = False
        self._text_open = False
        self._text_sent = False
        self._reasoning = 0  # reasoning parts so far; the last is open when _reasoning_open
        self._reasoning_open = False
        self._tools: dict[str, str] = {}  # calls started and not yet available or rejected
        self._ended_tools: set[str] = set()
        self._data_sent = False
        self._live: Any = None  # the last partial value seen (live: updated in place)
        #: The answer's raw text, for an answer that is prose rather than JSON (sent as text
        #: when the response completes without a value); the encoders set it.
        self.free_text: Optional[Callable[[], str]] = None
        self.ended = False

    # the sans-I/O interface of partialjson.web.protocols.drive

    def feed(self, update: Update) -> list[bytes]:
        return [_chunk(c) for c in self.chunks(update)] + ([DONE] if self.ended else [])

    def end(self, error: Optional[BaseException] = None) -> list[bytes]:
        if self.ended:
            return []
        if error is not None:
            logger.warning("the relayed stream raised %s: relayed as failed", type(error).__name__)
        reason = "relay_error" if error is not None else "interrupted"
        return [_chunk(c) for c in self._error("failed", reason)] + [DONE]

    def cancel(self) -> list[bytes]:
        if self.ended:
            return []
        return [_chunk(c) for c in self._cancelled()] + [DONE]

    def due(self) -> Optional[float]:
        return None if self.ended or not self._value.waiting else self._value.deadline()

    def flush_due(self) -> list[bytes]:
        if self.ended or not self._value.waiting or not self._value.overdue():
            return []
        return [_chunk(self._data("streaming"))]

    # chunks

    def chunks(self, update: Update) -> list[dict[str, Any]]:
        """The UI message stream chunks for one update (none for what a browser must not
        see)."""
        if self.ended:
            return []
        out = self._start()
        if isinstance(update, Started):
            return out
        if isinstance(update, PartialUpdate):
            if update.choice != self._choice:
                return out
            self._live = update.value
            ops = self._encoder.encode(update.value, update.changed)
            size = sum(
                len(op["value"]) if op["op"] == "append" else len(dumps(op["value"])) for op in ops
            )
            if ops and self._value.add(size):
                out += self._close_reasoning()  # the answer began
                out.append(self._data("streaming"))
            return out
        if isinstance(update, FieldCompleted):
            if update.choice != self._choice or self._encoder.hidden(update.path):
                return out
            ops = self._encoder.complete(self._live, update.path)
            path = pointer(update.path)
            self._completed.append(path)
            size = len(path) + sum(len(dumps(op["value"])) for op in ops)
            if self._value.add(size) or ops:
                out.append(self._data("streaming"))
            return out
        if isinstance(update, RefusalDelta):
            if update.choice == self._choice and update.delta:
                out += self._text(update.delta)
            return out
        if isinstance(update, ReasoningDelta):
            if update.choice == self._choice and update.delta:
                out += self._reason(update.delta)
            return out
        if isinstance(update, ToolCallProgress):
            if update.choice == self._choice:
                out += self._tool_start(update.call_id, update.name)
            return out
        if isinstance(update, ToolCallReady):
            call = update.call
            if call.choice == self._choice:
                out += self._tool_start(call.call_id, call.name)
                if call.arguments_json:
                    delta = clean_text(call.arguments_json)
                    out.append(
                        {
                            "type": "tool-input-delta",
                            "toolCallId": call.call_id,
                            "inputTextDelta": delta,
                        }
                    )
                self._tool_end(call.call_id)
                arguments = self._encoder.outgoing(call.arguments, ("tool_calls",), True)
                out.append(
                    {
                        "type": "tool-input-available",
                        "toolCallId": call.call_id,
                        "toolName": call.name,
                        "input": arguments,
                    }
                )
            return out
        if isinstance(update, ToolCallRejected):
            if update.choice == self._choice:
                out += self._tool_start(update.call_id, update.name)
                out.append(self._tool_error(update.call_id, update.name, "invalid_arguments"))
            return out
        if isinstance(update, Completed):
            if update.value is None and self.free_text is not None and self.free_text():
                out += self._text(self.free_text())  # the answer was prose, not JSON
            return out + self._finish(update.value)
        if isinstance(update, Incomplete):
            return out + self._error("incomplete", update.reason)
        if isinstance(update, Refused):
            if update.refusal and not self._text_sent:
                out += self._text(update.refusal)
            return out + self._error("refused", update.reason)
        if isinstance(update, Failed):
            return out + self._error("failed", update.reason)
        if isinstance(update, Cancelled):
            return out + self._cancelled()
        return out  # issues, citations, server tools...: not relayed

    def _start(self) -> list[dict[str, Any]]:
        if self._started:
            return []
        self._started = True
        start: dict[str, Any] = {"type": "start"}
        if self._message_id is not None:
            start["messageId"] = self._message_id
        return [start]

    def _data(self, status: str, value: Any = None, final: bool = False) -> dict[str, Any]:
        shown = value if final else self._encoder.outgoing(self._encoder.value)
        data = {"value": shown, "status": status, "completed": list(self._completed)}
        chunk = {"type": self._type, "id": self._part_id, "data": data}
        if not final:
            self._value.sent(len(dumps(data)))
        self._data_sent = True
        return chunk

    def _text(self, delta: str) -> list[dict[str, Any]]:
        out = self._close_reasoning()
        if not self._text_open:
            self._text_open = self._text_sent = True
            out.append({"type": "text-start", "id": "text"})
        out.append({"type": "text-delta", "id": "text", "delta": clean_text(delta)})
        return out

    def _reason(self, delta: str) -> list[dict[str, Any]]:
        out = self._close_text()
        if not self._reasoning_open:
            self._reasoning += 1
            self._reasoning_open = True
            out.append({"type": "reasoning-start", "id": f"reasoning-{self._reasoning}"})
        out.append(
            {
                "type": "reasoning-delta",
                "id": f"reasoning-{self._reasoning}",
                "delta": clean_text(delta),
            }
        )
        return out

    def _tool_start(self, call_id: str, name: str) -> list[dict[str, Any]]:
        if call_id in self._tools or call_id in self._ended_tools:
            return []
        self._tools[call_id] = name
        return [{"type": "tool-input-start", "toolCallId": call_id, "toolName": name}]

    def _tool_end(self, call_id: str) -> None:
        self._tools.pop(call_id, None)
        self._ended_tools.add(call_id)

    def _tool_error(self, call_id: str, name: str, error: str) -> dict[str, Any]:
        self._tool_end(call_id)
        return {
            "type": "tool-input-error",
            "toolCallId": call_id,
            "toolName": name,
            "input": None,
            "errorText": error,
        }

    def _close_text(self) -> list[dict[str, Any]]:
        if not self._text_open:
            return []
        self._text_open = False
        return [{"type": "text-end", "id": "text"}]

    def _close_reasoning(self) -> list[dict[str, Any]]:
        if not self._reasoning_open:
            return []
        self._reasoning_open = False
        return [{"type": "reasoning-end", "id": f"reasoning-{self._reasoning}"}]

    def _close(self) -> list[dict[str, Any]]:
        """Close what is open: text, reasoning, and tool calls whose arguments never completed
        (they end in error, so a UI does not wait for them)."""
        calls = [self._tool_error(i, n, "interrupted") for i, n in list(self._tools.items())]
        return [*self._close_reasoning(), *self._close_text(), *calls]

    def _finish(self, value: Any) -> list[dict[str, Any]]:
        final = self._encoder.outgoing(value)
        out = [*self._close(), self._data("completed", final, final=True), {"type": "finish"}]
        self.ended = True
        return out

    def _last_data(self, status: str) -> list[dict[str, Any]]:
        if not self._data_sent and self._encoder.value is None:
            return []
        return [self._data(status)]

    def _error(self, status: str, reason: Optional[str]) -> list[dict[str, Any]]:
        code = safe_code(reason) or status
        out = [*self._start(), *self._close(), *self._last_data(status)]
        out += [{"type": "error", "errorText": f"{status}: {code}"}, {"type": "finish"}]
        self.ended = True
        return out

    def _cancelled(self) -> list[dict[str, Any]]:
        out = [*self._start(), *self._close(), *self._last_data("cancelled")]
        out.append({"type": "abort"})
        self.ended = True
        return out


def ui_message_stream(
    updates: Iterable[Update], *, heartbeat: Optional[float] = 15.0, **options: Any
) -> Iterator[bytes]:
    """A response stream's updates as a UI message stream for ``useChat`` (serve with
    :data:`UI_MESSAGE_STREAM_HEADERS`).

    ``heartbeat``: seconds of upstream silence after which an SSE comment is sent (``None``:
    never). Other options: see :class:`UIMessageStreamWriter`. Closing the generator early
    (the browser went away) cancels the response, which closes the upstream connection.

    >>> import json, partialjson
    >>> from partialjson.web.aisdk import ui_message_stream
    >>> done = {"index": 0, "delta": {"content": '{"a": 1}'}, "finish_reason": "stop"}
    >>> chunks = [{"choices": [done]}]
    >>> sent = list(ui_message_stream(partialjson.stream(chunks), name="answer"))
    >>> part = json.loads(sent[-3][6:])  # the last data part
    >>> part["type"], part["data"]["value"], part["data"]["status"]
    ('data-answer', {'a': 1}, 'completed')
    >>> sent[-2:]
    [b'data: {"type":"finish"}\\n\\n', b'data: [DONE]\\n\\n']
    """
    writer = UIMessageStreamWriter(**options)
    writer.free_text = free_text_of(updates)
    return drive(writer, updates, heartbeat)


def aui_message_stream(
    updates: AsyncIterable[Update], *, heartbeat: Optional[float] = 15.0, **options: Any
) -> AsyncIterator[bytes]:
    """The async twin of :func:`ui_message_stream`.

    >>> import asyncio, partialjson
    >>> from partialjson.web.aisdk import aui_message_stream
    >>> async def source():
    ...     yield {"choices": [{"index": 0, "delta": {"content": "[1]"}, "finish_reason": "stop"}]}
    >>> async def main():
    ...     sent = aui_message_stream(partialjson.stream(source()))
    ...     return [chunk async for chunk in sent]
    >>> asyncio.run(main())[-1]
    b'data: [DONE]\\n\\n'
    """
    writer = UIMessageStreamWriter(**options)
    writer.free_text = free_text_of(updates)
    return adrive(writer, updates, heartbeat)


def object_text_stream(stream: Any) -> Iterator[bytes]:
    """The answer's JSON text as the model writes it, UTF-8, for ``useObject`` (serve with
    :data:`TEXT_STREAM_HEADERS`). ``stream`` is a :class:`~partialjson.ResponseStream` (it
    keeps the raw text). The text stops where the answer stops: ``useObject`` sees an
    incomplete or failed answer as JSON that does not parse. Closing the generator early
    cancels the response.

    >>> import partialjson
    >>> chunks = [{"choices": [{"index": 0, "delta": {"content": t}}]} for t in ('{"a"', ": 1}")]
    >>> b"".join(object_text_stream(partialjson.stream(chunks)))
    b'{"a": 1}'
    """
    if not hasattr(stream, "text"):
        raise TypeError("object_text_stream needs a ResponseStream (partialjson.stream(...))")
    sent = 0
    finished = False
    try:
        for _update in stream:
            text = stream.text
            if len(text) > sent:
                yield clean_text(text[sent:]).encode()
                sent = len(text)
        finished = True
    finally:
        if not finished:
            cancel = getattr(stream, "cancel", None)
            if callable(cancel):
                cancel()


async def aobject_text_stream(stream: Any) -> AsyncIterator[bytes]:
    """The async twin of :func:`object_text_stream`."""
    if not hasattr(stream, "text"):
        raise TypeError("aobject_text_stream needs a ResponseStream (partialjson.stream(...))")
    sent = 0
    finished = False
    try:
        async for _update in stream:
            text = stream.text
            if len(text) > sent:
                yield clean_text(text[sent:]).encode()
                sent = len(text)
        finished = True
    finally:
        if not finished:
            cancel = getattr(stream, "cancel", None)
            if callable(cancel):
                result = cancel()
                if hasattr(result, "__await__"):
                    await result

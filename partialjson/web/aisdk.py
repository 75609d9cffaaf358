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
* a tool call → ``tool-input-start`` at its first argument delta, ``tool-input-delta`` with
  each raw delta, ``tool-input-available`` with the parsed ``input`` only once it is released,
  complete and valid (``useChat``'s ``onToolCall`` runs it then; ``input`` is the truth even
  where deltas were lost), ``tool-input-error`` when it is rejected or cut off;
* a tool the provider runs → a provider-executed dynamic tool (its input and outcome once its
  status is final); citations → ``source-url`` / ``source-document``; an ``items=`` element →
  a transient ``data-<name>-item`` part;
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

from ..lifecycle.updates import ToolCall, ToolCallRejected, Update
from .mapping import FINAL_STATUSES, ToolArgs, UpdateMapper
from .moderation import Moderator
from .patches import clean_text, dumps, pointer
from .protocols import Growth, adrive, drive, free_text_of
from .relay import _acancel, _cancel, safe_code

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


class UIMessageStreamWriter(UpdateMapper[dict[str, Any]]):
    """Updates in, UI message stream chunks out (sans-I/O); see the module docstring.

    ``name``: the data part's type is ``data-<name>`` (as ``useChat``'s ``dataPartSchemas``
    names it); ``part_id`` its id. ``message_id``: sent with ``start`` (else the client picks
    one). ``growth`` / ``max_delay``: see :class:`~partialjson.web.protocols.Growth`.
    ``moderation`` and ``hold_until_complete``: as in :func:`partialjson.relay` (with either,
    tool input goes out whole at release: raw text cannot be moderated).

    >>> from partialjson import Started
    >>> UIMessageStreamWriter(message_id="m1").items(Started(None, None))
    [{'type': 'start', 'messageId': 'm1'}]
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
        super().__init__(
            choice=choice, moderation=moderation, hold_until_complete=hold_until_complete
        )
        self._type = "data-" + name
        self._item_type = f"data-{name}-item"
        self._part_id = part_id or name
        self._message_id = message_id
        self._value = Growth(growth, max_delay, clock).tracker()
        self._completed: list[str] = []
        #: server-run tools started: the final status and arguments shown (None: not yet)
        self._server: dict[str, Optional[tuple[Optional[str], str]]] = {}
        self._data_sent = False

    # the sans-I/O interface of partialjson.web.protocols.drive

    def _encode(self, chunks: list[dict[str, Any]]) -> list[bytes]:
        return [_chunk(c) for c in chunks] + ([DONE] if chunks and self.ended else [])

    def feed(self, update: Update) -> list[bytes]:
        return self._encode(self.items(update))

    def end(self, error: Optional[BaseException] = None) -> list[bytes]:
        return self._encode(self.end_items(error))

    def cancel(self) -> list[bytes]:
        return self._encode(self.cancel_items())

    def due(self) -> Optional[float]:
        return None if self.ended or not self._value.waiting else self._value.deadline()

    def flush_due(self) -> list[bytes]:
        if self.ended or not self._value.waiting or not self._value.overdue():
            return []
        return [_chunk(self._data("streaming"))]

    def chunks(self, update: Update) -> list[dict[str, Any]]:
        """The UI message stream chunks for one update (none for what a browser must not
        see)."""
        return self.items(update)

    # the run and its data part

    def _run_start(self) -> list[dict[str, Any]]:
        start: dict[str, Any] = {"type": "start"}
        if self._message_id is not None:
            start["messageId"] = self._message_id
        return [start]

    def _partial(self, value: Any, changed: Iterable[Any]) -> list[dict[str, Any]]:
        ops = self._encoder.encode(value, changed)
        size = sum(
            len(op["value"]) if op["op"] == "append" else len(dumps(op["value"])) for op in ops
        )
        if not ops or not self._value.add(size):
            return []
        return [*self._close_reasoning(), self._data("streaming")]  # the answer began

    def _field_completed(self, path: Any) -> list[dict[str, Any]]:
        if self._encoder.hidden(path):
            return []
        ops = self._encoder.complete(self._live, path)
        ptr = pointer(path)
        self._completed.append(ptr)
        size = len(ptr) + sum(len(dumps(op["value"])) for op in ops)
        return [self._data("streaming")] if self._value.add(size) or ops else []

    def _data(self, status: str, value: Any = None, final: bool = False) -> dict[str, Any]:
        shown = value if final else self._encoder.outgoing(self._encoder.value)
        data = {"value": shown, "status": status, "completed": list(self._completed)}
        chunk = {"type": self._type, "id": self._part_id, "data": data}
        if not final:
            self._value.sent(len(dumps(data)))
        self._data_sent = True
        return chunk

    def _last_data(self, status: str) -> list[dict[str, Any]]:
        if not self._data_sent and self._encoder.value is None:
            return []
        return [self._data(status)]

    def _finish(self, value: Any) -> list[dict[str, Any]]:
        final = self._encoder.outgoing(value)
        return [self._data("completed", final, final=True), {"type": "finish"}]

    def _error(self, status: str, reason: Optional[str]) -> list[dict[str, Any]]:
        code = safe_code(reason) or status
        error = {"type": "error", "errorText": f"{status}: {code}"}
        return [*self._last_data(status), error, {"type": "finish"}]

    def _cancelled(self) -> list[dict[str, Any]]:
        return [*self._last_data("cancelled"), {"type": "abort"}]

    # text and reasoning

    def _text_start(self) -> list[dict[str, Any]]:
        return [{"type": "text-start", "id": "text"}]

    def _text_delta(self, delta: str) -> list[dict[str, Any]]:
        return [{"type": "text-delta", "id": "text", "delta": delta}]

    def _text_end(self) -> list[dict[str, Any]]:
        return [{"type": "text-end", "id": "text"}]

    def _reasoning_start(self, number: int) -> list[dict[str, Any]]:
        return [{"type": "reasoning-start", "id": f"reasoning-{number}"}]

    def _reasoning_delta(self, number: int, delta: str) -> list[dict[str, Any]]:
        return [{"type": "reasoning-delta", "id": f"reasoning-{number}", "delta": delta}]

    def _reasoning_end(self, number: int) -> list[dict[str, Any]]:
        return [{"type": "reasoning-end", "id": f"reasoning-{number}"}]

    # tool calls

    def _tool_start(self, call: ToolArgs) -> list[dict[str, Any]]:
        return [{"type": "tool-input-start", "toolCallId": call.call_id, "toolName": call.name}]

    def _tool_args(self, call: ToolArgs, delta: str) -> list[dict[str, Any]]:
        return [{"type": "tool-input-delta", "toolCallId": call.call_id, "inputTextDelta": delta}]

    def _tool_ready(self, ready: ToolCall, call: ToolArgs, corrected: bool) -> list[dict[str, Any]]:
        # ``input`` replaces what the deltas built: a corrected call needs nothing more
        chunk = {
            "type": "tool-input-available",
            "toolCallId": ready.call_id,
            "toolName": ready.name,
            "input": self.outgoing_arguments(ready),
        }
        return [chunk]

    def _tool_rejected(
        self, update: ToolCallRejected, call: Optional[ToolArgs]
    ) -> list[dict[str, Any]]:
        if call is None:
            call = ToolArgs(update.call_id, update.name)
            out = self._tool_start(call)
        else:
            out = []
        return [*out, self._tool_error(call, "invalid_arguments")]

    def _tool_interrupted(self, call: ToolArgs) -> list[dict[str, Any]]:
        return [self._tool_error(call, "interrupted")]

    def _tool_error(self, call: ToolArgs, error: str) -> dict[str, Any]:
        return {
            "type": "tool-input-error",
            "toolCallId": call.call_id,
            "toolName": call.name,
            "input": clean_text(call.text) if call.pieces else None,
            "errorText": error,
        }

    # what the provider ran, sources, items

    def _server_tool(self, call: ToolCall) -> list[dict[str, Any]]:
        """A provider-executed dynamic tool: started, then its input and its outcome once its
        status is final (again if its input comes after; what it produced stays on the
        server)."""
        base = {"toolCallId": call.call_id, "providerExecuted": True, "dynamic": True}
        name = call.name or call.kind
        out: list[dict[str, Any]] = []
        if call.call_id not in self._server:
            self._server[call.call_id] = None
            out.append({"type": "tool-input-start", **base, "toolName": name})
        shown = (call.status, call.arguments_json)
        if call.status not in FINAL_STATUSES or self._server[call.call_id] == shown:
            return out
        self._server[call.call_id] = shown
        arguments = self._encoder.outgoing(call.arguments, ("tool_calls",), True, False)
        out.append({"type": "tool-input-available", **base, "toolName": name, "input": arguments})
        if call.status == "completed":
            out.append({"type": "tool-output-available", **base, "output": {"status": "completed"}})
        else:
            out.append({"type": "tool-output-error", **base, "errorText": str(call.status)})
        return out

    def _source(self, source: dict[str, str]) -> list[dict[str, Any]]:
        if "url" in source:
            chunk = {"type": "source-url", "sourceId": source["id"], "url": source["url"]}
            if "title" in source:
                chunk["title"] = source["title"]
            return [chunk]
        chunk = {
            "type": "source-document",
            "sourceId": source["id"],
            "mediaType": source["mediaType"],
            "title": source["title"],
        }
        if "filename" in source:
            chunk["filename"] = source["filename"]
        return [chunk]

    def _item(self, index: int, path: Any, item: Any) -> list[dict[str, Any]]:
        data = {"index": index, "path": pointer(path), "item": item}
        return [{"type": self._item_type, "id": f"item-{index}", "data": data, "transient": True}]


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
    _needs_text(stream, "object_text_stream")
    sent, finished = 0, False
    try:
        for _update in stream:
            chunk, sent = _text_after(stream, sent)
            if chunk:
                yield chunk
        finished = True
    finally:
        if not finished:  # closed early: the browser went away
            _cancel(stream)


async def aobject_text_stream(stream: Any) -> AsyncIterator[bytes]:
    """The async twin of :func:`object_text_stream`."""
    _needs_text(stream, "aobject_text_stream")
    sent, finished = 0, False
    try:
        async for _update in stream:
            chunk, sent = _text_after(stream, sent)
            if chunk:
                yield chunk
        finished = True
    finally:
        if not finished:  # closed early, or the task was cancelled
            await _acancel(stream)


def _needs_text(stream: Any, name: str) -> None:
    if not hasattr(stream, "text"):
        raise TypeError(f"{name} needs a ResponseStream (partialjson.stream(...))")


def _text_after(stream: Any, sent: int) -> tuple[bytes, int]:
    """The answer's text after the first ``sent`` characters, and the new count."""
    text: str = stream.text
    if len(text) <= sent:
        return b"", sent
    return clean_text(text[sent:]).encode(), len(text)

"""A response stream as AG-UI 1.0 events (the ``ag-ui`` extra: the ``ag-ui-protocol`` package).

Theory of operation
===================

An AG-UI frontend (CopilotKit, ``@ag-ui/client``'s ``HttpAgent``) reads a run as SSE ``data:``
lines, one event each. :class:`AGUIWriter` maps updates onto events built with the
``ag-ui-protocol`` models, so every event is validated before it leaves:

* :class:`~partialjson.Started` → ``RUN_STARTED`` (the thread and run ids the app chose; the
  provider's ids stay on the server);
* the typed partial value is the run's *shared state*: one ``STATE_SNAPSHOT`` when it first
  appears, then ``STATE_DELTA`` s whose ``delta`` is a plain RFC 6902 patch (``add`` and
  ``replace``). The changes come from the native relay's
  :class:`~partialjson.web.patches.PatchEncoder`; its ``append`` (a string that grew) has no
  RFC 6902 twin, so a growing string is a ``replace`` of that leaf, re-sent by
  :class:`~partialjson.web.protocols.Growth` (when the waiting text reaches a fraction of what
  the client has, after ``max_delay``, or when the field completes) so bytes stay linear;
* a tool call → ``TOOL_CALL_START`` at its first argument delta, ``TOOL_CALL_ARGS`` with each
  raw delta, ``TOOL_CALL_END`` once it is released (complete and valid); a call rejected or
  cut off is ended and answered with a ``TOOL_CALL_RESULT`` ``{"error": ...}``, so it is never
  pending (``RUN_FINISHED`` names the released calls in ``pendingToolCallIds``); arguments the
  done event contradicts are put right by a ``MESSAGES_SNAPSHOT`` (see
  :mod:`partialjson.web.mapping` for the rules);
* a tool the provider runs → an ``ACTIVITY_SNAPSHOT`` per status; citations → a ``sources``
  activity; an ``items=`` element → a ``CUSTOM`` event (:data:`ITEM_EVENT`);
* refusal text, and an answer that completed as prose rather than JSON (the source is a
  :class:`~partialjson.ResponseStream`) → ``TEXT_MESSAGE_START`` / ``_CONTENT`` / ``_END``;
  reasoning text →
  ``REASONING_START``, ``REASONING_MESSAGE_*``, ``REASONING_END``;
* :class:`~partialjson.Completed` → the final value as state (a ``STATE_DELTA`` replacing the
  root when validation changed it), then ``RUN_FINISHED``; :class:`~partialjson.Incomplete`,
  :class:`~partialjson.Refused` and :class:`~partialjson.Failed` → ``RUN_ERROR`` with a
  user-safe code (never the provider's message); :class:`~partialjson.Cancelled` (or the
  browser going away) → ``RUN_FINISHED`` with the ``cancelled`` outcome.

Values go out as JSON any client takes (lone surrogates, ``1e400``, deep nesting: see
:func:`~partialjson.web.patches.jsonable`).

    >>> import partialjson
    >>> choice = {"index": 0, "delta": {"content": '{"a": "hi'}, "finish_reason": None}
    >>> done = {"index": 0, "delta": {"content": ' there"}'}, "finish_reason": "stop"}
    >>> stream = partialjson.stream([{"choices": [choice]}, {"choices": [done]}])
    >>> for chunk in agui_events(stream, thread_id="t1", run_id="r1", heartbeat=None):
    ...     print(chunk.decode().strip())
    data: {"type":"RUN_STARTED","threadId":"t1","runId":"r1"}
    data: {"type":"STATE_SNAPSHOT","snapshot":{"a":"hi"}}
    data: {"type":"STATE_DELTA","delta":[{"op":"replace","path":"/a","value":"hi there"}]}
    data: {"type":"RUN_FINISHED","threadId":"t1","runId":"r1","outcome":{"type":"success"}}
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Callable, Optional

from pydantic_core import PydanticSerializationError

from ..lifecycle.updates import ToolCall, ToolCallRejected, Update
from .mapping import FINAL_STATUSES, ToolArgs, UpdateMapper
from .moderation import Moderator
from .patches import PatchEncoder, clean_text, dumps, jsonable, pointer
from .protocols import Growth, GrowthTracker, adrive, drive, free_text_of
from .relay import safe_code

if TYPE_CHECKING:
    from ag_ui.core import BaseEvent

__all__ = ["AGUI_HEADERS", "ITEM_EVENT", "AGUIWriter", "aagui_events", "agui_events"]

logger = logging.getLogger("partialjson")

#: Response headers for an AG-UI event stream.
AGUI_HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
}

#: The name of the ``CUSTOM`` event that carries an element of the ``items=`` array, validated.
ITEM_EVENT = "partialjson.item_completed"

_MESSAGES = {
    "incomplete": "The answer was cut short.",
    "refused": "The model declined to answer.",
    "failed": "The answer failed.",
}


def _models() -> Any:
    try:
        from ag_ui import core
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "AG-UI events need the ag-ui-protocol package: pip install 'partialjson-stream[ag-ui]'"
        ) from error
    return core


def encode_event(event: BaseEvent) -> bytes:
    """One AG-UI event as an SSE ``data:`` frame (valid JSON whatever the state holds)."""
    try:
        body = event.model_dump_json(by_alias=True).encode()  # the models leave unset fields out
    except (PydanticSerializationError, ValueError, RecursionError):  # too deep for pydantic
        fields = {
            info.alias or name: getattr(event, name)
            for name, info in type(event).model_fields.items()
            if info.is_required() or getattr(event, name) is not None
        }
        fields["type"] = event.type.value
        body = dumps(fields)
    return b"data: " + body + b"\n\n"


def _parts(ptr: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in ptr[1:].split("/")] if ptr else []


def _at(document: Any, ptr: str) -> Any:
    for part in _parts(ptr):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


class _StateDeltas:
    """The partial value as one snapshot, then RFC 6902 deltas: the relay's minimal patches
    with each ``append`` turned into a coalesced ``replace`` of its string."""

    def __init__(self, encoder: PatchEncoder, growth: Growth) -> None:
        self.encoder = encoder
        self._growth = growth
        self._strings: dict[str, GrowthTracker] = {}  # growing strings, by pointer
        self.snapshot_sent = False

    def partial(self, value: Any, changed: Iterable[Any]) -> tuple[Optional[Any], list[Any]]:
        """A snapshot (the first time), or the operations due now."""
        ops = self.encoder.encode(value, changed)
        if not ops:
            return None, []
        if not self.snapshot_sent:
            self.snapshot_sent = True
            return jsonable(self.encoder.value), []
        return None, self._convert(ops)

    def complete(self, value: Any, path: Any) -> list[Any]:
        """The operations for a value that just completed: a held field released, a moderated
        string as it may be shown complete, and what waited at or under it."""
        ops = [] if self.encoder.hidden(path) else self.encoder.complete(value, path)
        return self._convert(ops) + self.flush(under=pointer(path))

    def _convert(self, ops: list[dict[str, Any]]) -> list[Any]:
        """Relay operations as RFC 6902: an ``append`` waits to be re-sent as a ``replace``."""
        out: list[dict[str, Any]] = []
        for op in ops:
            path = op["path"]
            if op["op"] == "append":
                tracker = self._strings.get(path)
                if tracker is None:
                    tracker = self._strings[path] = self._growth.tracker()
                    tracker.has = len(_at(self.encoder.value, path)) - len(op["value"])
                if tracker.add(len(op["value"])):
                    out.append(self._replace(path))
            else:
                self._forget(path)
                out.append(op)
        return out

    def flush(self, under: Optional[str] = None, overdue: bool = False) -> list[Any]:
        """Replace the strings that grew and were not re-sent: all, those at or under
        ``under``, or only those past their deadline."""
        out = []
        for path, tracker in list(self._strings.items()):
            if not tracker.waiting:
                continue
            if under is not None and not (path == under or path.startswith(under + "/")):
                continue
            if overdue and not tracker.overdue():
                continue
            out.append(self._replace(path))
        return out

    def due(self) -> Optional[float]:
        deadlines = [t.deadline() for t in self._strings.values() if t.waiting]
        present = [d for d in deadlines if d is not None]
        return min(present) if present else None

    def _replace(self, path: str) -> dict[str, Any]:
        text = clean_text(_at(self.encoder.value, path))
        self._strings[path].sent(len(text))
        return {"op": "replace", "path": path, "value": text}

    def _forget(self, path: str) -> None:
        """An add or replace at ``path`` supersedes what waited at or under it."""
        if not self._strings:
            return
        for waiting in list(self._strings):
            if path == "" or waiting == path or waiting.startswith(path + "/"):
                del self._strings[waiting]


class AGUIWriter(UpdateMapper["BaseEvent"]):
    """Updates in, AG-UI events out (sans-I/O); see the module docstring.

    ``thread_id`` and ``run_id``: the ids of the run (from the ``RunAgentInput`` the frontend
    posted; new UUIDs by default). ``message_id``: the id of the text message. ``messages``:
    the ``RunAgentInput`` 's messages, sent back in the one case that needs a
    ``MESSAGES_SNAPSHOT`` (a tool call whose streamed arguments the done event contradicted:
    the snapshot replaces the client's messages, and without them the conversation it shows
    would lose them). ``growth`` / ``max_delay``: how a growing string is coalesced (see
    :class:`~partialjson.web.protocols.Growth`). ``moderation`` and ``hold_until_complete``:
    as in :func:`partialjson.relay` (with either, tool arguments go out whole at release:
    raw text cannot be moderated).

    >>> from partialjson import Started
    >>> writer = AGUIWriter(thread_id="t", run_id="r")
    >>> [event.type.value for event in writer.items(Started(None, None))]
    ['RUN_STARTED']
    """

    def __init__(
        self,
        *,
        thread_id: Optional[str] = None,
        run_id: Optional[str] = None,
        message_id: Optional[str] = None,
        messages: Sequence[Any] = (),
        growth: float = 0.25,
        max_delay: Optional[float] = 0.25,
        moderation: Optional[Moderator] = None,
        hold_until_complete: Iterable[str] = (),
        choice: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            choice=choice, moderation=moderation, hold_until_complete=hold_until_complete
        )
        self._core = _models()
        self.thread_id = thread_id or str(uuid.uuid4())
        self.run_id = run_id or str(uuid.uuid4())
        self._message_id = message_id or f"{self.run_id}-text"
        self._input_messages = list(messages)
        self._growth = growth
        self._state = _StateDeltas(self._encoder, Growth(growth, max_delay, clock))
        self._text_pieces: list[str] = []  # the text message's content, for a correction
        self._calls: list[ToolArgs] = []  # every call started, in order
        self._results: dict[str, Any] = {}  # the tool messages sent, by call id
        self._released: list[str] = []  # the calls released, for the outcome
        self._server: dict[str, tuple[Optional[str], int]] = {}  # status and size shown
        self._sources_sent = False

    def events(self, update: Update) -> list[BaseEvent]:
        """The AG-UI events for one update (none for what a browser must not see): the
        ``ag-ui-protocol`` models :meth:`items` returns, by their protocol's name."""
        return self.items(update)

    # the sans-I/O interface of partialjson.web.protocols.drive

    def feed(self, update: Update) -> list[bytes]:
        return [encode_event(e) for e in self.items(update)]

    def end(self, error: Optional[BaseException] = None) -> list[bytes]:
        return [encode_event(e) for e in self.end_items(error)]

    def cancel(self) -> list[bytes]:
        """The run ends ``cancelled`` (the browser went away, or the response was cancelled)."""
        return [encode_event(e) for e in self.cancel_items()]

    def due(self) -> Optional[float]:
        return None if self.ended else self._state.due()

    def flush_due(self) -> list[bytes]:
        return [encode_event(e) for e in self._delta(self._state.flush(overdue=True))]

    # the run and its state

    def _run_start(self) -> list[BaseEvent]:
        return [self._core.RunStartedEvent(thread_id=self.thread_id, run_id=self.run_id)]

    def _partial(self, value: Any, changed: Iterable[Any]) -> list[BaseEvent]:
        snapshot, ops = self._state.partial(value, changed)
        events: list[BaseEvent] = []
        if snapshot is not None or ops:
            events += self._close_reasoning()  # the answer began
        if snapshot is not None:
            events.append(self._core.StateSnapshotEvent(snapshot=snapshot))
        return events + self._delta(ops)

    def _field_completed(self, path: Any) -> list[BaseEvent]:
        return self._delta(self._state.complete(self._live, path))

    def _delta(self, ops: list[Any]) -> list[BaseEvent]:
        if not ops:
            return []
        if not self._state.snapshot_sent:  # nothing before: the state starts here
            self._state.snapshot_sent = True
            return [self._core.StateSnapshotEvent(snapshot=jsonable(self._state.encoder.value))]
        return [self._core.StateDeltaEvent(delta=ops)]

    def _finish(self, value: Any) -> list[BaseEvent]:
        core, state = self._core, self._state
        events = self._delta(state.flush())
        final = state.encoder.outgoing(value)
        if not state.snapshot_sent:
            if final is not None:  # a tool-only answer leaves the state alone
                state.snapshot_sent = True
                events.append(core.StateSnapshotEvent(snapshot=final))
        elif final != jsonable(state.encoder.value):  # validation changed it (defaults...)
            events.append(
                core.StateDeltaEvent(delta=[{"op": "replace", "path": "", "value": final}])
            )
        outcome = core.RunFinishedSuccessOutcome(pending_tool_call_ids=self._released or None)
        events.append(
            core.RunFinishedEvent(thread_id=self.thread_id, run_id=self.run_id, outcome=outcome)
        )
        return events

    def _error(self, status: str, reason: Optional[str]) -> list[BaseEvent]:
        events = self._delta(self._state.flush())
        code = safe_code(reason) or status
        events.append(self._core.RunErrorEvent(message=_MESSAGES[status], code=code))
        return events

    def _cancelled(self) -> list[BaseEvent]:
        outcome = self._core.RunFinishedCancelledOutcome()
        return [
            self._core.RunFinishedEvent(
                thread_id=self.thread_id, run_id=self.run_id, outcome=outcome
            )
        ]

    # text and reasoning messages

    def _text_start(self) -> list[BaseEvent]:
        return [self._core.TextMessageStartEvent(message_id=self._message_id, role="assistant")]

    def _text_delta(self, delta: str) -> list[BaseEvent]:
        self._text_pieces.append(delta)
        return [self._core.TextMessageContentEvent(message_id=self._message_id, delta=delta)]

    def _text_end(self) -> list[BaseEvent]:
        return [self._core.TextMessageEndEvent(message_id=self._message_id)]

    def _reasoning_id(self, number: int) -> str:
        return f"{self.run_id}-reasoning-{number}"

    def _reasoning_start(self, number: int) -> list[BaseEvent]:
        message_id = self._reasoning_id(number)
        return [
            self._core.ReasoningStartEvent(message_id=message_id),
            self._core.ReasoningMessageStartEvent(message_id=message_id, role="reasoning"),
        ]

    def _reasoning_delta(self, number: int, delta: str) -> list[BaseEvent]:
        message_id = self._reasoning_id(number)
        return [self._core.ReasoningMessageContentEvent(message_id=message_id, delta=delta)]

    def _reasoning_end(self, number: int) -> list[BaseEvent]:
        message_id = self._reasoning_id(number)
        return [
            self._core.ReasoningMessageEndEvent(message_id=message_id),
            self._core.ReasoningEndEvent(message_id=message_id),
        ]

    # tool calls

    def _tool_start(self, call: ToolArgs) -> list[BaseEvent]:
        self._calls.append(call)
        return [self._core.ToolCallStartEvent(tool_call_id=call.call_id, tool_call_name=call.name)]

    def _tool_args(self, call: ToolArgs, delta: str) -> list[BaseEvent]:
        return [self._core.ToolCallArgsEvent(tool_call_id=call.call_id, delta=delta)]

    def _tool_ready(self, ready: ToolCall, call: ToolArgs, corrected: bool) -> list[BaseEvent]:
        self._released.append(call.call_id)
        events: list[BaseEvent] = [self._core.ToolCallEndEvent(tool_call_id=call.call_id)]
        if corrected:  # the client's text cannot become the truth by appending: replace it
            call.pieces = [ready.arguments_json]
            events.append(self._messages_snapshot())
        return events

    def _tool_rejected(self, update: ToolCallRejected, call: Optional[ToolArgs]) -> list[BaseEvent]:
        return [] if call is None else self._tool_unanswerable(call, "invalid_arguments")

    def _tool_interrupted(self, call: ToolArgs) -> list[BaseEvent]:
        return self._tool_unanswerable(call, "interrupted")

    def _tool_unanswerable(self, call: ToolArgs, error: str) -> list[BaseEvent]:
        """End a started call that must not run, and answer it with the error, so that no
        client runs it (it is not pending)."""
        core = self._core
        result = core.ToolCallResultEvent(
            message_id=f"{call.call_id}-result",
            tool_call_id=call.call_id,
            content=dumps({"error": error}).decode(),
            role="tool",
        )
        self._results[call.call_id] = result
        return [core.ToolCallEndEvent(tool_call_id=call.call_id), result]

    def _messages_snapshot(self) -> BaseEvent:
        """The run's messages as the client should have them (after the input's messages);
        reasoning and activity messages are not in it, so the client keeps its own."""
        core = self._core
        messages: list[Any] = list(self._input_messages)
        if self._text_pieces:
            content = "".join(self._text_pieces)
            messages.append(core.AssistantMessage(id=self._message_id, content=content))
        for call in self._calls:
            function = core.FunctionCall(name=call.name, arguments=clean_text(call.text))
            tool_call = core.ToolCall(id=call.call_id, function=function)
            messages.append(core.AssistantMessage(id=call.call_id, tool_calls=[tool_call]))
            result = self._results.get(call.call_id)
            if result is not None:
                messages.append(
                    core.ToolMessage(
                        id=result.message_id, tool_call_id=call.call_id, content=result.content
                    )
                )
        snapshot: BaseEvent = core.MessagesSnapshotEvent(messages=messages)
        return snapshot

    # what the provider ran, sources, items

    def _server_tool(self, call: ToolCall) -> list[BaseEvent]:
        """One activity message per server-run tool, re-sent whole when its status changes or
        its arguments grew by ``growth`` (so bytes stay linear)."""
        status, size = self._server.get(call.call_id, (None, -1))
        grown = len(call.arguments_json) >= size * (1 + self._growth) + 1
        if call.call_id in self._server and status == call.status and not grown:
            return []
        self._server[call.call_id] = (call.status, len(call.arguments_json))
        final = call.status in FINAL_STATUSES
        content = {
            "toolCallId": call.call_id,
            "name": call.name or call.kind,
            "status": call.status,
            "arguments": self._encoder.outgoing(call.arguments, ("tool_calls",), final, not final),
        }
        return [
            self._core.ActivitySnapshotEvent(
                message_id=f"{self.run_id}-{call.kind}-{call.call_id}",
                activity_type=call.kind,
                content=content,
            )
        ]

    def _source(self, source: dict[str, str]) -> list[BaseEvent]:
        core, message_id = self._core, f"{self.run_id}-sources"
        if not self._sources_sent:
            self._sources_sent = True
            content = {"sources": [source]}
            return [
                core.ActivitySnapshotEvent(
                    message_id=message_id, activity_type="sources", content=content
                )
            ]
        patch = [{"op": "add", "path": "/sources/-", "value": source}]
        return [
            core.ActivityDeltaEvent(message_id=message_id, activity_type="sources", patch=patch)
        ]

    def _item(self, index: int, path: Any, item: Any) -> list[BaseEvent]:
        value = {"index": index, "path": pointer(path), "item": item}
        return [self._core.CustomEvent(name=ITEM_EVENT, value=value)]


def agui_events(
    updates: Iterable[Update],
    *,
    thread_id: Optional[str] = None,
    run_id: Optional[str] = None,
    heartbeat: Optional[float] = 15.0,
    **options: Any,
) -> Iterator[bytes]:
    """A response stream's updates as AG-UI SSE bytes (serve with :data:`AGUI_HEADERS`).

    ``thread_id`` / ``run_id``: from the frontend's ``RunAgentInput``. ``heartbeat``: seconds
    of upstream silence after which a comment is sent (``None``: never). Other options: see
    :class:`AGUIWriter`. Closing the generator early (the browser went away) cancels the
    response, which closes the upstream connection.

    >>> import json, partialjson
    >>> from partialjson.web.agui import agui_events
    >>> done = {"index": 0, "delta": {"content": '{"a": 1}'}, "finish_reason": "stop"}
    >>> chunks = [{"choices": [done]}]
    >>> sent = agui_events(partialjson.stream(chunks), heartbeat=None)
    >>> [json.loads(chunk[6:])["type"] for chunk in sent]
    ['RUN_STARTED', 'STATE_SNAPSHOT', 'RUN_FINISHED']
    """
    writer = AGUIWriter(thread_id=thread_id, run_id=run_id, **options)
    writer.free_text = free_text_of(updates)
    return drive(writer, updates, heartbeat)


def aagui_events(
    updates: AsyncIterable[Update],
    *,
    thread_id: Optional[str] = None,
    run_id: Optional[str] = None,
    heartbeat: Optional[float] = 15.0,
    **options: Any,
) -> AsyncIterator[bytes]:
    """The async twin of :func:`agui_events`.

    >>> import asyncio, json, partialjson
    >>> from partialjson.web.agui import aagui_events
    >>> async def source():
    ...     yield {"choices": [{"index": 0, "delta": {"content": "[1]"}, "finish_reason": "stop"}]}
    >>> async def main():
    ...     sent = aagui_events(partialjson.stream(source()), run_id="r1")
    ...     return [json.loads(chunk[6:]) async for chunk in sent]
    >>> asyncio.run(main())[-1]["runId"]
    'r1'
    """
    writer = AGUIWriter(thread_id=thread_id, run_id=run_id, **options)
    writer.free_text = free_text_of(updates)
    return adrive(writer, updates, heartbeat)

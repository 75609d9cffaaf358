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
* a tool call whose arguments are complete → ``TOOL_CALL_START``, ``TOOL_CALL_ARGS`` (the
  arguments as the model wrote them) and ``TOOL_CALL_END``: AG-UI clients run a tool at its
  end, so nothing goes out before the arguments are valid, and a rejected call not at all;
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
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Callable, Optional

from pydantic_core import PydanticSerializationError

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
    ToolCallReady,
    Update,
)
from .moderation import Moderator
from .patches import PatchEncoder, clean_text, dumps, jsonable, pointer
from .protocols import Growth, GrowthTracker, adrive, drive, free_text_of
from .relay import safe_code

if TYPE_CHECKING:
    from ag_ui.core import BaseEvent

__all__ = ["AGUI_HEADERS", "AGUIWriter", "aagui_events", "agui_events"]

logger = logging.getLogger("partialjson")

#: Response headers for an AG-UI event stream.
AGUI_HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
}

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

    def __init__(
        self, moderation: Optional[Moderator], hold: Iterable[str], growth: Growth
    ) -> None:
        self.encoder = PatchEncoder(moderation, hold)
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


class AGUIWriter:
    """Updates in, AG-UI events out (sans-I/O); see the module docstring.

    ``thread_id`` and ``run_id``: the ids of the run (from the ``RunAgentInput`` the frontend
    posted; new UUIDs by default). ``message_id``: the id of the refusal text message.
    ``growth`` / ``max_delay``: how a growing string is coalesced (see
    :class:`~partialjson.web.protocols.Growth`). ``moderation`` and ``hold_until_complete``:
    as in :func:`partialjson.relay`.

    >>> from partialjson import Started
    >>> writer = AGUIWriter(thread_id="t", run_id="r")
    >>> [event.type.value for event in writer.events(Started(None, None))]
    ['RUN_STARTED']
    """

    def __init__(
        self,
        *,
        thread_id: Optional[str] = None,
        run_id: Optional[str] = None,
        message_id: Optional[str] = None,
        growth: float = 0.25,
        max_delay: Optional[float] = 0.25,
        moderation: Optional[Moderator] = None,
        hold_until_complete: Iterable[str] = (),
        choice: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._core = _models()
        self.thread_id = thread_id or str(uuid.uuid4())
        self.run_id = run_id or str(uuid.uuid4())
        self._message_id = message_id or f"{self.run_id}-text"
        self._state = _StateDeltas(
            moderation, hold_until_complete, Growth(growth, max_delay, clock)
        )
        self._choice = choice
        self._started = False
        self._text_open = False
        self._text_sent = False
        self._reasoning: Optional[str] = None  # the open reasoning message
        self._reasonings = 0
        self._live: Any = None  # the last partial value seen (live: updated in place)
        #: The answer's raw text, for an answer that is prose rather than JSON (sent as a text
        #: message when the response completes without a value); the encoders set it.
        self.free_text: Optional[Callable[[], str]] = None
        self.ended = False

    # the sans-I/O interface of partialjson.web.protocols.drive

    def feed(self, update: Update) -> list[bytes]:
        return [encode_event(e) for e in self.events(update)]

    def end(self, error: Optional[BaseException] = None) -> list[bytes]:
        if self.ended:
            return []
        if error is not None:
            logger.warning("the relayed stream raised %s: relayed as failed", type(error).__name__)
        reason = "relay_error" if error is not None else "interrupted"
        return [encode_event(e) for e in self._error("failed", reason)]

    def cancel(self) -> list[bytes]:
        """The run ends ``cancelled`` (the browser went away, or the response was cancelled)."""
        if self.ended:
            return []
        return [encode_event(e) for e in self._cancelled()]

    def due(self) -> Optional[float]:
        return None if self.ended else self._state.due()

    def flush_due(self) -> list[bytes]:
        return [encode_event(e) for e in self._delta(self._state.flush(overdue=True))]

    # events

    def events(self, update: Update) -> list[BaseEvent]:
        """The AG-UI events for one update (none for what a browser must not see)."""
        if self.ended:
            return []
        core = self._core
        if isinstance(update, Started):
            return self._start()
        events = self._start()
        if isinstance(update, PartialUpdate):
            if update.choice != self._choice:
                return events
            self._live = update.value
            snapshot, ops = self._state.partial(update.value, update.changed)
            if snapshot is not None or ops:
                events += self._close_reasoning()  # the answer began
            if snapshot is not None:
                events.append(core.StateSnapshotEvent(snapshot=snapshot))
            return events + self._delta(ops)
        if isinstance(update, FieldCompleted):
            if update.choice != self._choice:
                return events
            return events + self._delta(self._state.complete(self._live, update.path))
        if isinstance(update, RefusalDelta):
            if update.choice != self._choice or not update.delta:
                return events
            return events + self._text(update.delta)
        if isinstance(update, ReasoningDelta):
            if update.choice != self._choice or not update.delta:
                return events  # a redacted block has nothing to show
            return events + self._reason(update.delta)
        if isinstance(update, ToolCallReady):
            call = update.call
            if call.choice != self._choice:
                return events
            events += self._close_reasoning()
            events.append(
                core.ToolCallStartEvent(tool_call_id=call.call_id, tool_call_name=call.name)
            )
            if call.arguments_json:
                arguments = clean_text(call.arguments_json)
                events.append(core.ToolCallArgsEvent(tool_call_id=call.call_id, delta=arguments))
            events.append(core.ToolCallEndEvent(tool_call_id=call.call_id))
            return events
        if isinstance(update, Completed):
            if update.value is None and self.free_text is not None and self.free_text():
                events += self._text(self.free_text())  # the answer was prose, not JSON
            return events + self._finish(update.value)
        if isinstance(update, Incomplete):
            return events + self._error("incomplete", update.reason)
        if isinstance(update, Refused):
            if update.refusal and not self._text_sent:
                events += self._text(update.refusal)
            return events + self._error("refused", update.reason)
        if isinstance(update, Failed):
            return events + self._error("failed", update.reason)
        if isinstance(update, Cancelled):
            return events + self._cancelled()
        return events  # tool progress, issues, citations...: not part of AG-UI's model

    def _start(self) -> list[BaseEvent]:
        if self._started:
            return []
        self._started = True
        return [self._core.RunStartedEvent(thread_id=self.thread_id, run_id=self.run_id)]

    def _delta(self, ops: list[Any]) -> list[BaseEvent]:
        if not ops:
            return []
        if not self._state.snapshot_sent:  # nothing before: the state starts here
            self._state.snapshot_sent = True
            return [self._core.StateSnapshotEvent(snapshot=jsonable(self._state.encoder.value))]
        return [self._core.StateDeltaEvent(delta=ops)]

    def _text(self, delta: str) -> list[BaseEvent]:
        core = self._core
        events = self._close_reasoning()
        if not self._text_open:
            self._text_open = self._text_sent = True
            events.append(core.TextMessageStartEvent(message_id=self._message_id, role="assistant"))
        events.append(
            core.TextMessageContentEvent(message_id=self._message_id, delta=clean_text(delta))
        )
        return events

    def _reason(self, delta: str) -> list[BaseEvent]:
        core = self._core
        events = self._close_text()
        if self._reasoning is None:
            self._reasonings += 1
            self._reasoning = f"{self.run_id}-reasoning-{self._reasonings}"
            events.append(core.ReasoningStartEvent(message_id=self._reasoning))
            events.append(
                core.ReasoningMessageStartEvent(message_id=self._reasoning, role="reasoning")
            )
        events.append(
            core.ReasoningMessageContentEvent(message_id=self._reasoning, delta=clean_text(delta))
        )
        return events

    def _close_text(self) -> list[BaseEvent]:
        if not self._text_open:
            return []
        self._text_open = False
        return [self._core.TextMessageEndEvent(message_id=self._message_id)]

    def _close_reasoning(self) -> list[BaseEvent]:
        if self._reasoning is None:
            return []
        core, message_id = self._core, self._reasoning
        self._reasoning = None
        return [
            core.ReasoningMessageEndEvent(message_id=message_id),
            core.ReasoningEndEvent(message_id=message_id),
        ]

    def _close_messages(self) -> list[BaseEvent]:
        return [*self._close_reasoning(), *self._close_text()]

    def _finish(self, value: Any) -> list[BaseEvent]:
        core, state = self._core, self._state
        events = [*self._close_messages(), *self._delta(state.flush())]
        final = state.encoder.outgoing(value)
        if not state.snapshot_sent:
            if final is not None:  # a tool-only answer leaves the state alone
                state.snapshot_sent = True
                events.append(core.StateSnapshotEvent(snapshot=final))
        elif final != jsonable(state.encoder.value):  # validation changed it (defaults...)
            events.append(
                core.StateDeltaEvent(delta=[{"op": "replace", "path": "", "value": final}])
            )
        outcome = core.RunFinishedSuccessOutcome()
        events.append(
            core.RunFinishedEvent(thread_id=self.thread_id, run_id=self.run_id, outcome=outcome)
        )
        self.ended = True
        return events

    def _cancelled(self) -> list[BaseEvent]:
        core = self._core
        events = [*self._start(), *self._close_messages()]
        outcome = core.RunFinishedCancelledOutcome()
        events.append(
            core.RunFinishedEvent(thread_id=self.thread_id, run_id=self.run_id, outcome=outcome)
        )
        self.ended = True
        return events

    def _error(self, kind: str, reason: Optional[str]) -> list[BaseEvent]:
        events = [*self._start(), *self._close_messages(), *self._delta(self._state.flush())]
        code = safe_code(reason) or kind
        events.append(self._core.RunErrorEvent(message=_MESSAGES[kind], code=code))
        self.ended = True
        return events


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

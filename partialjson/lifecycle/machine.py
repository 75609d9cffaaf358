"""The response lifecycle: one sans-I/O state machine per streamed response.

Theory of operation
===================

:class:`Lifecycle` takes provider events (plain dicts) one at a time with :meth:`~Lifecycle.handle`
and returns the :mod:`updates <partialjson.lifecycle.updates>` each causes;
:meth:`~Lifecycle.end` says the source ran dry and :meth:`~Lifecycle.cancel` that the caller gave
up. It reads nothing and waits for nothing: :mod:`partialjson.streaming.response` iterates the
sources, sync or async, and feeds it.

The work is split along one seam. *Per-provider handling* lives in :mod:`partialjson.providers`:
one adapter per API turns an event into neutral :mod:`signals <partialjson.providers.signals>`.
*What arrived* lives in :mod:`~partialjson.lifecycle.choices`: per choice, the answer's parser,
refusal, reasoning, citations and tool calls. This module is *the state machine*: when things
happen, and the updates they cause.

Per event: drop it if its ``sequence_number`` was already applied (a resumed stream replays
what the first one delivered) and report a gap if numbers were skipped; translate it with the
provider's adapter; apply the signals to the *choice* they concern (Chat Completions may stream
several). Each choice has channels:

* the answer's text, parsed as it arrives — by a :class:`~partialjson.TypedParser` when a type
  was given, else a :class:`~partialjson.Parser` — so a partial value exists after every delta;
* a refusal's text; reasoning (never the answer); citations;
* one parser per tool call, its arguments shown as they stream and released as a
  :class:`~partialjson.ToolCall` only by the call's own done event, once, and never when the
  response is cut off before it; a call with no arguments is complete with ``{}``; a missing
  or duplicated id is reported (:class:`~partialjson.ToolCallIdIssue`), never dropped;
* tools the provider runs itself (web search, MCP, code interpreter), shown as
  :class:`~partialjson.ServerToolCallUpdate` s and never released.

An event that does not fit its provider's schema ends the response *failed*
(``protocol_error``) with its position; :meth:`handle` never raises from inside.

The state moves ``pending → streaming →`` one terminal state, once. Only ``completed`` computes
a final value, by the typed layer's done signal: truncation (``response.incomplete``,
``finish_reason: length``, ``stop_reason: max_tokens``) is *incomplete*, never a JSON error,
and a source that ends with no terminal event is *failed (interrupted)*.

Logging (logger ``partialjson``) records event types, timings, ids, states and error codes —
never text, arguments or error messages, which may quote the prompt.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Final, Optional, Union

from pydantic import ValidationError

from ..core.errors import ParseError, kept
from ..core.events import Path
from ..core.parser import Parser
from ..providers.detect import adapter_for, detect
from ..providers.signals import (
    Adapter,
    Begin,
    ChoiceFinish,
    Citation,
    ProtocolError,
    ReasoningDelta,
    RefusalDelta,
    Signal,
    StreamDone,
    Terminal,
    TextDelta,
    TextDone,
    ToolDelta,
    ToolDone,
    ToolStart,
    ToolStatus,
    Unknown,
    clean,
)
from ..typed.parser import FinalValueError, TypedParser
from .choices import ChoiceResult, ToolCallStream
from .updates import _OPEN as _OPEN  # the states that are not terminal
from .updates import (
    Cancelled,
    CitationAdded,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    ItemCompleted,
    PartialUpdate,
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
from .updates import ReasoningDelta as ReasoningUpdate
from .updates import RefusalDelta as RefusalUpdate

__all__ = ["ChoiceResult", "Lifecycle", "Metrics"]

_new_instance: Final = object.__new__
# (Final: the compiled build reads them without a lookup)
_PartialUpdate: Final = PartialUpdate
_FieldCompleted: Final = FieldCompleted
#: The states that are not terminal, compared by identity (cheaper than ``in _OPEN``, per delta).
_PENDING: Final = ResponseState.PENDING
_STREAMING: Final = ResponseState.STREAMING


def _partial_update(value: Any, changed: tuple[Path, ...], choice: int) -> PartialUpdate:
    """``PartialUpdate(value, changed, choice)``, the same instance (its fields in its
    ``__dict__``, as its ``__init__`` puts them) without the Python call of ``__init__``:
    one per delta, the update's cost halved."""
    update: PartialUpdate = _new_instance(_PartialUpdate)
    fields: dict[str, Any] = update.__dict__
    fields["value"] = value
    fields["changed"] = changed
    fields["choice"] = choice
    return update


def _field_completed(path: Path, choice: int) -> FieldCompleted:
    """``FieldCompleted(path, choice)``, made as :func:`_partial_update` makes its update."""
    update: FieldCompleted = _new_instance(_FieldCompleted)
    fields: dict[str, Any] = update.__dict__
    fields["path"] = path
    fields["choice"] = choice
    return update


logger = logging.getLogger("partialjson")

_CALLS_DONE = frozenset({"tool_calls", "function_call", "stop"})
_CUT_OFF = {"length": ResponseState.INCOMPLETE, "content_filter": ResponseState.INCOMPLETE}
#: Exceptions an adapter's bug on an unforeseen event shape could raise: a protocol error too.
_SHAPE_ERRORS = (TypeError, AttributeError, KeyError, IndexError, ValueError)


@dataclass
class Metrics:
    """Timings and counts of one response (seconds from the stream's creation): what a log or
    a dashboard wants, never the content.

    >>> import partialjson
    >>> choice = {"index": 0, "delta": {"content": "[1, 2]"}, "finish_reason": "stop"}
    >>> events = [{"choices": [choice]}]
    >>> metrics = partialjson.stream(events).until_done().metrics
    >>> metrics.deltas, metrics.characters, metrics.state.value, metrics.duration >= 0
    (1, 6, 'completed', True)
    """

    time_to_first_delta: Optional[float] = None
    time_to_first_complete_field: Optional[float] = None
    deltas: int = 0
    characters: int = 0
    duration: Optional[float] = None
    state: ResponseState = ResponseState.PENDING
    events: int = 0
    #: Events, items, blocks or parts of a type partialjson does not know: skipped.
    unknown_events: int = 0
    duplicate_events: int = 0
    gaps: int = 0
    #: Reasoning characters received (thinking and summaries).
    reasoning_characters: int = 0


class Lifecycle:
    """The sans-I/O state machine of one streamed response.

    >>> from partialjson import Lifecycle
    >>> machine = Lifecycle()
    >>> def text(n, delta):
    ...     return {"type": "response.output_text.delta", "sequence_number": n, "delta": delta}
    >>> updates = machine.handle({"type": "response.created", "sequence_number": 0, "response": {}})
    >>> updates += machine.handle(text(1, '{"a": [1'))
    >>> updates += machine.handle(text(1, '{"a": [1'))  # a replayed event: dropped
    >>> updates += machine.handle(text(2, "]}"))
    >>> updates += machine.handle({"type": "response.completed", "sequence_number": 3})
    >>> [type(u).__name__ for u in updates]  # doctest: +NORMALIZE_WHITESPACE
    ['Started', 'PartialUpdate', 'PartialUpdate', 'FieldCompleted', 'FieldCompleted',
     'FieldCompleted', 'Completed']
    >>> machine.state.value, machine.final, machine.metrics.duplicate_events
    ('completed', {'a': [1]}, 1)
    """

    __slots__ = (  # one per open stream: no instance dict (in the pure build) to visit
        "_adapter",
        "_began",
        "_call_ids",
        "_choices",
        "_clock",
        "_debug",
        "_items",
        "_last_choice",
        "_last_kind",
        "_options",
        "_spare",
        "_started_at",
        "_tools",
        "last_sequence_number",
        "message",
        "metrics",
        "reason",
        "response_id",
        "state",
        "type",
    )

    def __init__(
        self,
        type_: Any = None,
        *,
        tools: Optional[Mapping[str, Any]] = None,
        provider: Optional[str] = None,
        clock: Callable[[], float] = time.monotonic,
        **parser_options: Any,
    ) -> None:
        self.type = type_
        self._tools = dict(tools or {})
        self._adapter: Optional[Adapter] = adapter_for(provider) if provider else None
        self._clock = clock
        self._items = parser_options.pop("items", None)
        self._options = parser_options
        # A bad type, items path or option is the caller's error, now; the parser made to say
        # so is the first choice's (most responses have one choice: one parser, not two).
        self._spare: Union[Parser, TypedParser[Any], None] = (
            TypedParser(type_, items=self._items, **parser_options)
            if type_ is not None
            else Parser(**parser_options)
        )
        self._started_at = clock()
        # Whether the per-event debug line is wanted: asked once per response, as logging's
        # docs advise for a hot loop (a call per event costs more than the rest of handle()).
        self._debug = logger.isEnabledFor(logging.DEBUG)
        self._choices: dict[int, ChoiceResult] = {}
        self._last_choice: Optional[ChoiceResult] = None  # the last one a delta went to
        self.state = ResponseState.PENDING
        self.reason: Optional[str] = None
        #: The provider's error message, for a failed response (not logged).
        self.message: Optional[str] = None
        self.response_id: Optional[str] = None
        self.metrics = Metrics()
        self.last_sequence_number: Optional[int] = None
        self._began = False
        self._last_kind: Any = "-"  # the last event's type as received: any JSON value
        self._call_ids: Optional[set[str]] = None  # made at the first tool call (an empty set
        # is 216 bytes, and most answers have no call)

    # -- what a caller reads ------------------------------------------------------------

    @property
    def provider(self) -> Optional[str]:
        return self._adapter.name if self._adapter else None

    @property
    def choices(self) -> list[ChoiceResult]:
        """Every choice seen, by index (at least choice 0)."""
        self._choice(0)
        return [self._choices[i] for i in sorted(self._choices)]

    @property
    def final(self) -> Any:
        """Choice 0's validated value; :class:`~partialjson.FinalValueError` unless completed."""
        if self.state is not ResponseState.COMPLETED:
            reason = f" ({self.reason})" if self.reason else ""
            raise FinalValueError(f"no final value: the response is {self.state.value}{reason}")
        return self._choice(0).final

    @property
    def tool_calls(self) -> list[ToolCall]:
        """Every released tool call, in the order they became ready."""
        return [call for choice in self.choices for call in choice.tool_calls]

    @property
    def server_tool_calls(self) -> list[ToolCall]:
        """Tools the provider ran itself (web search, MCP, code interpreter...), as they stand:
        shown, never released."""
        return [call for choice in self.choices for call in choice.server_tool_calls]

    # -- events in, updates out ---------------------------------------------------------

    def handle(self, data: Mapping[str, Any]) -> list[Update]:
        """Apply one provider event (a dict); return the updates it causes.

        An event that does not fit its provider's schema ends the response *failed*
        (``protocol_error``), keeping what arrived before it readable; it never raises.
        """
        if self.state not in _OPEN:
            return []
        self.metrics.events += 1
        updates: list[Update] = []
        if type(data) is dict:  # the usual: read by the compiled build's dict operations
            event: dict[str, Any] = data
        elif isinstance(data, Mapping):
            event = dict(data)
        else:
            return self._protocol_error(ProtocolError(f"the event is {type(data).__name__}"))
        kind = event.get("type", "chunk")
        self._last_kind = kind  # cleaned when it is logged
        sequence = event.get("sequence_number")
        if self._debug:
            logger.debug("event %s seq=%s", clean(kind), clean(sequence))
        if sequence is not None:
            if not isinstance(sequence, int) or isinstance(sequence, bool):
                error = ProtocolError("sequence_number is not an integer", "sequence_number")
                return self._protocol_error(error)
            last = self.last_sequence_number
            if last is not None and sequence <= last:
                self.metrics.duplicate_events += 1
                return updates
            if last is not None and sequence > last + 1:
                self.metrics.gaps += 1
                logger.warning("sequence gap: expected %d, received %d", last + 1, sequence)
                updates.append(SequenceGap(last + 1, sequence))
            self.last_sequence_number = sequence
        adapter = self._adapter
        if adapter is None:
            adapter = self._adapter = detect(event)
            if adapter is None:
                self.metrics.unknown_events += 1
                return updates
        try:
            signals = adapter.translate(event)
        except ProtocolError as error:
            return updates + self._protocol_error(error)
        except _SHAPE_ERRORS as error:  # an unforeseen shape: still the provider's fault
            problem = ProtocolError(f"unreadable event ({type(error).__name__})")
            problem.__cause__ = error
            return updates + self._protocol_error(problem)
        if not self._began:
            begin = next((s for s in signals if isinstance(s, Begin)), Begin(None, None))
            self._begin(begin.response_id, begin.model, updates)
        for signal in signals:
            self._apply(signal, updates)
            if self.state not in _OPEN:
                break
        return updates

    def text_only(self, event: Mapping[str, Any]) -> Optional[int]:
        """The choice that an event like ``event`` — the same but for the text of its delta —
        would only add its text to, if :meth:`handle` applied it now: counted, and its text
        applied, nothing else (no sequence number, no other signal); else ``None``.

        Such an event may then be applied by :meth:`text_event`, as long as no other event is
        applied in between (one could change what decides it: the adapter's state).

        >>> from partialjson import Lifecycle
        >>> machine = Lifecycle()
        >>> def chunk(text):
        ...     choice = {"index": 0, "delta": {"content": text}, "finish_reason": None}
        ...     return {"id": "c1", "choices": [choice]}
        >>> updates = machine.handle(chunk('{"a": '))
        >>> machine.text_only(chunk("1}"))  # a chunk like it only adds text to choice 0
        0
        >>> [type(u).__name__ for u in machine.text_event("chunk", 0, "1}")]
        ['PartialUpdate', 'FieldCompleted', 'FieldCompleted']
        >>> machine.metrics.events
        2
        """
        adapter = self._adapter
        if (
            self.state not in _OPEN
            or not self._began
            or adapter is None
            or type(event) is not dict
            or event.get("sequence_number") is not None
        ):
            return None
        return adapter.text_only(event)

    def text_event(self, kind: Any, index: int, text: str) -> list[Update]:
        """:meth:`handle` of an event of type ``kind`` (``"chunk"`` for one without) that
        :meth:`text_only` said adds its text to choice ``index``, with ``text`` as that text,
        without the event: the same counts, log line and updates."""
        state = self.state
        if state is not _STREAMING and state is not _PENDING:  # (not `in _OPEN`: see there)
            return []
        self.metrics.events += 1
        self._last_kind = kind
        if self._debug:
            logger.debug("event %s seq=%s", clean(kind), clean(None))
        updates: list[Update] = []
        if text:  # (an empty text is no signal)
            self._text(index, text, updates)
        return updates

    def fail(
        self, reason: str, message: Optional[str] = None, error: Optional[BaseException] = None
    ) -> list[Update]:
        """End the response *failed* for a reason found outside the events (``timeout``,
        ``protocol_error`` from the SSE framing...): nothing more is released."""
        if self.state.terminal:
            return []
        updates: list[Update] = []
        if not self._began:
            self._begin(None, None, updates)
        self._finish(ResponseState.FAILED, reason, message, updates, error)
        return updates

    def protocol_error(self, error: ProtocolError) -> list[Update]:
        """The source delivered something that is not an event (SSE data that is not a JSON
        object, a line over the size limit): the response fails (``protocol_error``)."""
        if self.state.terminal:
            return []
        self.metrics.events += 1
        self._last_kind = "-"
        return self._protocol_error(error)

    def _protocol_error(self, error: ProtocolError) -> list[Update]:
        kind = clean(self._last_kind)
        message = f"event {self.metrics.events}: {error}"
        logger.warning(
            "protocol error in event %d (%s)%s: the response fails",
            self.metrics.events,
            kind,
            f" at {clean(error.field)}" if error.field else "",
        )
        return self.fail("protocol_error", message, error)

    def end(self, error: Optional[BaseException] = None) -> list[Update]:
        """The source ended (``error``: it raised). Without a terminal event the response
        failed (interrupted), unless every choice already gave its finish reason (a Chat
        stream without ``[DONE]``).
        """
        if self.state.terminal:
            return []
        updates: list[Update] = []
        choices = self.choices
        if self._adapter is not None and all(c.finish_reason for c in choices):
            self._settle_choices(updates)
        else:
            message = type(error).__name__ if error is not None else None
            self._finish(ResponseState.FAILED, "interrupted", message, updates, error)
        return updates

    def reopen(self) -> None:
        """Take an *interrupted* response back to streaming, to feed it a resumed stream
        (``starting_after=last_sequence_number``): replayed events are dropped as duplicates."""
        if not (self.state is ResponseState.FAILED and self.reason == "interrupted"):
            raise RuntimeError(
                f"only an interrupted response can resume, not a {self.state.value} one"
            )
        self.state = self.metrics.state = ResponseState.STREAMING
        self.reason = self.message = self.metrics.duration = None
        for choice in self.choices:
            if choice.state is ResponseState.FAILED and choice.reason == "interrupted":
                choice.state, choice.reason = ResponseState.PENDING, None
        logger.info(
            "response %s resumes after sequence number %s",
            clean(self.response_id or "-"),
            self.last_sequence_number,
        )

    def cancel(self) -> list[Update]:
        """The caller gave up: cancelled, with no final value."""
        if self.state.terminal:
            return []
        updates: list[Update] = []
        self._finish(ResponseState.CANCELLED, None, None, updates)
        return updates

    # -- signals ------------------------------------------------------------------------

    def _choice(self, index: int) -> ChoiceResult:
        choice = self._choices.get(index)
        if choice is None:
            choice = self._choices[index] = ChoiceResult(
                index, self.type, self._options, self._items, self._spare
            )
            self._spare = None
        return choice

    def _begin(
        self, response_id: Optional[str], model: Optional[str], updates: list[Update]
    ) -> None:
        self._began = True
        self.response_id = response_id
        self.state = self.metrics.state = ResponseState.STREAMING
        if logger.isEnabledFor(logging.INFO):  # (its arguments cost more than the check)
            logger.info(
                "response %s started (provider %s)", clean(response_id or "-"), self.provider
            )
        updates.append(Started(response_id, model))

    def _apply(self, signal: Signal, updates: list[Update]) -> None:
        # The two most frequent first, by class identity (signals are final classes):
        # cheaper than a chain of isinstance calls, paid on every delta.
        if type(signal) is TextDelta:
            self._text(signal.choice, signal.text, updates)
        elif type(signal) is Begin:  # every Chat Completions chunk repeats the id
            if self.response_id is None and signal.response_id:
                self.response_id = signal.response_id
                if logger.isEnabledFor(logging.INFO):
                    logger.info("response id %s", clean(signal.response_id))
        elif isinstance(signal, ToolDelta):
            self._tool_delta(signal, updates)
        elif isinstance(signal, ReasoningDelta):
            self._reasoning(signal, updates)
        elif isinstance(signal, TextDone):
            choice = self._choice(signal.choice)
            if not choice.text and signal.text:  # the text came whole, with no deltas
                self._text(signal.choice, signal.text, updates)
        elif isinstance(signal, RefusalDelta):
            self._count_delta(signal.text)
            self._choice(signal.choice).add_refusal(signal.text)
            updates.append(RefusalUpdate(signal.text, signal.choice))
        elif isinstance(signal, Citation):
            self._choice(signal.choice).citations.append(signal.data)
            updates.append(CitationAdded(signal.data, signal.choice))
        elif isinstance(signal, ToolStart):
            self._tool_start(signal, updates)
        elif isinstance(signal, ToolDone):
            self._tool_done(signal, updates)
        elif isinstance(signal, ToolStatus):
            self._tool_status(signal, updates)
        elif isinstance(signal, ChoiceFinish):
            self._choice_finish(signal, updates)
        elif isinstance(signal, StreamDone):
            self._settle_choices(updates)
        elif isinstance(signal, Terminal):
            self._terminal(signal, updates)
        elif isinstance(signal, Unknown):
            self.metrics.unknown_events += 1
            logger.debug("ignored unknown event type %s", signal.type)

    def _count_delta(self, text: str) -> None:
        metrics = self.metrics
        metrics.deltas += 1
        metrics.characters += len(text)
        if metrics.time_to_first_delta is None:
            metrics.time_to_first_delta = self._clock() - self._started_at
            logger.info("first delta after %.3fs", metrics.time_to_first_delta)

    def _text(self, index: int, text: str, updates: list[Update]) -> None:
        self._count_delta(text)
        choice = self._last_choice  # (most responses have one choice: no dict lookup)
        if choice is None or choice.index != index:
            choice = self._last_choice = self._choices.get(index) or self._choice(index)
        channel = choice._channel
        # (its private lists, read as they are: the properties would make the empty ones)
        issues = channel._issues if isinstance(channel, TypedParser) else None
        issues_before = len(issues) if issues is not None else 0
        events = choice.text_delta(text)
        if not events:
            return
        channel = choice._channel
        if isinstance(channel, TypedParser):  # the typed view says what changed: no copies
            self._typed_changes(choice, channel, issues_before, index, updates)
            return
        paths = choice.visible_changes(events)
        if paths:  # a key alone, a closing bracket changes nothing shown
            changed = tuple(dict.fromkeys(paths)) if len(paths) > 1 else (paths[0],)
            updates.append(PartialUpdate(choice.partial, changed, index))
        self._completions(choice, choice.completed_paths(events), choice.new_items(), updates)

    def _typed_changes(
        self,
        choice: ChoiceResult,
        channel: TypedParser[Any],
        issues_before: int,
        index: int,
        updates: list[Update],
    ) -> None:
        shown = choice._shown  # paths shown by earlier updates whose values are still open
        grown = channel._grown
        if grown is not None:
            # The usual delta: more text of the open string, and nothing else (nothing
            # completed, no issue, ``changed`` is ``[grown]``): what follows, in short.
            # The one-path tuple is the last one's while the same string grows (immutable:
            # shared by the updates, one tuple per string instead of one per delta).
            changed = choice._grown_changed
            if changed is None or changed[0] is not grown:
                changed = choice._grown_changed = (grown,)
            updates.append(_partial_update(channel.partial, changed, index))
            if shown is None:
                choice._shown = [grown]
            elif not shown or (shown[-1] is not grown and grown not in shown):  # (the usual)
                shown.append(grown)
            return
        paths = channel._changed  # (what `changed` gives, with _grown None: see _text)
        issues = channel._issues
        if issues is not None and len(issues) > issues_before and paths:
            # Values kept out of the view (issues). One that replaced something shown changed
            # the view (it shows nothing there now); one that replaced nothing did not.
            hidden = {issue.path for issue in issues[issues_before:]}
            paths = [p for p in paths if p not in hidden or (shown is not None and p in shown)]
        completed = channel._completed
        # A complete value cannot fail any more: only the open ones are kept, O(depth) paths.
        done = completed if len(completed) < 8 else set(completed)  # a big chunk: many
        if paths:  # a key alone, a closing bracket, or a value kept out changes nothing shown
            changed = tuple(dict.fromkeys(paths)) if len(paths) > 1 else (paths[0],)
            updates.append(_partial_update(channel.partial, changed, index))
            if shown is None:
                shown = choice._shown = []
            for path in changed:
                if path not in done and path not in shown:
                    shown.append(path)
        if completed and shown:
            shown[:] = [path for path in shown if path not in done]
        new_items = channel.new_items
        if completed or new_items:
            self._completions(choice, completed, new_items, updates)

    def _completions(
        self,
        choice: ChoiceResult,
        completed: list[Path],
        new_items: list[Any],
        updates: list[Update],
    ) -> None:
        """The fields and ``items=`` elements that the delta completed."""
        index = choice.index
        if completed:
            if self.metrics.time_to_first_complete_field is None:
                self.metrics.time_to_first_complete_field = self._clock() - self._started_at
            for path in completed:
                updates.append(_field_completed(path, index))
        if new_items:
            first = choice.item_count - len(new_items)
            path = choice.items_path
            updates.extend(
                ItemCompleted(item, first + i, (*path, first + i), index)
                for i, item in enumerate(new_items)
            )

    def _reasoning(self, signal: ReasoningDelta, updates: list[Update]) -> None:
        choice = self._choice(signal.choice)
        if signal.kind == "signature":  # kept for the next turn, not shown
            choice.reasoning_signature += signal.text
            return
        choice.add_reasoning(signal.text)
        self.metrics.reasoning_characters += len(signal.text)
        updates.append(ReasoningUpdate(signal.text, signal.kind, signal.choice))

    def _tool_start(self, signal: ToolStart, updates: list[Update]) -> None:
        calls = self._choice(signal.choice)._calls
        call = calls.get(signal.key)
        if call is not None:  # arguments came first, or the id came late: fill in the blanks
            call.call_id = call.call_id or signal.call_id
            call.name = call.name or signal.name
            return
        call = calls[signal.key] = ToolCallStream(
            signal.key,
            signal.call_id,
            signal.name,
            None if signal.server else self._tools.get(signal.name),
            self._options,
            kind=signal.kind,
            server=signal.server,
            raw=signal.raw,
            given=signal.arguments,
        )
        call.status = signal.status
        if call.server:
            logger.info("server tool call %s (%s) started", clean(call.call_id), clean(call.kind))
            self._show(call, signal.choice, updates)

    def _tool_delta(self, signal: ToolDelta, updates: list[Update]) -> None:
        self._count_delta(signal.text)
        calls = self._choice(signal.choice)._calls
        call = calls.get(signal.key)
        if call is None:  # arguments before the call's start: keep them under its key
            call = calls[signal.key] = ToolCallStream(signal.key, "", "", None, self._options)
        if call.released:
            return
        call.feed(signal.text)
        if call.server:
            self._show(call, signal.choice, updates)
        elif call.error is None:
            updates.append(
                ToolCallProgress(call.call_id, call.name, call.partial, signal.choice, signal.text)
            )

    def _tool_status(self, signal: ToolStatus, updates: list[Update]) -> None:
        call = self._choice(signal.choice)._calls.get(signal.key)
        if call is None or not call.server:
            self.metrics.unknown_events += 1  # a status for no server call we saw
            return
        call.status = signal.status
        if signal.result is not None:
            call.result = signal.result
        logger.info("server tool call %s %s", clean(call.call_id), signal.status)
        self._show(call, signal.choice, updates)

    def _tool_done(self, signal: ToolDone, updates: list[Update]) -> None:
        call = self._choice(signal.choice)._calls.get(signal.key)
        if call is not None:  # a done event that repeats the id and name fills in a lost start
            call.call_id = call.call_id or signal.call_id or ""
            call.name = call.name or signal.name or ""
        self._release(signal.choice, signal.key, signal.arguments, updates)

    def _release(
        self, index: int, key: Hashable, arguments: Optional[str], updates: list[Update]
    ) -> None:
        """A call's done event: release it once, with complete (and valid) arguments."""
        call = self._choice(index)._calls.get(key)
        if call is None or call.released:
            return
        call.released = True
        if arguments is not None and (arguments or call.pieces) and arguments != call.text:
            if call.pieces:  # deltas were lost (a gap, a dropped event): the whole text wins
                logger.warning(
                    "tool call %s: the done event's arguments differ from its deltas; "
                    "using the done event's",
                    clean(call.call_id),
                )
            call.replace(arguments)
        if not call.pieces:
            call.feed(call.given or ("" if call.raw else "{}"))  # a call without arguments
        if call.server:
            with contextlib.suppress(ParseError, ValidationError):
                call.finish()  # else shown as received: a server tool's are not ours to judge
            self._show(call, index, updates)
            return
        self._check_id(call, index, updates)
        try:
            value = call.finish()
        except (ParseError, ValidationError) as error:
            logger.warning(
                "tool call %s (%s) rejected: %s",
                clean(call.call_id),
                clean(call.name),
                type(error).__name__,
            )
            updates.append(ToolCallRejected(call.call_id, call.name, kept(error), index))
            return
        ready = ToolCall(call.call_id, call.name, value, call.text, index, kind=call.kind)
        self._choice(index).tool_calls.append(ready)
        logger.info("tool call %s (%s) ready", clean(call.call_id), clean(call.name))
        updates.append(ToolCallReady(ready))

    @staticmethod
    def _show(call: ToolCallStream, index: int, updates: list[Update]) -> None:
        """A server tool call's snapshot, when it shows something new."""
        snapshot = call.snapshot(index)
        if snapshot != call.shown or snapshot.result is not call.shown_result:
            call.shown, call.shown_result = snapshot, snapshot.result
            updates.append(ServerToolCallUpdate(snapshot))

    def _check_id(self, call: ToolCallStream, index: int, updates: list[Update]) -> None:
        """Report a call whose id cannot tell it apart: none, or another call's."""
        problem = None
        if not call.call_id:
            problem = "missing_id"
        elif self._call_ids is not None and call.call_id in self._call_ids:
            problem = "duplicate_id"
        if self._call_ids is None:
            self._call_ids = set()
        self._call_ids.add(call.call_id)
        if problem is not None:
            logger.warning(
                "tool call %s (%s): %s", clean(call.call_id) or "-", clean(call.name), problem
            )
            updates.append(ToolCallIdIssue(call.call_id, call.name, problem, index))

    def _choice_finish(self, signal: ChoiceFinish, updates: list[Update]) -> None:
        choice = self._choice(signal.choice)
        choice.finish_reason = signal.reason
        if signal.reason in _CALLS_DONE:
            for key in list(choice._calls):
                self._release(signal.choice, key, None, updates)

    def _settle_choices(self, updates: list[Update]) -> None:
        """Chat Completions and Gemini: each choice ends by its finish reason."""
        for choice in self.choices:
            reason = choice.finish_reason
            if reason is None:
                self._settle(choice, ResponseState.FAILED, "interrupted", updates)
            else:
                self._settle(choice, _CUT_OFF.get(reason, ResponseState.COMPLETED), reason, updates)
        first = self._choice(0)
        self._finish(first.state, first.reason, None, updates)

    def _terminal(self, signal: Terminal, updates: list[Update]) -> None:
        state = ResponseState(signal.state)
        choice = self._choice(0)
        if state is ResponseState.FAILED:
            self._finish(state, signal.reason, signal.message, updates)
            return
        self._settle(choice, state, signal.reason, updates)
        self._finish(choice.state, choice.reason, None, updates)

    def _settle(
        self,
        choice: ChoiceResult,
        state: ResponseState,
        reason: Optional[str],
        updates: list[Update],
    ) -> None:
        """End a choice; a bare number at the root, completed by this close, is reported as
        every completed value is: the view it completes, and ``FieldCompleted``."""
        if choice.settle(state, reason):
            updates.append(PartialUpdate(choice.partial, ((),), choice.index))
            self._completions(choice, [()], [], updates)

    def _finish(
        self,
        state: ResponseState,
        reason: Optional[str],
        message: Optional[str],
        updates: list[Update],
        error: Optional[BaseException] = None,
    ) -> None:
        for choice in self.choices:
            self._settle(
                choice, state, reason, updates
            )  # those still open end as the response does
        self.state = self.metrics.state = state
        self.reason, self.message = reason, message
        self.metrics.duration = self._clock() - self._started_at
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "response %s %s%s after %.3fs: %d deltas, %d characters",
                clean(self.response_id or "-"),
                state.value,
                f" ({reason})" if reason else "",
                self.metrics.duration,
                self.metrics.deltas,
                self.metrics.characters,
            )
        first = self._choice(0)
        if state is ResponseState.COMPLETED:
            updates.append(Completed(first.final_or_none(), reason))
        elif state is ResponseState.INCOMPLETE:
            updates.append(Incomplete(reason))
        elif state is ResponseState.REFUSED:
            updates.append(Refused(reason, first.refusal))
        elif state is ResponseState.FAILED:
            updates.append(Failed(reason, message, error or first.error))
        else:
            updates.append(Cancelled())

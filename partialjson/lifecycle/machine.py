"""The response lifecycle: one sans-I/O state machine per streamed response.

Theory of operation
===================

:class:`Lifecycle` takes provider events (plain dicts) one at a time with :meth:`~Lifecycle.handle`
and returns the :mod:`updates <partialjson.lifecycle.updates>` each causes;
:meth:`~Lifecycle.end` says the source ran dry and :meth:`~Lifecycle.cancel` that the caller gave
up. It reads nothing and waits for nothing: :mod:`partialjson.streaming.response` iterates the
sources, sync or async, and feeds it.

Per event: drop it if its ``sequence_number`` was already applied (a resumed stream replays
what the first one delivered) and report a gap if numbers were skipped; translate it with the
provider's :mod:`adapter <partialjson.providers.adapters>`; apply the signals to the *choice* they
concern (Chat Completions may stream several). Each choice has channels:

* the answer's text, parsed as it arrives — by a :class:`~partialjson.TypedParser` when a type
  was given, else a :class:`~partialjson.Parser` — so a partial value exists after every delta;
* a refusal's text;
* one parser per tool call, its arguments shown as they stream and released as a
  :class:`~partialjson.ToolCall` only by the call's own done event, once, and never when the
  response is cut off before it.

The state moves ``pending → streaming →`` one terminal state, once. Only ``completed`` computes
a final value, by the typed layer's done signal: truncation (``response.incomplete``,
``finish_reason: length``, ``stop_reason: max_tokens``) is *incomplete*, never a JSON error,
and a source that ends with no terminal event is *failed (interrupted)*.

Logging (logger ``partialjson``) records event types, timings, ids, states and error codes —
never text, arguments or error messages, which may quote the prompt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

from pydantic import ValidationError

from ..core.errors import ParseError
from ..core.events import Event, Path
from ..core.parser import Parser
from ..providers.adapters import (
    Adapter,
    Begin,
    ChoiceFinish,
    RefusalDelta,
    Signal,
    StreamDone,
    Terminal,
    TextDelta,
    TextDone,
    ToolDelta,
    ToolDone,
    ToolStart,
    Unknown,
    adapter_for,
    detect,
)
from ..typed.parser import FinalValueError, TypedParser
from .updates import (
    Cancelled,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    PartialUpdate,
    Refused,
    ResponseState,
    SequenceGap,
    Started,
    ToolCall,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from .updates import RefusalDelta as RefusalUpdate

__all__ = ["ChoiceResult", "Lifecycle", "Metrics"]

logger = logging.getLogger("partialjson")

_MISSING: Any = object()
_COMPLETIONS = frozenset({"string", "number", "boolean", "null", "end_map", "end_array"})
_CALLS_DONE = frozenset({"tool_calls", "function_call", "stop"})
_CUT_OFF = {"length": ResponseState.INCOMPLETE, "content_filter": ResponseState.INCOMPLETE}


@dataclass
class Metrics:
    """Timings and counts of one response (seconds from the stream's creation)."""

    time_to_first_delta: Optional[float] = None
    time_to_first_complete_field: Optional[float] = None
    deltas: int = 0
    characters: int = 0
    duration: Optional[float] = None
    state: ResponseState = ResponseState.PENDING
    events: int = 0
    unknown_events: int = 0
    duplicate_events: int = 0
    gaps: int = 0


class _ToolCallStream:
    def __init__(self, key: Hashable, call_id: str, name: str, model: Any) -> None:
        self.key = key
        self.call_id = call_id
        self.name = name
        self.parser: Union[Parser, TypedParser[Any]] = (
            TypedParser(model) if model is not None else Parser()
        )
        self.pieces: list[str] = []
        self.error: Optional[Exception] = None
        self.released = False

    @property
    def partial(self) -> Any:
        return self.parser.partial if isinstance(self.parser, TypedParser) else self.parser.value


class ChoiceResult:
    """One choice of a response (Chat Completions can stream several; the others have one)."""

    def __init__(self, index: int, type_: Any, options: dict[str, Any]) -> None:
        self.index = index
        self._type = type_
        self._options = options
        self._channel: Union[Parser, TypedParser[Any], None] = None
        self._text: list[str] = []
        self._refusal: list[str] = []
        self._calls: dict[Hashable, _ToolCallStream] = {}
        self.tool_calls: list[ToolCall] = []
        self.finish_reason: Optional[str] = None
        self.state = ResponseState.PENDING
        self.reason: Optional[str] = None
        #: Why the output could not be parsed or validated, if it could not.
        self.error: Optional[Exception] = None
        self._final: Any = _MISSING

    @property
    def text(self) -> str:
        """The answer's text so far, exactly as received."""
        return "".join(self._text)

    @property
    def refusal(self) -> str:
        """The refusal's text so far."""
        return "".join(self._refusal)

    @property
    def partial(self) -> Any:
        """The partial value of the answer, for display only (``None`` before any text)."""
        channel = self._channel
        if channel is None:
            return None
        return channel.partial if isinstance(channel, TypedParser) else channel.value

    @property
    def final(self) -> Any:
        """The validated value; raises :class:`~partialjson.FinalValueError` unless completed."""
        if self._final is not _MISSING:
            return self._final
        if self.state is not ResponseState.COMPLETED:
            raise FinalValueError(
                f"no final value: the response is {self.state.value}"
                + (f" ({self.reason})" if self.reason else "")
                + "; only a completed response has one"
            )
        if self.error is not None:
            raise FinalValueError(
                f"the completed response's output is not valid: {self.error}"
            ) from self.error
        raise FinalValueError("the response has no output text to parse (did it only call tools?)")

    # -- applying signals ------------------------------------------------------------

    def text_delta(self, text: str) -> list[Event]:
        self._text.append(text)
        if self.error is not None:
            return []
        if self._channel is None:
            self._channel = (
                TypedParser(self._type, **self._options)
                if self._type is not None
                else Parser(**self._options)
            )
        try:
            return self._channel.feed(text)
        except ParseError as error:  # kept: the state is the provider's to say
            self.error = error
            logger.debug(
                "choice %d: output text is not valid JSON at char %d", self.index, error.pos
            )
            return error.events

    def completed_paths(self, events: list[Event]) -> list[Path]:
        if isinstance(self._channel, TypedParser):
            return list(self._channel.completed)
        return [e.path for e in events if e.kind in _COMPLETIONS]

    def finish_output(self) -> None:
        """The done signal for the answer: compute the final value, or record why not."""
        channel = self._channel
        if channel is None or self.error is not None:
            return
        try:
            self._final = channel.finish() if isinstance(channel, TypedParser) else channel.close()
        except (ParseError, ValidationError) as error:
            self.error = error

    def settle(self, state: ResponseState, reason: Optional[str]) -> None:
        if self.state.terminal:
            return
        if state is ResponseState.COMPLETED and self._refusal:
            state = ResponseState.REFUSED
        self.state, self.reason = state, reason
        if state is ResponseState.COMPLETED:
            self.finish_output()
            if self.error is not None and self._type is not None:
                # A type was asked for and the text is not one: never dress it up as a value.
                self.state, self.reason = ResponseState.FAILED, "invalid_output"


class Lifecycle:
    """The sans-I/O state machine of one streamed response.

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
        self._options = parser_options
        self._started_at = clock()
        self._choices: dict[int, ChoiceResult] = {}
        self._released_ids: set[str] = set()
        self.state = ResponseState.PENDING
        self.reason: Optional[str] = None
        #: The provider's error message, for a failed response (not logged).
        self.message: Optional[str] = None
        self.response_id: Optional[str] = None
        self.metrics = Metrics()
        self.last_sequence_number: Optional[int] = None
        self._began = False

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

    # -- events in, updates out ---------------------------------------------------------

    def handle(self, data: Mapping[str, Any]) -> list[Update]:
        """Apply one provider event (a dict); return the updates it causes."""
        if self.state.terminal:
            return []
        self.metrics.events += 1
        updates: list[Update] = []
        kind = data.get("type", "chunk")
        sequence = data.get("sequence_number")
        logger.debug("event %s seq=%s", kind, sequence)
        if isinstance(sequence, int) and not isinstance(sequence, bool):
            last = self.last_sequence_number
            if last is not None and sequence <= last:
                self.metrics.duplicate_events += 1
                return updates
            if last is not None and sequence > last + 1:
                self.metrics.gaps += 1
                logger.warning("sequence gap: expected %d, received %d", last + 1, sequence)
                updates.append(SequenceGap(last + 1, sequence))
            self.last_sequence_number = sequence
        if self._adapter is None:
            self._adapter = detect(data)
            if self._adapter is None:
                self.metrics.unknown_events += 1
                return updates
        signals = self._adapter.translate(data)
        if not self._began:
            begin = next((s for s in signals if isinstance(s, Begin)), Begin(None, None))
            self._begin(begin.response_id, begin.model, updates)
        for signal in signals:
            self._apply(signal, updates)
            if self.state.terminal:
                break
        return updates

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
            self.response_id or "-",
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
            choice = self._choices[index] = ChoiceResult(index, self.type, self._options)
        return choice

    def _begin(
        self, response_id: Optional[str], model: Optional[str], updates: list[Update]
    ) -> None:
        self._began = True
        self.response_id = response_id
        self.state = self.metrics.state = ResponseState.STREAMING
        logger.info("response %s started (provider %s)", response_id or "-", self.provider)
        updates.append(Started(response_id, model))

    def _apply(self, signal: Signal, updates: list[Update]) -> None:
        if isinstance(signal, TextDelta):
            self._text(signal.choice, signal.text, updates)
        elif isinstance(signal, ToolDelta):
            self._tool_delta(signal, updates)
        elif isinstance(signal, Begin):
            if self.response_id is None and signal.response_id:
                self.response_id = signal.response_id
                logger.info("response id %s", signal.response_id)
        elif isinstance(signal, TextDone):
            choice = self._choice(signal.choice)
            if not choice.text and signal.text:  # the text came whole, with no deltas
                self._text(signal.choice, signal.text, updates)
        elif isinstance(signal, RefusalDelta):
            self._count_delta(signal.text)
            self._choice(signal.choice)._refusal.append(signal.text)
            updates.append(RefusalUpdate(signal.text, signal.choice))
        elif isinstance(signal, ToolStart):
            calls = self._choice(signal.choice)._calls
            if signal.key not in calls:
                calls[signal.key] = _ToolCallStream(
                    signal.key, signal.call_id, signal.name, self._tools.get(signal.name)
                )
        elif isinstance(signal, ToolDone):
            self._release(signal.choice, signal.key, signal.arguments, updates)
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
        choice = self._choice(index)
        events = choice.text_delta(text)
        if not events:
            return
        changed = tuple(dict.fromkeys(e.path for e in events if e.kind != "map_key"))
        updates.append(PartialUpdate(choice.partial, changed, index))
        completed = choice.completed_paths(events)
        if completed and self.metrics.time_to_first_complete_field is None:
            self.metrics.time_to_first_complete_field = self._clock() - self._started_at
        updates.extend(FieldCompleted(path, index) for path in completed)

    def _tool_delta(self, signal: ToolDelta, updates: list[Update]) -> None:
        self._count_delta(signal.text)
        calls = self._choice(signal.choice)._calls
        call = calls.get(signal.key)
        if call is None:  # arguments before the call's start: keep them under its key
            call = calls[signal.key] = _ToolCallStream(signal.key, "", "", None)
        call.pieces.append(signal.text)
        if call.error is not None or call.released:
            return
        try:
            call.parser.feed(signal.text)
        except ParseError as error:
            call.error = error
        updates.append(ToolCallProgress(call.call_id, call.name, call.partial, signal.choice))

    def _release(
        self, index: int, key: Hashable, arguments: Optional[str], updates: list[Update]
    ) -> None:
        """A call's done event: release it once, with complete (and valid) arguments."""
        call = self._choice(index)._calls.get(key)
        if call is None:
            return
        if call.released or (call.call_id and call.call_id in self._released_ids):
            call.released = True
            return
        call.released = True
        self._released_ids.add(call.call_id)
        if not call.pieces and arguments:
            call.pieces.append(arguments)
            try:
                call.parser.feed(arguments)
            except ParseError as error:
                call.error = error
        try:
            if call.error is not None:
                raise call.error
            value = (
                call.parser.finish()
                if isinstance(call.parser, TypedParser)
                else call.parser.close()
            )
        except (ParseError, ValidationError) as error:
            logger.warning(
                "tool call %s (%s) rejected: %s", call.call_id, call.name, type(error).__name__
            )
            updates.append(ToolCallRejected(call.call_id, call.name, error, index))
            return
        ready = ToolCall(call.call_id, call.name, value, "".join(call.pieces), index)
        self._choice(index).tool_calls.append(ready)
        logger.info("tool call %s (%s) ready", call.call_id, call.name)
        updates.append(ToolCallReady(ready))

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
                choice.settle(ResponseState.FAILED, "interrupted")
            else:
                choice.settle(_CUT_OFF.get(reason, ResponseState.COMPLETED), reason)
        first = self._choice(0)
        self._finish(first.state, first.reason, None, updates)

    def _terminal(self, signal: Terminal, updates: list[Update]) -> None:
        state = ResponseState(signal.state)
        choice = self._choice(0)
        if state is ResponseState.FAILED:
            self._finish(state, signal.reason, signal.message, updates)
            return
        choice.settle(state, signal.reason)
        self._finish(choice.state, choice.reason, None, updates)

    def _finish(
        self,
        state: ResponseState,
        reason: Optional[str],
        message: Optional[str],
        updates: list[Update],
        error: Optional[BaseException] = None,
    ) -> None:
        for choice in self.choices:
            choice.settle(state, reason)  # those still open end as the response does
        self.state = self.metrics.state = state
        self.reason, self.message = reason, message
        self.metrics.duration = self._clock() - self._started_at
        logger.info(
            "response %s %s%s after %.3fs: %d deltas, %d characters",
            self.response_id or "-",
            state.value,
            f" ({reason})" if reason else "",
            self.metrics.duration,
            self.metrics.deltas,
            self.metrics.characters,
        )
        first = self._choice(0)
        if state is ResponseState.COMPLETED:
            updates.append(
                Completed(first._final if first._final is not _MISSING else None, reason)
            )
        elif state is ResponseState.INCOMPLETE:
            updates.append(Incomplete(reason))
        elif state is ResponseState.REFUSED:
            updates.append(Refused(reason, first.refusal))
        elif state is ResponseState.FAILED:
            updates.append(Failed(reason, message, error or first.error))
        else:
            updates.append(Cancelled())

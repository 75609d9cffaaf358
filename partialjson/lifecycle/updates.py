"""What a response stream yields: small frozen update objects, and the states it moves through.

A loop over :func:`partialjson.stream` sees, in order: one :class:`Started`; then, as deltas
arrive, :class:`PartialUpdate` (the partial value and the paths that changed),
:class:`FieldCompleted`, :class:`ItemCompleted`, :class:`RefusalDelta`, :class:`ToolCallProgress`,
:class:`ToolCallReady` (or :class:`ToolCallRejected`), :class:`ToolCallIdIssue`,
:class:`ServerToolCallUpdate` (tools the provider runs itself), :class:`ReasoningDelta`,
:class:`CitationAdded` and :class:`SequenceGap`; and last,
exactly one terminal update: :class:`Completed`, :class:`Incomplete`, :class:`Refused`,
:class:`Failed` or :class:`Cancelled`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Optional

from ..core.events import Path
from ..providers._frozen import fast_init

__all__ = [
    "Cancelled",
    "CitationAdded",
    "Completed",
    "Failed",
    "FieldCompleted",
    "Incomplete",
    "ItemCompleted",
    "PartialUpdate",
    "ReasoningDelta",
    "RefusalDelta",
    "Refused",
    "ResponseState",
    "SequenceGap",
    "ServerToolCallUpdate",
    "Started",
    "ToolCall",
    "ToolCallIdIssue",
    "ToolCallProgress",
    "ToolCallReady",
    "ToolCallRejected",
    "Update",
]


class ResponseState(str, enum.Enum):
    """Where a response stands: ``pending → streaming → completed | incomplete | refused |
    failed | cancelled``. A ``str`` enum: it compares equal to its value.

    >>> from partialjson import ResponseState
    >>> ResponseState("completed") == "completed", ResponseState.COMPLETED.terminal
    (True, True)
    >>> ResponseState.STREAMING.terminal
    False
    """

    PENDING = "pending"
    STREAMING = "streaming"
    COMPLETED = "completed"  #: finished normally: the only state with a final value
    INCOMPLETE = "incomplete"  #: cut short: max tokens, length, content filter
    REFUSED = "refused"  #: the model declined
    FAILED = "failed"  #: an error, or the source ended without a terminal event
    CANCELLED = "cancelled"  #: cancel() was called

    @property
    def terminal(self) -> bool:
        """Whether the response has ended (every state but ``pending`` and ``streaming``)."""
        return self not in _OPEN  # asked several times per delta: a set lookup, not == twice


_OPEN = frozenset({ResponseState.PENDING, ResponseState.STREAMING})


@dataclass(frozen=True)
class ToolCall:
    """A tool call whose arguments are complete (and valid for the tool's model, if any).

    Also the entries of ``server_tool_calls``: tools the provider runs itself, shown with their
    arguments taking shape, their ``status`` and ``result``, and never released to run.

    >>> from partialjson import ToolCall
    >>> call = ToolCall("call_1", "get_weather", {"city": "Paris"}, '{"city": "Paris"}')
    >>> call.kind, call.arguments["city"]
    ('function', 'Paris')
    """

    call_id: str
    name: str
    #: The validated model when the tool's type was registered, else the parsed JSON (``{}``
    #: for a call without arguments); the text itself for a free-text (``custom``) tool.
    arguments: Any
    #: The arguments exactly as the model wrote them (``"{}"`` when it wrote none).
    arguments_json: str
    choice: int = 0
    #: ``function`` (the application's JSON tools), ``custom`` (free-text input), or a
    #: server-run tool's type: ``web_search_call``, ``mcp_call``, ``server_tool_use``...
    kind: str = "function"
    #: A server-run tool's status as the provider last reported it (``None`` for the app's).
    status: Optional[str] = None
    #: What a server-run tool produced, where the stream carries it.
    result: Any = field(default=None, compare=False)


class Update:
    """Base class of everything a response stream yields.

    >>> import partialjson
    >>> from partialjson import Update
    >>> events = [{"choices": [{"index": 0, "delta": {"content": "[1]"}, "finish_reason": "stop"}]}]
    >>> all(isinstance(update, Update) for update in partialjson.stream(events))
    True
    """

    __slots__ = ()


@fast_init  # made once per response: part of every stream's fixed cost
@dataclass(frozen=True)
class Started(Update):
    """The response began: the first update, with the provider's response id and model, where
    the stream says them (``None`` where it does not, as in Chat chunks without an ``id``).

    >>> import partialjson
    >>> events = [{"type": "message_start", "message": {"id": "msg_1", "model": "claude-x"}}]
    >>> next(iter(partialjson.stream(events)))
    Started(response_id='msg_1', model='claude-x')
    """

    response_id: Optional[str]
    model: Optional[str]


@fast_init  # made on every delta
@dataclass(frozen=True)
class PartialUpdate(Update):
    """The answer's partial value changed; ``changed`` lists the paths that did (never empty).

    ``value`` is the *live* partial value, the same object in every update, updated in place
    as text arrives — copying it on every delta would cost the whole document per delta. To
    keep the value as it was at one update, copy it: ``copy.deepcopy(update.value)``.

    >>> import partialjson
    >>> from partialjson import PartialUpdate
    >>> def chunk(text):
    ...     return {"choices": [{"index": 0, "delta": {"content": text}}]}
    >>> chunks = [chunk('{"a": [1'), chunk(", 2]}")]
    >>> updates = [u for u in partialjson.stream(chunks) if isinstance(u, PartialUpdate)]
    >>> updates[0].value is updates[1].value, updates[0].value
    (True, {'a': [1, 2]})
    """

    value: Any
    changed: tuple[Path, ...]
    choice: int = 0


@fast_init  # made on every delta
@dataclass(frozen=True)
class FieldCompleted(Update):
    """A value of the answer is final: a UI can lock it. ``path`` is its place in the answer
    (``()`` for the whole answer, which completes last).

    >>> import partialjson
    >>> from partialjson import FieldCompleted
    >>> events = [{"choices": [{"index": 0, "delta": {"content": '{"a": 1, "b": [true]}'}}]}]
    >>> [u.path for u in partialjson.stream(events) if isinstance(u, FieldCompleted)]
    [('a',), ('b', 0), ('b',), ()]
    """

    path: Path
    choice: int = 0


@dataclass(frozen=True)
class ItemCompleted(Update):
    """An element of the ``items=`` array closed: ``item`` is validated for its element type
    (the raw JSON value without a type), ``index`` its position. A list UI appends a row.

    >>> import partialjson
    >>> from partialjson import ItemCompleted
    >>> chunks = [{"choices": [{"index": 0, "delta": {"content": '{"rows": [1, 2]}'}}]}]
    >>> [(u.index, u.item) for u in partialjson.stream(chunks, items="rows")
    ...  if isinstance(u, ItemCompleted)]
    [(0, 1), (1, 2)]
    """

    item: Any
    index: int
    path: Path
    choice: int = 0


@dataclass(frozen=True)
class RefusalDelta(Update):
    """Refusal text arrived (the model declines; the response will end :class:`Refused`).

    >>> import partialjson
    >>> from partialjson import RefusalDelta
    >>> def refusal(text, finish=None):
    ...     return {"choices": [{"index": 0, "delta": {"refusal": text}, "finish_reason": finish}]}
    >>> updates = list(partialjson.stream([refusal("I can"), refusal("not.", "stop")]))
    >>> [u.delta for u in updates if isinstance(u, RefusalDelta)], updates[-1]
    (['I can', 'not.'], Refused(reason='stop', refusal='I cannot.'))
    """

    delta: str
    choice: int = 0


@dataclass(frozen=True)
class ToolCallProgress(Update):
    """A tool call's arguments grew; ``arguments`` is their partial value, for display only
    (never run a call from it: wait for :class:`ToolCallReady`). ``delta`` is the raw argument
    text this update added, exactly as the model wrote it: the deltas of a call joined are its
    arguments so far (what a protocol that streams raw arguments, such as AG-UI's
    ``TOOL_CALL_ARGS``, forwards).

    >>> import partialjson
    >>> from partialjson import ToolCallProgress
    >>> def fragment(text):
    ...     call = {"index": 0, "id": "call_1", "function": {"name": "get_weather",
    ...                                                      "arguments": text}}
    ...     return {"choices": [{"index": 0, "delta": {"tool_calls": [call]}}]}
    >>> events = [fragment('{"city": '), fragment('"Par')]
    >>> progress = [u for u in partialjson.stream(events) if isinstance(u, ToolCallProgress)]
    >>> [u.delta for u in progress], progress[-1].arguments
    (['{"city": ', '"Par'], {'city': 'Par'})
    """

    call_id: str
    name: str
    arguments: Any
    choice: int = 0
    #: The raw argument text this update added (``""`` where it was made without one).
    delta: str = ""


@dataclass(frozen=True)
class ToolCallReady(Update):
    """A tool call is complete and may be run: ``call.arguments`` are whole (and validated,
    when the tool's type was given with ``tools=``).

    >>> import partialjson
    >>> from partialjson import ToolCallReady
    >>> fragment = {"index": 0, "id": "call_1", "function": {"name": "get_weather",
    ...                                                      "arguments": '{"city": "Paris"}'}}
    >>> events = [
    ...     {"choices": [{"index": 0, "delta": {"tool_calls": [fragment]}}]},
    ...     {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ... ]
    >>> [(u.call.name, u.call.arguments) for u in partialjson.stream(events)
    ...  if isinstance(u, ToolCallReady)]
    [('get_weather', {'city': 'Paris'})]
    """

    call: ToolCall


@dataclass(frozen=True)
class ToolCallRejected(Update):
    """A tool call ended with arguments that are not valid JSON or not valid for its model:
    it is never released. ``error`` is the :class:`~partialjson.ParseError` or pydantic
    ``ValidationError``; the response itself goes on.

    >>> import partialjson
    >>> from partialjson import ToolCallRejected
    >>> fragment = {"index": 0, "id": "call_1", "function": {"name": "get_weather",
    ...                                                      "arguments": '{"city": "Par'}}
    >>> events = [
    ...     {"choices": [{"index": 0, "delta": {"tool_calls": [fragment]}}]},
    ...     {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ... ]
    >>> response = partialjson.stream(events)
    >>> [(u.name, type(u.error).__name__) for u in response if isinstance(u, ToolCallRejected)]
    [('get_weather', 'IncompleteJSONError')]
    >>> response.tool_calls
    []
    """

    call_id: str
    name: str
    error: Exception
    choice: int = 0


@dataclass(frozen=True)
class ToolCallIdIssue(Update):
    """A tool call's id is not usable as given: ``problem`` is ``duplicate_id`` (another call of
    this response has the same id) or ``missing_id`` (the provider sent none). The call is still
    released (never dropped or merged): answering it is the application's decision.

    >>> import partialjson
    >>> from partialjson import ToolCallIdIssue
    >>> def call(index, id_):
    ...     fragment = {"index": index, "id": id_, "function": {"name": "f", "arguments": "{}"}}
    ...     return {"choices": [{"index": 0, "delta": {"tool_calls": [fragment]}}]}
    >>> done = {"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}
    >>> stream = partialjson.stream([call(0, "call_1"), call(1, "call_1"), done])
    >>> [(u.call_id, u.problem) for u in stream if isinstance(u, ToolCallIdIssue)]
    [('call_1', 'duplicate_id')]
    """

    call_id: str
    name: str
    problem: str
    choice: int = 0


@dataclass(frozen=True)
class ServerToolCallUpdate(Update):
    """A tool the provider runs itself (web search, MCP, code interpreter...) started, its
    arguments grew, or its status changed. ``call`` is a snapshot, for display; it is never
    a call for the application to run.

    >>> import partialjson
    >>> from partialjson import ServerToolCallUpdate
    >>> item = {"id": "ws_1", "type": "web_search_call", "status": "in_progress"}
    >>> events = [
    ...     {"type": "response.output_item.added", "item": item},
    ...     {"type": "response.web_search_call.completed", "item_id": "ws_1"},
    ...     {"type": "response.completed"},
    ... ]
    >>> stream = partialjson.stream(events)
    >>> [u.call.status for u in stream if isinstance(u, ServerToolCallUpdate)]
    ['in_progress', 'completed']
    >>> stream.tool_calls, stream.server_tool_calls[0].kind
    ([], 'web_search_call')
    """

    call: ToolCall


@dataclass(frozen=True)
class ReasoningDelta(Update):
    """Reasoning text, never part of the answer: ``kind`` is ``thinking`` (Anthropic thinking,
    Responses reasoning text, Gemini thoughts, Chat ``reasoning_content``), ``summary``
    (Responses reasoning summaries) or ``redacted`` (an encrypted block; ``delta`` is empty).

    >>> import partialjson
    >>> from partialjson import ReasoningDelta
    >>> events = [
    ...     {"candidates": [{"content": {"parts": [{"text": "Hmm.", "thought": True}]}}]},
    ...     {"candidates": [{"content": {"parts": [{"text": "[1]"}]}, "finishReason": "STOP"}]},
    ... ]
    >>> stream = partialjson.stream(events)
    >>> [u.delta for u in stream if isinstance(u, ReasoningDelta)], stream.final
    (['Hmm.'], [1])
    """

    delta: str
    kind: str = "thinking"
    choice: int = 0


@dataclass(frozen=True)
class CitationAdded(Update):
    """A citation or annotation for the answer's text, as the provider gave it.

    >>> from partialjson import CitationAdded
    >>> CitationAdded({"type": "url_citation", "url": "https://example.com"}).citation["url"]
    'https://example.com'
    """

    citation: Any
    choice: int = 0


@dataclass(frozen=True)
class SequenceGap(Update):
    """Events are missing: ``expected`` was the next sequence number, ``received`` came
    (Responses events carry ``sequence_number``; the others cannot tell).

    >>> import partialjson
    >>> from partialjson import SequenceGap
    >>> events = [
    ...     {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_1"}},
    ...     {"type": "response.output_text.delta", "sequence_number": 3, "delta": "[1]"},
    ...     {"type": "response.completed", "sequence_number": 4},
    ... ]
    >>> [u for u in partialjson.stream(events) if isinstance(u, SequenceGap)]
    [SequenceGap(expected=1, received=3)]
    """

    expected: int
    received: int


@fast_init  # made once per response: part of every stream's fixed cost
@dataclass(frozen=True)
class Completed(Update):
    """The response finished; ``value`` is the final value (of choice 0): validated for the
    stream's type, or the parsed JSON without one. A response that only called tools has no
    answer text: ``value`` is ``None`` (read ``tool_calls``). ``reason`` is the provider's
    finish or stop reason, where it gives one.

    >>> import partialjson
    >>> events = [{"choices": [{"index": 0, "delta": {"content": "[1, 2]"},
    ...                         "finish_reason": "stop"}]}]
    >>> list(partialjson.stream(events))[-1]
    Completed(value=[1, 2], reason='stop')
    """

    value: Any
    reason: Optional[str] = None


@fast_init  # made once per response: part of every stream's fixed cost
@dataclass(frozen=True)
class Incomplete(Update):
    """The response was cut short (``max_output_tokens``, ``length``, ``content_filter``,
    ``max_tokens``...): no final value, never a JSON error.

    >>> import partialjson
    >>> events = [
    ...     {"type": "response.output_text.delta", "delta": '{"a": 1'},
    ...     {"type": "response.incomplete",
    ...      "response": {"incomplete_details": {"reason": "max_output_tokens"}}},
    ... ]
    >>> list(partialjson.stream(events))[-1]
    Incomplete(reason='max_output_tokens')
    """

    reason: Optional[str]


@fast_init  # made once per response: part of every stream's fixed cost
@dataclass(frozen=True)
class Refused(Update):
    """The model declined; ``refusal`` is its whole refusal text (see :class:`RefusalDelta`).

    >>> import partialjson
    >>> events = [{"type": "message_start", "message": {}},
    ...           {"type": "message_delta", "delta": {"stop_reason": "refusal"}},
    ...           {"type": "message_stop"}]
    >>> list(partialjson.stream(events))[-1]
    Refused(reason='refusal', refusal='')
    """

    reason: Optional[str]
    refusal: str = ""


@fast_init  # made once per response: part of every stream's fixed cost
@dataclass(frozen=True)
class Failed(Update):
    """The response failed. ``reason``: the provider's error code, ``interrupted`` (the source
    ended or raised before a terminal event), ``protocol_error`` (an event that does not fit its
    provider's schema: ``error`` is a :class:`~partialjson.ProtocolError`), ``timeout`` (no data
    for ``idle_timeout`` seconds) or ``invalid_output`` (the typed answer does not validate).
    ``message`` is the provider's error message (never relayed to browsers or logged).

    >>> import partialjson
    >>> events = [{"type": "error", "code": "insufficient_quota", "message": "Quota exceeded."}]
    >>> list(partialjson.stream(events))[-1]
    Failed(reason='insufficient_quota', message='Quota exceeded.', error=None)
    >>> list(partialjson.stream([{"type": "response.output_text.delta", "delta": 5}]))[-1]
    Failed(reason='protocol_error', message='event 1: delta is int, expected a string', \
error=ProtocolError('delta is int, expected a string'))
    """

    reason: Optional[str]
    message: Optional[str] = None
    error: Optional[BaseException] = field(default=None, compare=False)


@fast_init  # made once per response: part of every stream's fixed cost
@dataclass(frozen=True)
class Cancelled(Update):
    """The response was cancelled (``cancel()``, or the loop left early): no final value, and
    the upstream source was closed.

    >>> import partialjson
    >>> events = [{"choices": [{"index": 0, "delta": {"content": "[1, "}}]},
    ...           {"choices": [{"index": 0, "delta": {"content": "2]"}}]}]
    >>> response = partialjson.stream(events)
    >>> for update in response:
    ...     if type(update).__name__ == "PartialUpdate":
    ...         response.cancel()
    >>> update, response.state.value
    (Cancelled(), 'cancelled')
    """

"""What every provider adapter produces: neutral signals, and the checks that keep events honest.

Theory of operation
===================

OpenAI's Responses API, Chat Completions, Anthropic Messages and Google Gemini stream the same
few things in different words: the answer's text, a refusal, reasoning, citations, tool calls
(the application's, or ones the provider runs itself), a reason to stop, errors. Each provider
module (:mod:`~partialjson.providers.openai_responses`, :mod:`~partialjson.providers.openai_chat`,
:mod:`~partialjson.providers.anthropic`, :mod:`~partialjson.providers.gemini`) has one
:class:`Adapter` that reads that provider's events — plain dicts, as decoded from SSE ``data``
or dumped from an SDK's event objects — and returns the :data:`Signal` s defined here, which the
:mod:`lifecycle <partialjson.lifecycle.machine>` applies.

Provider events are untrusted input. Adapters read every field through the accessors below
(:func:`opt_str`, :func:`opt_int`, :func:`opt_map`, :func:`opt_list` and their ``req_``
twins): a field of the wrong type, or a required one missing, raises :class:`ProtocolError`
naming the field — never an ``AttributeError`` from deep inside. A ``null`` or missing *text*
delta is simply nothing. Strings that leave as codes or reach logs go through :func:`clean`.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Optional, Union

from .textdelta import TextDelta

__all__ = [
    "Adapter",
    "Begin",
    "ChoiceFinish",
    "Citation",
    "ProtocolError",
    "ReasoningDelta",
    "RefusalDelta",
    "Signal",
    "StreamDone",
    "Terminal",
    "TextDelta",
    "TextDone",
    "ToolDelta",
    "ToolDone",
    "ToolStart",
    "ToolStatus",
    "Unknown",
    "clean",
    "error_terminal",
]


class ProtocolError(ValueError):
    """An event does not fit its provider's schema (a field of the wrong type, one missing).

    ``field`` names the offending field (``"choices[0].delta.content"``), where known. The
    response ends :class:`~partialjson.Failed` with reason ``protocol_error`` and this as its
    ``error``.

    >>> import partialjson
    >>> failed = list(partialjson.stream([{"type": "response.output_text.delta", "delta": 5}]))[-1]
    >>> failed.reason, failed.error, failed.error.field
    ('protocol_error', ProtocolError('delta is int, expected a string'), 'delta')
    """

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field


# -- signals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Begin:
    response_id: Optional[str]
    model: Optional[str]


@dataclass(frozen=True)
class TextDone:
    """The answer's text part is complete; ``text`` is all of it where the provider says so."""

    choice: int
    text: Optional[str]


@dataclass(frozen=True)
class RefusalDelta:
    choice: int
    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """Reasoning, kept apart from the answer: ``kind`` is ``thinking`` (Anthropic thinking,
    Responses reasoning text, Gemini thoughts), ``summary`` (Responses reasoning summaries),
    ``redacted`` (an encrypted block: no text) or ``signature`` (kept, not shown)."""

    choice: int
    kind: str
    text: str


@dataclass(frozen=True)
class Citation:
    """A citation or annotation attached to the answer's text (display data)."""

    choice: int
    data: Mapping[str, Any]


@dataclass(frozen=True)
class ToolStart:
    """A tool call begins. ``server``: the provider runs it itself (web search, MCP, code
    interpreter...), so it is shown and never released to the application. ``raw``: its input is
    free text, not JSON (Responses custom tools, code interpreter code)."""

    choice: int
    key: Hashable  # the provider's handle on the call: item id, tool index, block index
    call_id: str
    name: str
    kind: str = "function"
    server: bool = False
    raw: bool = False
    #: Arguments that came whole with the start (Anthropic ``input``), used if no delta follows.
    arguments: Optional[str] = None
    #: A server-run tool's first status, where the start gives one.
    status: Optional[str] = None


@dataclass(frozen=True)
class ToolDelta:
    choice: int
    key: Hashable
    text: str


@dataclass(frozen=True)
class ToolDone:
    """The call's arguments are complete (``arguments``: all of them, where the provider says)."""

    choice: int
    key: Hashable
    arguments: Optional[str]
    #: The call's id and name, where the done event repeats them (fills in a lost start).
    call_id: Optional[str] = None
    name: Optional[str] = None


@dataclass(frozen=True)
class ToolStatus:
    """A server-run tool's status changed (``searching``, ``completed``, ``failed``...);
    ``result`` is what it produced, where the event carries it."""

    choice: int
    key: Hashable
    status: str
    result: Any = field(default=None, compare=False)


@dataclass(frozen=True)
class ChoiceFinish:
    """A choice's finish reason (Chat Completions, Gemini): final once the stream ends."""

    choice: int
    reason: str


@dataclass(frozen=True)
class StreamDone:
    """Chat Completions' ``[DONE]``: the stream ends normally."""


@dataclass(frozen=True)
class Terminal:
    """The response ended: ``completed``, ``incomplete``, ``refused`` or ``failed``."""

    state: str
    reason: Optional[str]
    message: Optional[str] = None


@dataclass(frozen=True)
class Unknown:
    """An event (or an item, block or part) the adapter does not know: ignored, and counted."""

    type: str


Signal = Union[
    Begin,
    TextDelta,
    TextDone,
    RefusalDelta,
    ReasoningDelta,
    Citation,
    ToolStart,
    ToolDelta,
    ToolDone,
    ToolStatus,
    ChoiceFinish,
    StreamDone,
    Terminal,
    Unknown,
]


class Adapter:
    """Turns one provider's events into signals; one instance per response."""

    #: The provider's name, as ``provider=`` and ``PROVIDERS`` spell it.
    name: ClassVar[str] = ""

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        """The signals of one event; raises :class:`ProtocolError` for an event that does not
        fit the provider's schema."""
        raise NotImplementedError

    def text_only(self, event: dict[str, Any]) -> Optional[int]:
        """The choice whose answer text alone every event like ``event`` — the same but for
        its text delta — translates to, as things stand (``[TextDelta(choice, text)]``, or
        nothing for an empty text), and will while no other event is translated; ``None`` if
        not, or not known. The lifecycle then applies such events without translating them.
        """
        return None


# -- reading fields -----------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _wrong(where: str, value: Any, expected: str) -> ProtocolError:
    return ProtocolError(f"{where} is {_type_name(value)}, expected {expected}", where)


def opt_str(data: Mapping[str, Any], key: str, where: str = "") -> Optional[str]:
    """``data[key]`` if a string; ``None`` if missing or null; else :class:`ProtocolError`."""
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _wrong(where + key, value, "a string")


def req_str(data: Mapping[str, Any], key: str, where: str = "") -> str:
    value = opt_str(data, key, where)
    if value is None:
        raise ProtocolError(f"{where}{key} is missing", where + key)
    return value


def opt_int(data: Mapping[str, Any], key: str, where: str = "") -> Optional[int]:
    value = data.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _wrong(where + key, value, "an integer")


def opt_map(data: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    """``data[key]`` if an object; ``{}`` if missing or null; else :class:`ProtocolError`."""
    value = data.get(key)
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return value
    raise _wrong(where + key, value, "an object")


def req_map(data: Mapping[str, Any], key: str, where: str = "") -> Mapping[str, Any]:
    if data.get(key) is None:
        raise ProtocolError(f"{where}{key} is missing", where + key)
    return opt_map(data, key, where)


def opt_list(data: Mapping[str, Any], key: str, where: str = "") -> Sequence[Any]:
    """``data[key]`` if an array; ``()`` if missing or null; else :class:`ProtocolError`."""
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return value
    raise _wrong(where + key, value, "an array")


def maps(items: Sequence[Any], where: str) -> Sequence[Mapping[str, Any]]:
    """``items`` if every element is an object, else :class:`ProtocolError`."""
    for i, item in enumerate(items):
        if type(item) is not dict and not isinstance(item, Mapping):  # dict: the usual, fast
            raise _wrong(f"{where}[{i}]", item, "an object")
    return items


# -- strings that leave as codes or reach logs --------------------------------------------

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
MAX_CODE_LENGTH = 128


def clean(value: Any, limit: int = MAX_CODE_LENGTH) -> str:
    """A provider-supplied id, reason or code made safe for logs and relayed codes: control
    characters, line and bidi separators replaced by ``?``, cut to ``limit`` characters.

    >>> clean("rate_limit\\r\\nINFO forged line")
    'rate_limit??INFO forged line'
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _UNSAFE.sub("?", text)


def clean_optional(value: Any) -> Optional[str]:
    return None if value is None else clean(value)


def error_terminal(error: Any) -> Terminal:
    """A failure from either error shape: flat ``{code, message}`` or nested ``{error: {...}}``.

    An error is a failure whatever its shape; odd fields only cost their detail.
    """
    if isinstance(error, Mapping) and isinstance(error.get("error"), Mapping):
        error = error["error"]
    if not isinstance(error, Mapping):
        return Terminal("failed", "error", error if isinstance(error, str) else None)
    code = error.get("code") or error.get("type") or "error"
    if not isinstance(code, (str, int)) or isinstance(code, bool):
        code = "error"
    message = error.get("message")
    return Terminal("failed", clean(code), message if isinstance(message, str) else None)

"""Provider adapters: each provider's stream events, as plain dicts, into neutral signals.

Theory of operation
===================

OpenAI's Responses API, Chat Completions, Anthropic Messages and Google Gemini stream the same
few things in different words: text of the answer, a refusal, tool calls (start, argument
deltas, done), a reason to stop, errors. An adapter reads one provider's events — dicts, as
decoded from SSE ``data`` or dumped from the SDKs' event objects, so no SDK is needed — and
returns :data:`Signal` s the :mod:`lifecycle <partialjson.lifecycle.machine>` understands.
Adapters keep only what a provider spreads over several events (Anthropic's stop reason
arrives before its ``message_stop``). Facts about each format:
``shared/reference/provider-events.md``.

:func:`detect` picks the adapter from the first event.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Union

__all__ = ["PROVIDERS", "Adapter", "Signal", "adapter_for", "detect"]


@dataclass(frozen=True)
class Begin:
    response_id: Optional[str]
    model: Optional[str]


@dataclass(frozen=True)
class TextDelta:
    choice: int
    text: str


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
class ToolStart:
    choice: int
    key: Hashable  # the provider's handle on the call: item id, tool index, block index
    call_id: str
    name: str


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
    """An event type the adapter does not know (ignored, and counted)."""

    type: str


Signal = Union[
    Begin,
    TextDelta,
    TextDone,
    RefusalDelta,
    ToolStart,
    ToolDelta,
    ToolDone,
    ChoiceFinish,
    StreamDone,
    Terminal,
    Unknown,
]


class Adapter:
    """Turns one provider's events into signals; one instance per response."""

    name = ""

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        raise NotImplementedError


def _error_terminal(error: Any) -> Terminal:
    """A failure from either error shape: flat ``{code, message}`` or nested ``{error: {...}}``."""
    if isinstance(error, Mapping) and isinstance(error.get("error"), Mapping):
        error = error["error"]
    if not isinstance(error, Mapping):
        return Terminal("failed", "error", str(error))
    code = error.get("code") or error.get("type") or "error"
    return Terminal("failed", str(code), error.get("message"))


class OpenAIResponses(Adapter):
    """The Responses API (``POST /v1/responses`` with ``stream: true``)."""

    name = "openai-responses"
    _QUIET = frozenset(
        {
            "response.content_part.added",
            "response.content_part.done",
            "response.refusal.done",
            "response.output_item.done",
        }
    )

    def __init__(self) -> None:
        self._commentary: set[str] = set()  # message items with phase "commentary": not the answer

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        kind = str(data.get("type", ""))
        if kind in ("response.created", "response.in_progress", "response.queued"):
            response = data.get("response") or {}
            return [Begin(response.get("id"), response.get("model"))]
        if kind == "response.output_item.added":
            item = data.get("item") or {}
            if item.get("type") == "function_call":
                return [
                    ToolStart(0, item.get("id"), str(item.get("call_id")), str(item.get("name")))
                ]
            if item.get("type") == "message" and item.get("phase") == "commentary":
                self._commentary.add(str(item.get("id")))
            return []
        if kind == "response.output_text.delta":
            if data.get("item_id") in self._commentary:
                return []
            return [TextDelta(0, str(data.get("delta", "")))]
        if kind == "response.output_text.done":
            return (
                [] if data.get("item_id") in self._commentary else [TextDone(0, data.get("text"))]
            )
        if kind == "response.refusal.delta":
            return [RefusalDelta(0, str(data.get("delta", "")))]
        if kind == "response.function_call_arguments.delta":
            return [ToolDelta(0, data.get("item_id"), str(data.get("delta", "")))]
        if kind == "response.function_call_arguments.done":
            return [ToolDone(0, data.get("item_id"), data.get("arguments"))]
        if kind == "response.completed":
            return [Terminal("completed", None)]
        if kind == "response.incomplete":
            details = (data.get("response") or {}).get("incomplete_details") or {}
            return [Terminal("incomplete", details.get("reason"))]
        if kind == "response.failed":
            return [_error_terminal((data.get("response") or {}).get("error") or {})]
        if kind == "error":
            return [_error_terminal(data)]
        if kind in self._QUIET or not kind.startswith("response."):
            return [] if kind else [Unknown("")]
        return [Unknown(kind)]


class OpenAIChat(Adapter):
    """Chat Completions chunks (``stream: true``), any number of choices."""

    name = "openai-chat"

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        if data.get("done"):  # the [DONE] sentinel, as the stream layer passes it
            return [StreamDone()]
        if data.get("error"):
            return [_error_terminal(data["error"])]
        signals: list[Signal] = []
        if data.get("id"):
            signals.append(Begin(data.get("id"), data.get("model")))
        for choice in data.get("choices") or ():  # Azure's first chunk has none
            index = int(choice.get("index") or 0)
            delta = choice.get("delta") or {}
            if delta.get("content"):
                signals.append(TextDelta(index, delta["content"]))
            if delta.get("refusal"):
                signals.append(RefusalDelta(index, delta["refusal"]))
            for call in delta.get("tool_calls") or ():
                function = call.get("function") or {}
                key = call.get("index", 0)
                if call.get("id"):
                    signals.append(ToolStart(index, key, call["id"], str(function.get("name", ""))))
                if function.get("arguments"):
                    signals.append(ToolDelta(index, key, function["arguments"]))
            if choice.get("finish_reason"):
                signals.append(ChoiceFinish(index, choice["finish_reason"]))
        return signals


class Anthropic(Adapter):
    """Anthropic Messages (``stream: true``)."""

    name = "anthropic"
    _QUIET = frozenset({"ping"})
    _COMPLETED = frozenset({"end_turn", "stop_sequence", "tool_use", "pause_turn"})
    _INCOMPLETE = frozenset({"max_tokens", "model_context_window_exceeded"})

    def __init__(self) -> None:
        self._stop_reason: Optional[str] = None
        self._tool_blocks: set[Any] = set()

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        kind = str(data.get("type", ""))
        if kind == "message_start":
            message = data.get("message") or {}
            return [Begin(message.get("id"), message.get("model"))]
        if kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") in ("tool_use", "server_tool_use"):
                self._tool_blocks.add(data.get("index"))
                return [
                    ToolStart(0, data.get("index"), str(block.get("id")), str(block.get("name")))
                ]
            return []
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            if delta.get("type") == "text_delta":
                return [TextDelta(0, str(delta.get("text", "")))]
            if delta.get("type") == "input_json_delta":
                return [ToolDelta(0, data.get("index"), str(delta.get("partial_json", "")))]
            return []  # thinking, signature, citations: not the answer
        if kind == "content_block_stop":
            index = data.get("index")
            return [ToolDone(0, index, None)] if index in self._tool_blocks else []
        if kind == "message_delta":
            self._stop_reason = (data.get("delta") or {}).get("stop_reason") or self._stop_reason
            return []
        if kind == "message_stop":
            return [self._terminal()]
        if kind == "error":
            return [_error_terminal(data)]
        return [] if kind in self._QUIET else [Unknown(kind)]

    def _terminal(self) -> Terminal:
        reason = self._stop_reason
        if reason == "refusal":
            return Terminal("refused", reason)
        if reason in self._INCOMPLETE:
            return Terminal("incomplete", reason)
        return Terminal("completed", reason)


class Gemini(Adapter):
    """Google Gemini ``streamGenerateContent?alt=sse``: each event a whole response chunk."""

    name = "gemini"
    _FILTERED = frozenset(
        {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
    )
    _REASONS: ClassVar[dict[str, str]] = {"STOP": "stop", "MAX_TOKENS": "length"}

    def __init__(self) -> None:
        self._calls = 0

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        if data.get("error"):
            return [_error_terminal(data["error"])]
        signals: list[Signal] = []
        feedback = data.get("promptFeedback") or {}
        if feedback.get("blockReason"):
            return [Terminal("refused", str(feedback["blockReason"]).lower())]
        if data.get("responseId") and not self._calls:
            signals.append(Begin(data.get("responseId"), data.get("modelVersion")))
        for candidate in data.get("candidates") or ():
            index = int(candidate.get("index") or 0)
            for part in (candidate.get("content") or {}).get("parts") or ():
                if part.get("thought"):
                    continue
                if "text" in part:
                    signals.append(TextDelta(index, str(part["text"])))
                elif "functionCall" in part:
                    signals.extend(self._call(index, part["functionCall"]))
            reason = candidate.get("finishReason")
            if reason:
                mapped = (
                    "content_filter"
                    if reason in self._FILTERED
                    else self._REASONS.get(reason, reason.lower())
                )
                signals.append(ChoiceFinish(index, mapped))
        return signals

    def _call(self, index: int, call: Mapping[str, Any]) -> list[Signal]:
        # Gemini sends a function call whole: start, all its arguments, done.
        self._calls += 1
        key = ("gemini-call", self._calls)
        call_id = str(call.get("id") or f"call_{self._calls}")
        arguments = json.dumps(call.get("args") or {})
        return [
            ToolStart(index, key, call_id, str(call.get("name"))),
            ToolDone(index, key, arguments),
        ]


PROVIDERS: dict[str, type[Adapter]] = {
    OpenAIResponses.name: OpenAIResponses,
    OpenAIChat.name: OpenAIChat,
    Anthropic.name: Anthropic,
    Gemini.name: Gemini,
}
_ANTHROPIC_TYPES = frozenset(
    {
        "message_start",
        "message_delta",
        "message_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "ping",
    }
)


def adapter_for(provider: str) -> Adapter:
    """The adapter for a provider named in :data:`PROVIDERS`."""
    try:
        return PROVIDERS[provider]()
    except KeyError:
        raise ValueError(
            f"unknown provider {provider!r}: expected one of {sorted(PROVIDERS)}"
        ) from None


def detect(data: Mapping[str, Any]) -> Optional[Adapter]:
    """The adapter for a stream whose first event is ``data`` (None if it tells nothing)."""
    kind = data.get("type")
    if isinstance(kind, str):
        if kind.startswith("response.") or ("sequence_number" in data and kind == "error"):
            return OpenAIResponses()
        if kind in _ANTHROPIC_TYPES:
            return Anthropic()
        if kind == "error":
            return OpenAIResponses() if "code" in data else Anthropic()
    if "choices" in data or data.get("object") == "chat.completion.chunk" or data.get("done"):
        return OpenAIChat()
    if "candidates" in data or "promptFeedback" in data:
        return Gemini()
    if "error" in data:
        return OpenAIChat()
    return None

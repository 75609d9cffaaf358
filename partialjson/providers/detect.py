"""Which provider a stream comes from: :func:`detect` reads its first event;
:func:`adapter_for` names one. ``PROVIDERS`` lists every adapter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from .anthropic import Anthropic
from .gemini import Gemini
from .openai_chat import OpenAIChat
from .openai_responses import OpenAIResponses
from .signals import Adapter

__all__ = ["PROVIDERS", "adapter_for", "detect"]

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
    """The adapter for a provider named in :data:`PROVIDERS`.

    >>> adapter_for("anthropic").name
    'anthropic'
    """
    try:
        return PROVIDERS[provider]()
    except KeyError:
        raise ValueError(
            f"unknown provider {provider!r}: expected one of {sorted(PROVIDERS)}"
        ) from None


def detect(data: Mapping[str, Any]) -> Optional[Adapter]:
    """The adapter for a stream whose first event is ``data`` (None if it tells nothing).

    >>> detect({"type": "message_start", "message": {}}).name
    'anthropic'
    """
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

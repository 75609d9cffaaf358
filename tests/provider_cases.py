"""The record-shaped provider cases in tests/fixtures/provider_cases, as the tests feed them:
dicts, the official SDKs' event objects, and raw SSE bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).parent / "fixtures" / "provider_cases"
CASES: dict[str, dict[str, Any]] = {
    path.stem: json.loads(path.read_text()) for path in sorted(CASES_DIR.glob("*.json"))
}


def sse_body(provider: str, events: list[dict[str, Any]]) -> bytes:
    """The events framed as each provider frames them on the wire."""
    if provider in ("openai-responses", "anthropic"):
        text = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events)
    elif provider == "openai-chat":
        text = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    else:  # Gemini: data lines only, CRLF
        text = "".join(f"data: {json.dumps(e)}\r\n\r\n" for e in events)
    return text.encode()


def sdk_objects(provider: str, events: list[dict[str, Any]]) -> list[Any]:
    """The events as the official SDK's event objects (Gemini: no SDK here, so dicts)."""
    if provider == "openai-responses":
        from openai._models import construct_type
        from openai.types.responses import ResponseStreamEvent

        return [construct_type(value=e, type_=ResponseStreamEvent) for e in events]
    if provider == "openai-chat":
        from openai._models import construct_type
        from openai.types.chat import ChatCompletionChunk

        return [construct_type(value=e, type_=ChatCompletionChunk) for e in events]
    if provider == "anthropic":
        from anthropic._models import construct_type as construct_anthropic
        from anthropic.types.beta import BetaRawMessageStreamEvent

        return [construct_anthropic(value=e, type_=BetaRawMessageStreamEvent) for e in events]
    return list(events)

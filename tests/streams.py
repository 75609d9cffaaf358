"""The recorded provider streams in tests/fixtures/streams, as the tests feed them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from partialjson import SSEDecoder

FIXTURES = Path(__file__).parent / "fixtures" / "streams"
EXPECTED: dict[str, dict[str, Any]] = {
    entry["file"]: entry for entry in json.loads((FIXTURES / "expected.json").read_text())
}


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def events(name: str) -> list[dict[str, Any]]:
    """The stream's events as dicts, as an SDK would decode them (``[DONE]`` left out)."""
    decoder = SSEDecoder()
    decoded = decoder.feed(body(name)) + decoder.close()
    return [e.json() for e in decoded if e.data != "[DONE]"]


def sdk_events(name: str) -> list[Any]:
    """The stream's events as the official SDK's own event objects."""
    provider = EXPECTED[name]["provider_api"]
    if provider == "openai-responses":
        from openai._models import construct_type
        from openai.types.responses import ResponseStreamEvent

        return [construct_type(value=e, type_=ResponseStreamEvent) for e in events(name)]
    if provider == "openai-chat":
        from openai._models import construct_type
        from openai.types.chat import ChatCompletionChunk

        return [construct_type(value=e, type_=ChatCompletionChunk) for e in events(name)]
    from anthropic._models import construct_type as construct_anthropic
    from anthropic.types import RawMessageStreamEvent

    return [construct_anthropic(value=e, type_=RawMessageStreamEvent) for e in events(name)]

"""Offline stand-ins for the official clients, so the documentation's examples run as shown.

``OpenAI()``, ``AsyncOpenAI()``, ``Anthropic()`` and ``AsyncAnthropic()`` are the real SDK
classes, given a fake key and an ``httpx.MockTransport`` that answers every request with a
recorded stream from ``tests/fixtures/streams``: the SDK parses real bytes, so the examples
exercise exactly the path a user's code takes, with no key and no network. The recording is
chosen by what the request asks for (tools or a structured-output format); a resumed Responses
stream (``responses.retrieve(id, stream=True, starting_after=N)``) replays the Responses
recording's events after ``N``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

import httpx
import pytest

from .streams import FIXTURES

STRUCTURED_RESPONSES = "openai__responses__agents-long-nested-args.sse"


def recording_for(path: str, request: dict[str, Any]) -> str:
    """The recorded stream that answers a request to ``path`` with this JSON body."""
    tools = bool(request.get("tools"))
    if path.endswith("/responses"):
        if tools:
            return "openai__responses__dotnet-function-call.sse"
        return STRUCTURED_RESPONSES
    if path.endswith("/chat/completions"):
        if tools:
            return "openai__chat__two-parallel-tools.sse"
        return "openai__chat__json-object-unicode-nested.sse"
    if path.endswith("/messages"):
        if tools:
            return "anthropic__messages__two-parallel-tools.sse"
        return "anthropic__messages__structured-int-array.sse"
    raise AssertionError(f"the docs replay has no recording for {path}")


def _answering(http: Any) -> Callable[[Any], Any]:
    """The mock transport's handler, answering with ``http``'s own ``Response`` class."""

    def answer(request: Any) -> Any:
        if request.method == "GET" and "/responses/" in request.url.path:
            content = _resumed(int(request.url.params.get("starting_after", "-1")))
        else:
            body = json.loads(request.content or b"{}")
            content = (FIXTURES / recording_for(request.url.path, body)).read_bytes()
        return http.Response(200, headers={"content-type": "text/event-stream"}, content=content)

    return answer


def _resumed(starting_after: int) -> bytes:
    """``GET /v1/responses/{id}?stream=true&starting_after=N``: the Responses recording's events
    after sequence number ``N``, as the API replays a stored response's stream."""
    text = (FIXTURES / STRUCTURED_RESPONSES).read_text("utf-8")
    kept = []
    for block in text.split("\n\n"):
        data = next((line[6:] for line in block.splitlines() if line.startswith("data: ")), None)
        if data is not None and json.loads(data)["sequence_number"] > starting_after:
            kept.append(block + "\n\n")
    return "".join(kept).encode()


def _replaying(cls: type, http: Any, client_class: str) -> type:
    class Replaying(cls):  # type: ignore[misc, valid-type]
        def __init__(self, **options: Any) -> None:
            transport = http.MockTransport(_answering(http))
            options.setdefault("api_key", "replay")
            options.setdefault("http_client", getattr(http, client_class)(transport=transport))
            super().__init__(**options)

    Replaying.__name__ = Replaying.__qualname__ = cls.__name__
    return Replaying


def _http_library(sdk: Any) -> Any:
    """The HTTP library the SDK's clients are built on: ``httpx``, or its successor ``httpx2``
    that newer SDK releases require their ``http_client`` to come from."""
    base_client = importlib.import_module(f"{sdk.__name__}._base_client")
    return getattr(base_client, "httpx2", None) or httpx


@contextmanager
def replay_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Swap the SDKs' client classes for replaying ones while the block runs."""
    import anthropic
    import openai

    for module, sync_name, async_name in (
        (openai, "OpenAI", "AsyncOpenAI"),
        (anthropic, "Anthropic", "AsyncAnthropic"),
    ):
        http = _http_library(module)
        monkeypatch.setattr(
            module, sync_name, _replaying(getattr(module, sync_name), http, "Client")
        )
        monkeypatch.setattr(
            module, async_name, _replaying(getattr(module, async_name), http, "AsyncClient")
        )
    yield

"""The documents the suite streams, how they are cut into deltas, and the types that describe them.

Three generated workloads, each at any size, and the real recorded provider streams:

* **records** — a list of small records with unicode, escapes, numbers, literals and ``null``
  (token-dense: every few characters is a new token);
* **form** — a form whose free-text fields grow with the document (a 1 MB form has a ~800 KB
  ``body``): a tool call writing a file, a long summary. Paragraph breaks, quotes and non-ASCII
  characters inside the text put escapes in the middle of long strings;
* **nested** — alternating objects and arrays 40 levels deep over a list of small leaves;
* **recorded** — every JSON channel (structured output text, tool-call arguments) of the recorded
  streams in ``tests/fixtures/streams``, cut exactly where the provider cut it.

Generated documents are cut into *token-sized deltas* (1–8 characters, as a model streams) or
*64 KiB chunks* (as a network read delivers a body). Records are written with ``ensure_ascii``
(``\\uXXXX`` escapes and surrogate pairs between the tokens), form and nested as models write them
(raw UTF-8; ``\\n``, ``\\"`` and ``\\\\`` escapes only), the same at every size: a workload's
sizes are the same kind of document (a per-size choice once made the 1 MB form the only one with
``\\u`` escapes, so its "growth" was the escapes).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from pydantic import BaseModel

KB = 1024
MB = 1024 * KB
CHUNK = 64 * KB

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "streams"

# fmt: off
_WORDS = (
    "the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "by", "at",
    "from", "lorem", "ipsum", "dolor", "sit", "amet", "Zoë", "Ångström", "Malmö", "café",
    "naïve", "東京", "señor",
)
# fmt: on


def prose(rng: random.Random, size: int) -> str:
    """About ``size`` characters of text with paragraph breaks, quotes and non-ASCII words."""
    out: list[str] = []
    length = 0
    while length < size:
        roll = rng.random()
        word = rng.choice(_WORDS)
        if roll < 0.01:
            word = "\n\n" + word
        elif roll < 0.015:
            word = f'"{word}"'
        out.append(word)
        length += len(word) + 1
    return " ".join(out)[:size]


# ---------------------------------------------------------------------------- the types


class Author(BaseModel):
    name: str
    email: str
    city: Optional[str] = None


class Form(BaseModel):
    title: str
    author: Author
    approved: bool
    score: float
    reviewer: Optional[str] = None
    tags: list[str]
    summary: str
    body: str


class Record(BaseModel):
    id: int
    name: str
    note: str
    score: float
    active: bool
    tags: list[str]
    parent: Optional[int] = None


# ---------------------------------------------------------------------------- the documents


def records(size: int, rng: random.Random) -> Any:
    names = ["Zoë", "Åsa", "李雷", "Renée", "Ólafur", "José 🎉", 'Bob "the builder"', "C:\\path"]
    return [
        {
            "id": i,
            "name": rng.choice(names),
            "note": f"line one\nline two \u00e9 {i}",
            "score": round(rng.random() * 100, 3),
            "active": i % 3 == 0,
            "tags": ["a", "b\t"],
            "parent": None if i % 4 else i - 1,
        }
        for i in range(max(1, size // 160))
    ]


def form(size: int, rng: random.Random) -> Any:
    text = max(100, size - 300)
    return {
        "title": "Quarterly report",
        "author": {"name": "Zoë Ångström", "email": "zoe@example.com", "city": "Malmö"},
        "approved": True,
        "score": 0.93,
        "reviewer": None,
        "tags": ["finance", "q3", "draft"],
        "summary": prose(rng, text // 8),
        "body": prose(rng, text - text // 8),
    }


def nested(size: int, rng: random.Random) -> Any:
    depth = 40  # levels of alternating objects and arrays, over a list of small leaves
    leaves = max(1, (size - depth * 22) // 24)
    node: Any = [{"k": i, "v": "leaf"} for i in range(leaves)]
    for level in range(depth):
        node = {"level": level, "child": node} if level % 2 else [node, level]
    return node


@dataclass(frozen=True)
class Workload:
    name: str
    build: Callable[[int, random.Random], Any]
    #: The type the typed layer streams it as (``Any``: nested JSON has no model).
    type_: Any
    #: Written with ``ensure_ascii`` (``\\uXXXX`` escapes, surrogate pairs) at every size, so that
    #: the sizes of one workload are the same kind of document and compare.
    ascii: bool


WORKLOADS: dict[str, Workload] = {
    "records": Workload("records", records, list[Record], ascii=True),
    "form": Workload("form", form, Form, ascii=False),
    "nested": Workload("nested", nested, Any, ascii=False),
}


def document(workload: str, size: int, seed: int = 20261201) -> str:
    """The JSON text of a generated workload of about ``size`` characters."""
    rng = random.Random(f"{seed}:{workload}:{size}")
    kind = WORKLOADS[workload]
    return json.dumps(kind.build(size, rng), ensure_ascii=kind.ascii)


# ---------------------------------------------------------------------------- cutting


def token_deltas(text: str, seed: int = 7) -> list[str]:
    """Cut into 1–8 character deltas, as a model streams tokens."""
    rng = random.Random(seed)
    out, i = [], 0
    while i < len(text):
        k = rng.randint(1, 8)
        out.append(text[i : i + k])
        i += k
    return out


def chunks(text: str, size: int = CHUNK) -> list[str]:
    """Cut into ``size``-character chunks, as network reads deliver a body."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def cut(text: str, how: str) -> list[str]:
    return token_deltas(text) if how == "tokens" else chunks(text)


# ---------------------------------------------------------------------------- recorded streams


@dataclass(frozen=True)
class Channel:
    """One JSON channel of a recorded stream, with the provider's own delta boundaries."""

    stream: str
    name: str
    deltas: tuple[str, ...]
    complete: bool  # the JSON text is a whole document (a truncated stream's is not)

    @property
    def text(self) -> str:
        return "".join(self.deltas)


def _events(body: bytes) -> list[dict[str, Any]]:
    from partialjson import SSEDecoder

    decoder = SSEDecoder()
    decoded = decoder.feed(body) + decoder.close()
    out = []
    for event in decoded:
        if event.data.strip() == "[DONE]":
            continue
        try:
            data = json.loads(event.data)
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


def _channel_deltas(provider: str, events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each JSON channel's deltas, read off the provider's events (the wire format)."""
    channels: dict[str, list[str]] = {}
    for data in events:
        kind = data.get("type")
        if provider == "openai-chat":
            for choice in data.get("choices") or []:
                delta = choice.get("delta") or {}
                if delta.get("content"):
                    channels.setdefault(f"text:{choice.get('index', 0)}", []).append(
                        delta["content"]
                    )
                for call in delta.get("tool_calls") or []:
                    arguments = (call.get("function") or {}).get("arguments")
                    if arguments:
                        channels.setdefault(f"tool:{call.get('index', 0)}", []).append(arguments)
        elif provider == "openai-responses":
            if kind in ("response.output_text.delta", "response.function_call_arguments.delta"):
                channels.setdefault(f"item:{data.get('item_id')}", []).append(data["delta"])
        elif provider == "anthropic-messages" and kind == "content_block_delta":
            delta = data.get("delta") or {}
            piece = delta.get("partial_json") or delta.get("text")
            if piece:
                channels.setdefault(f"block:{data.get('index')}", []).append(piece)
    return channels


def recorded_channels() -> list[Channel]:
    """Every JSON channel of the recorded streams (``[]`` when the fixtures are not there)."""
    expected_file = FIXTURES / "expected.json"
    if not expected_file.exists():
        return []
    out = []
    for entry in json.loads(expected_file.read_text()):
        if entry.get("kind") == "none":
            continue
        events = _events((FIXTURES / entry["file"]).read_bytes())
        for name, deltas in _channel_deltas(entry["provider_api"], events).items():
            text = "".join(deltas)
            if not text.lstrip().startswith(("{", "[")):
                continue  # plain text, not JSON
            try:
                json.loads(text)
                complete = True
            except ValueError:
                complete = False
            out.append(Channel(entry["file"], name, tuple(deltas), complete))
    return out


def recorded_bodies() -> list[tuple[str, bytes]]:
    """The recorded SSE bodies themselves (for the full-path layers)."""
    if not FIXTURES.exists():
        return []
    return [(path.name, path.read_bytes()) for path in sorted(FIXTURES.glob("*.sse"))]


# ---------------------------------------------------------------------------- SSE bodies


def chat_completions_body(deltas: list[str]) -> bytes:
    """An OpenAI Chat Completions SSE body carrying ``deltas`` as content, one event each, as a
    model would stream a structured-output answer."""
    head = '{"id":"chatcmpl-bench","object":"chat.completion.chunk","model":"bench","choices":'
    parts = []
    for delta in deltas:
        choice = {"index": 0, "delta": {"content": delta}, "finish_reason": None}
        parts.append("data: " + head + json.dumps([choice]) + "}\n\n")
    last = {"index": 0, "delta": {}, "finish_reason": "stop"}
    parts.append("data: " + head + json.dumps([last]) + "}\n\n")
    parts.append("data: [DONE]\n\n")
    return "".join(parts).encode()


def sse_events(deltas: list[str]) -> list[bytes]:
    """The same body, one SSE event per item (what one network read delivers at 50 deltas/s)."""
    body = chat_completions_body(deltas)
    return [event + b"\n\n" for event in body.split(b"\n\n") if event]

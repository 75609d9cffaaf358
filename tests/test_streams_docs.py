"""docs/streams.md lists every event type the official SDKs know, per provider."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

DOC = (Path(__file__).parent.parent / "docs" / "streams.md").read_text()


def literal_types(annotation: Any) -> set[str]:
    """The ``type`` literals of every model in a (possibly annotated) union."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    found: set[str] = set()
    for member in typing.get_args(annotation) or (annotation,):
        fields = getattr(member, "model_fields", None)
        if fields and "type" in fields:
            found.update(typing.get_args(fields["type"].annotation))
        elif typing.get_args(member):
            found |= literal_types(member)
    return found


def documented(name: str) -> bool:
    """The name is in the docs, or covered by a ``family.*`` or ``a`` / ``.b`` entry."""
    if f"`{name}`" in DOC:
        return True
    head, _, last = name.rpartition(".")
    if f"`{head}.*`" in DOC:
        return True
    return bool(re.search(rf"`{re.escape(head)}\.[a-z_]+`( / `\.[a-z_]+`)* / `\.{last}`", DOC))


def test_every_responses_event_type_is_in_the_table() -> None:
    from openai.types.responses import ResponseStreamEvent

    types = literal_types(ResponseStreamEvent)
    assert len(types) > 50
    assert sorted(t for t in types if not documented(t)) == []


def test_every_anthropic_event_block_and_delta_type_is_in_the_table() -> None:
    from anthropic.types import (
        RawContentBlockDelta,
        RawContentBlockStartEvent,
        RawMessageStreamEvent,
    )

    blocks = literal_types(RawContentBlockStartEvent.model_fields["content_block"].annotation)
    types = literal_types(RawMessageStreamEvent) | literal_types(RawContentBlockDelta) | blocks
    assert {"thinking", "server_tool_use", "citations_delta"} <= types
    assert sorted(t for t in types if not documented(t)) == []

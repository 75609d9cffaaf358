"""Resumable protocol responses: a RelayHub run read back as updates (hub_updates) and served
as a UI message stream and as AG-UI events, checked by the real `ai` and @ag-ui/client
clients; a reader that goes away and comes back gets the whole answer again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import partialjson
from partialjson.web import RelayHub
from partialjson.web.agui import aagui_events
from partialjson.web.aisdk import aui_message_stream
from partialjson.web.resume import RelayEventUpdates, hub_updates

from .js import runner
from .js.cases import chat, expected, sources
from .test_aisdk import chunks_of


@pytest.fixture(scope="session")
def node_clients() -> Path:
    return runner.install()


async def through_hub(source: Any, protocol: str, **options: Any) -> bytes:
    hub = RelayHub(heartbeat=None)
    try:
        key = hub.start(source)
        encode = aui_message_stream if protocol == "ai-sdk" else aagui_events
        sent = encode(hub_updates(hub, key), heartbeat=None, **options)
        return b"".join([chunk async for chunk in sent])
    finally:
        await hub.aclose()


def test_the_clients_rebuild_a_hub_run_read_back(node_clients: Path, tmp_path: Path) -> None:
    ui_cases: list[dict[str, Any]] = []
    agui_cases: list[dict[str, Any]] = []
    wanted: dict[str, dict[str, Any]] = {}
    for name, source in sources().items():
        ui = tmp_path / f"{name}.ui.sse"
        ui.write_bytes(asyncio.run(through_hub(source(), "ai-sdk")))
        ui_cases.append({"name": name, "file": str(ui), "mode": "ui"})
        agui = tmp_path / f"{name}.agui.sse"
        agui.write_bytes(asyncio.run(through_hub(source(), "ag-ui", run_id=name, thread_id="t")))
        agui_cases.append({"name": name, "file": str(agui), "threadId": "t", "runId": name})
        wanted[name] = expected(source)
    for result in runner.run(node_clients, "aisdk_client.mjs", ui_cases, tmp_path):
        want, where = wanted[result["name"]], result["name"]
        parts = (result["message"] or {"parts": []})["parts"]
        if want["status"] == "completed":
            assert result["errors"] == [], where
        data = [p for p in parts if p["type"] == "data-object"]
        if want["has_value"]:
            assert [p["data"]["value"] for p in data] == [want["value"]], where
            assert data[0]["data"]["status"] == want["status"], where
        ready = [p for p in parts if p.get("state") == "input-available"]
        assert [(p["toolCallId"], p["input"]) for p in ready] == [
            (call_id, json.loads(arguments)) for call_id, _, arguments in want["tool_calls"]
        ], where
    for result in runner.run(node_clients, "agui_client.mjs", agui_cases, tmp_path):
        want, where = wanted[result["name"]], result["name"]
        assert result["problems"] == [] and result["warnings"] == [], where
        if want["has_value"]:
            assert result["state"] == want["value"], where
        calls = [
            (call["id"], json.loads(call["function"]["arguments"]))
            for message in result["messages"]
            for call in message.get("toolCalls") or []
            if not any(m.get("toolCallId") == call["id"] for m in result["messages"])
        ]
        assert calls == [(c, json.loads(a)) for c, _, a in want["tool_calls"]], where


def test_a_reader_that_comes_back_gets_the_whole_answer() -> None:
    pieces = ['{"title": "A', " long", " title", '", "n": [1', ", 2", "]}"]

    async def slow() -> AsyncIterator[dict[str, Any]]:
        for chunk in chat(pieces):
            yield chunk
            await asyncio.sleep(0.02)

    async def main() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        hub = RelayHub(heartbeat=None, linger=5.0)
        try:
            key = hub.start(partialjson.stream(slow()))
            first = aui_message_stream(hub_updates(hub, key), heartbeat=None)
            early = [await first.__anext__() for _ in range(2)]
            await first.aclose()  # type: ignore[attr-defined]  # the browser went away
            again = aui_message_stream(hub_updates(hub, key), heartbeat=None)
            late = b"".join([chunk async for chunk in again])
            return chunks_of(b"".join(early) + b"data: [DONE]\n\n"), chunks_of(late)
        finally:
            await hub.aclose()

    early, late = asyncio.run(main())
    assert early[0]["type"] == "start"
    data = [c for c in late if c["type"] == "data-object"]
    assert data[-1]["data"] == {
        "value": {"title": "A long title", "n": [1, 2]},
        "status": "completed",
        "completed": ["/title", "/n/0", "/n/1", "/n", ""],
    }
    assert late[-1]["type"] == "finish"


def test_a_snapshot_stands_for_the_events_a_store_no_longer_has() -> None:
    events = RelayEventUpdates()
    snapshot = {
        "value": {"a": [1, 2]},
        "completed": ["/a/0"],
        "tool_calls": [{"call_id": "c1", "name": "f", "status": "ready", "arguments": {"x": 1}}],
        "refusal": "",
    }
    updates = events.feed("snapshot", snapshot)
    assert [type(u).__name__ for u in updates] == [
        "PartialUpdate",
        "FieldCompleted",
        "ToolCallReady",
    ]
    assert updates[1].path == ("a", 0)  # type: ignore[attr-defined]
    patch = [{"op": "add", "path": "/a/2", "value": 3}, {"op": "add", "path": "/b", "value": "x"}]
    assert events.feed("patch", patch)[0].changed == (("a", 2), ("b",))  # type: ignore[attr-defined]
    assert events.value == {"a": [1, 2, 3], "b": "x"}

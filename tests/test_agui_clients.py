"""AG-UI through the official clients: the relayed bytes of every recorded stream and of
generated documents, fed to @ag-ui/client's HttpAgent (pinned in tests/js/package-lock.json;
installed by the fixture), checked event by event against @ag-ui/core's schemas, every
STATE_DELTA applied with fast-json-patch's validator on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from partialjson.web.agui import ITEM_EVENT, agui_events
from partialjson.web.relay import HEARTBEAT

from .js import runner
from .js.cases import expected, sources


@pytest.fixture(scope="session")
def node_clients() -> Path:
    return runner.install()


def test_the_official_agui_client_ends_with_the_final_state(
    node_clients: Path, tmp_path: Path
) -> None:
    cases: list[dict[str, Any]] = []
    wanted: dict[str, dict[str, Any]] = {}
    for name, source in sources().items():
        file = tmp_path / f"{name}.agui.sse"
        stream = source()
        chunks = list(agui_events(stream, thread_id="thread-1", run_id=name, heartbeat=None))
        chunks.insert(1, HEARTBEAT)  # a quiet upstream: the client must skip the comment
        file.write_bytes(b"".join(chunks))
        cases.append({"name": name, "file": str(file), "threadId": "thread-1", "runId": name})
        wanted[name] = expected(source)
    results = runner.run(node_clients, "agui_client.mjs", cases, tmp_path)
    assert [r["name"] for r in results] == list(wanted)
    for result in results:
        want = wanted[result["name"]]
        where = result["name"]
        assert result["problems"] == [], where
        assert result["warnings"] == [], where
        assert result["types"][0] == "RUN_STARTED", where
        if want["status"] == "completed":
            assert result["failure"] is None, where
            assert result["types"][-1] == "RUN_FINISHED", where
        else:
            assert result["types"][-1] == "RUN_ERROR", where
            assert result["runError"]["code"], where
        if want["has_value"]:
            assert result["state"] == want["value"], where
            assert result["validatedState"] == want["value"], where
        else:
            assert result["state"] == {}, where  # the client's initial state, untouched
        answered = {
            m["toolCallId"]: json.loads(m["content"])["error"]
            for m in result["messages"]
            if m["role"] == "tool"
        }
        calls = [
            (call["id"], call["function"]["name"], call["function"]["arguments"])
            for message in result["messages"]
            for call in message.get("toolCalls") or []
            if call["id"] not in answered  # a call that must not run is answered with why
        ]
        assert calls == want["tool_calls"], where  # the arguments the client assembled
        assert set(answered.values()) <= {"interrupted", "invalid_arguments"}, where
        assert not answered or want["status"] != "completed" or want["rejected"], where
        activities = [m for m in result["messages"] if m["role"] == "activity"]
        server = [m["content"] for m in activities if m["activityType"] != "sources"]
        assert [(c["toolCallId"], c["name"], c["status"]) for c in server] == want[
            "server_tools"
        ], where
        cited = [
            s for m in activities if m["activityType"] == "sources" for s in m["content"]["sources"]
        ]
        assert [s.get("url") or s["filename"] for s in cited] == [
            c.get("url") or c["filename"] for c in want["citations"]
        ], where
        items = [e["value"]["item"] for e in result["custom"] if e["name"] == ITEM_EVENT]
        assert items == want["items"], where
        if want["status"] == "completed":
            assert result["pending"] == [call_id for call_id, _, _ in want["tool_calls"]], where
        texts = [
            m["content"]
            for m in result["messages"]
            if m["role"] == "assistant" and m.get("content")
        ]
        assert "".join(texts) == want["text"], where
        reasoning = [m["content"] for m in result["messages"] if m["role"] == "reasoning"]
        assert "".join(reasoning) == want["reasoning"], where

"""The AI SDK UI message stream through the `ai` package itself (pinned in
tests/js/package-lock.json; installed by the fixture): every chunk parsed with
uiMessageChunkSchema as useChat's transport does, the message built by readUIMessageStream;
and the useObject text checked with the package's parsePartialJson."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from partialjson.web.aisdk import object_text_stream, ui_message_stream
from partialjson.web.relay import HEARTBEAT

from .js import runner
from .js.cases import expected, sources


@pytest.fixture(scope="session")
def node_clients() -> Path:
    return runner.install()


def test_the_ai_package_builds_the_message_with_the_final_value(
    node_clients: Path, tmp_path: Path
) -> None:
    cases: list[dict[str, Any]] = []
    wanted: dict[str, dict[str, Any]] = {}
    for name, source in sources().items():
        file = tmp_path / f"{name}.ui.sse"
        chunks = list(ui_message_stream(source(), heartbeat=None))
        chunks.insert(1, HEARTBEAT)  # a quiet upstream: the client must skip the comment
        file.write_bytes(b"".join(chunks))
        cases.append({"name": name, "file": str(file), "mode": "ui"})
        wanted[name] = expected(source)
    results = runner.run(node_clients, "aisdk_client.mjs", cases, tmp_path)
    assert [r["name"] for r in results] == list(wanted)
    for result in results:
        want, where = wanted[result["name"]], result["name"]
        types = result["chunkTypes"]
        assert types[0] == "start" and types[-1] in ("finish", "abort"), where
        parts = (result["message"] or {"parts": []})["parts"]  # no part: no message
        if want["status"] == "completed":
            assert result["errors"] == [], where
        else:  # the error chunk, and nothing else: no protocol error
            assert [e["name"] for e in result["errors"]] == ["Error"], where
            assert result["errors"][0]["message"].startswith(want["status"] + ": "), where
        data = [p for p in parts if p["type"] == "data-object"]
        if want["has_value"]:
            assert len(data) == 1, where  # reconciled by id: one part, updated in place
            assert data[0]["data"]["value"] == want["value"], where
            assert data[0]["data"]["status"] == want["status"], where
        else:
            assert all(p["data"]["value"] is None for p in data), where
        tools = [p for p in parts if p["type"].startswith("tool-") and p["state"] != "output-error"]
        unfinished = [p for p in parts if p["type"].startswith("tool-") and p not in tools]
        rejected = [p["toolCallId"] for p in unfinished if p["errorText"] == "invalid_arguments"]
        assert rejected == want["rejected"], where
        interrupted = [p for p in unfinished if p["toolCallId"] not in rejected]
        assert all(p["errorText"] == "interrupted" for p in interrupted), where
        assert not interrupted or want["status"] != "completed", where
        server = [p for p in parts if p["type"] == "dynamic-tool"]
        assert [(p["toolCallId"], p["toolName"], p["state"]) for p in server] == [
            (call_id, kind, "output-available" if status == "completed" else "output-error")
            for call_id, kind, status in want["server_tools"]
        ], where
        assert all(p["providerExecuted"] for p in server), where
        cited = [p for p in parts if p["type"].startswith("source-")]
        assert len(cited) == len(want["citations"]), where
        for part, citation in zip(cited, want["citations"]):
            if "url" in citation:
                assert (part["type"], part["url"]) == ("source-url", citation["url"]), where
            else:
                assert (part["type"], part["filename"]) == (
                    "source-document",
                    citation["filename"],
                ), where
        items = [c["data"]["item"] for c in result["transient"] if c["type"] == "data-object-item"]
        assert items == want["items"], where
        assert [(p["toolCallId"], p["type"][5:]) for p in tools] == [
            (call_id, name) for call_id, name, _ in want["tool_calls"]
        ], where
        for part, (_, _, arguments) in zip(tools, want["tool_calls"]):
            assert part["state"] == "input-available", where
            assert part["input"] == json.loads(arguments), where
        text = "".join(p["text"] for p in parts if p["type"] == "text")
        assert text == want["text"], where
        reasoning = "".join(p["text"] for p in parts if p["type"] == "reasoning")
        assert reasoning == want["reasoning"], where


def test_use_object_reads_the_plain_text_stream(node_clients: Path, tmp_path: Path) -> None:
    cases: list[dict[str, Any]] = []
    finals: dict[str, Any] = {}
    for name, source in sources().items():
        want = expected(source)
        if want["status"] != "completed" or not want["has_value"] or name == "hostile-values":
            continue
        pieces = list(object_text_stream(source()))
        file = tmp_path / f"{name}.txt"
        file.write_bytes(b"".join(pieces))
        spec = tmp_path / f"{name}.pieces.json"
        spec.write_text(json.dumps([base64.b64encode(p).decode() for p in pieces]))
        cases.append({"name": name, "file": str(file), "pieces": str(spec), "mode": "text"})
        finals[name] = want["value"]
    results = runner.run(node_clients, "aisdk_client.mjs", cases, tmp_path)
    assert len(results) == len(cases) > 10
    for result in results:
        where = result["name"]
        assert result["sameAsFile"], where
        assert result["finalState"] == "successful-parse", where
        assert "failed-parse" not in result["states"], where
        assert result["value"] == finals[where], where

"""Anthropic Messages (``stream: true``) as signals.

Flow: ``message_start``; per content block ``content_block_start``, ``content_block_delta`` *,
``content_block_stop``; ``message_delta`` (the stop reason); ``message_stop``. ``ping`` anywhere;
``error`` even after HTTP 200. Blocks and what they become:

* ``text`` (``text_delta``, ``citations_delta``): the answer, and its citations;
* ``tool_use`` (``input_json_delta``): the application's tool calls. A call with no arguments
  starts with ``"input": {}`` and sends an empty ``partial_json`` or nothing: its arguments are
  ``{}``;
* ``server_tool_use`` and ``mcp_tool_use``: tools Anthropic runs itself, shown, never released;
  their ``*_tool_result`` blocks (``web_search_tool_result``, ``mcp_tool_result``...) complete
  them, by ``tool_use_id``;
* ``thinking`` (``thinking_delta``, ``signature_delta``) and ``redacted_thinking``: reasoning.

Other block and delta types are counted and passed over.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Optional

from .signals import (
    Adapter,
    Begin,
    Citation,
    ReasoningDelta,
    Signal,
    Terminal,
    TextDelta,
    ToolDelta,
    ToolDone,
    ToolStart,
    ToolStatus,
    Unknown,
    clean,
    error_terminal,
    opt_int,
    opt_map,
    opt_str,
    req_map,
)

__all__ = ["Anthropic"]

_SERVER_TOOLS = frozenset({"server_tool_use", "mcp_tool_use"})


class Anthropic(Adapter):
    """Anthropic Messages (``stream: true``)."""

    name: ClassVar[str] = "anthropic"
    _QUIET = frozenset({"ping"})
    _COMPLETED = frozenset({"end_turn", "stop_sequence", "tool_use", "pause_turn"})
    _INCOMPLETE = frozenset({"max_tokens", "model_context_window_exceeded"})

    def __init__(self) -> None:
        self._stop_reason: Optional[str] = None
        self._tool_blocks: set[int] = set()
        self._server_ids: dict[str, int] = {}  # server tool id -> its block index

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        kind = opt_str(data, "type") or ""
        if kind == "content_block_delta":
            return self._delta(self._index(data), req_map(data, "delta"))
        if kind == "content_block_start":
            return self._start(self._index(data), req_map(data, "content_block"))
        if kind == "content_block_stop":
            index = self._index(data)
            return [ToolDone(0, index, None)] if index in self._tool_blocks else []
        if kind == "message_start":
            message = opt_map(data, "message")
            return [
                Begin(opt_str(message, "id", "message."), opt_str(message, "model", "message."))
            ]
        if kind == "message_delta":
            reason = opt_str(opt_map(data, "delta"), "stop_reason", "delta.")
            self._stop_reason = clean(reason) if reason else self._stop_reason
            return []
        if kind == "message_stop":
            return [self._terminal()]
        if kind == "error":
            return [error_terminal(data)]
        return [] if kind in self._QUIET else [Unknown(clean(kind))]

    @staticmethod
    def _index(data: Mapping[str, Any]) -> int:
        return opt_int(data, "index") or 0

    def _start(self, index: int, block: Mapping[str, Any]) -> list[Signal]:
        where = "content_block."
        block_type = opt_str(block, "type", where) or ""
        if block_type == "text":
            text = opt_str(block, "text", where)
            return [TextDelta(0, text)] if text else []
        if block_type == "tool_use" or block_type in _SERVER_TOOLS:
            self._tool_blocks.add(index)
            call_id = opt_str(block, "id", where) or ""
            server = block_type in _SERVER_TOOLS
            if server:
                self._server_ids[call_id] = index
            given = opt_map(block, "input", where)
            return [
                ToolStart(
                    0,
                    index,
                    call_id,
                    opt_str(block, "name", where) or "",
                    kind="function" if not server else block_type,
                    server=server,
                    arguments=json.dumps(given) if given else None,
                )
            ]
        if block_type.endswith("_tool_result"):
            return self._result(block, block_type)
        if block_type == "thinking":
            text = opt_str(block, "thinking", where)
            return [ReasoningDelta(0, "thinking", text)] if text else []
        if block_type == "redacted_thinking":
            return [ReasoningDelta(0, "redacted", "")]
        return [Unknown(clean(f"block {block_type}"))]

    def _result(self, block: Mapping[str, Any], block_type: str) -> list[Signal]:
        tool_use_id = opt_str(block, "tool_use_id", "content_block.") or ""
        index = self._server_ids.get(tool_use_id)
        if index is None:
            return [Unknown(clean(f"block {block_type}"))]  # a result for no call we saw
        content = block.get("content")
        failed = block.get("is_error") is True or (
            isinstance(content, Mapping)
            and str(content.get("type", "")).endswith("_error")  # e.g. web_search_tool_result_error
        )
        return [ToolStatus(0, index, "failed" if failed else "completed", content)]

    def _delta(self, index: int, delta: Mapping[str, Any]) -> list[Signal]:
        delta_type = opt_str(delta, "type", "delta.") or ""
        if delta_type == "text_delta":
            text = opt_str(delta, "text", "delta.")
            return [TextDelta(0, text)] if text else []
        if delta_type == "input_json_delta":
            text = opt_str(delta, "partial_json", "delta.")
            return [ToolDelta(0, index, text)] if text else []
        if delta_type == "thinking_delta":
            text = opt_str(delta, "thinking", "delta.")
            return [ReasoningDelta(0, "thinking", text)] if text else []
        if delta_type == "signature_delta":
            text = opt_str(delta, "signature", "delta.")
            return [ReasoningDelta(0, "signature", text)] if text else []
        if delta_type == "citations_delta":
            citation = opt_map(delta, "citation", "delta.")
            return [Citation(0, citation)] if citation else []
        return [Unknown(clean(f"delta {delta_type}"))]

    def _terminal(self) -> Terminal:
        reason = self._stop_reason
        if reason == "refusal":
            return Terminal("refused", reason)
        if reason in self._INCOMPLETE:
            return Terminal("incomplete", reason)
        return Terminal("completed", reason)

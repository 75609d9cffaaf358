"""OpenAI's Responses API (``POST /v1/responses`` with ``stream: true``) as signals.

Every event type of the API reference, and what it becomes (the table in ``docs/streams.md``):

* the answer: ``response.output_text.delta`` / ``.done`` (text of ``message`` items; items with
  ``phase: "commentary"`` are not the answer), ``response.refusal.delta``,
  ``response.output_text.annotation.added`` (citations);
* the application's tools: ``function_call`` items with ``response.function_call_arguments.*``
  (JSON), ``custom_tool_call`` items with ``response.custom_tool_call_input.*`` (free text);
* tools OpenAI runs itself, shown and never released: ``mcp_call``
  (``response.mcp_call_arguments.*`` and ``response.mcp_call.*`` statuses),
  ``web_search_call``, ``file_search_call``, ``code_interpreter_call``
  (``response.code_interpreter_call_code.*``), ``image_generation_call``, ``mcp_list_tools``;
* reasoning: ``response.reasoning_summary_text.delta`` and ``response.reasoning_text.delta``;
* the end: ``response.completed`` / ``.incomplete`` / ``.failed`` and ``error``.

Everything else (audio, shell and computer calls, compaction...) is counted and passed over.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Optional

from .signals import (
    Adapter,
    Begin,
    Citation,
    ReasoningDelta,
    RefusalDelta,
    Signal,
    Terminal,
    TextDelta,
    TextDone,
    ToolDelta,
    ToolDone,
    ToolStart,
    ToolStatus,
    Unknown,
    clean,
    clean_optional,
    error_terminal,
    opt_map,
    opt_str,
    req_map,
)

__all__ = ["OpenAIResponses"]

#: Server-run tool items: the field holding their arguments and the one holding their result.
_SERVER_ITEMS: dict[str, tuple[Optional[str], Optional[str]]] = {
    "mcp_call": ("arguments", "output"),
    "web_search_call": ("action", None),
    "file_search_call": ("queries", "results"),
    "code_interpreter_call": ("code", "outputs"),
    "image_generation_call": (None, "result"),
    "mcp_list_tools": (None, "tools"),
}
_RAW_ITEMS = frozenset({"code_interpreter_call", "custom_tool_call"})  # free text, not JSON
_STATUS_EVENT = re.compile(
    r"response\.(mcp_call|web_search_call|file_search_call|code_interpreter_call|"
    r"image_generation_call|mcp_list_tools)\.([a-z_]+)\Z"
)
#: Argument streams: (delta event, done event, the done event's whole-text field).
_ARGUMENT_EVENTS: dict[str, Optional[str]] = {
    "response.function_call_arguments.delta": None,
    "response.function_call_arguments.done": "arguments",
    "response.custom_tool_call_input.delta": None,
    "response.custom_tool_call_input.done": "input",
    "response.mcp_call_arguments.delta": None,
    "response.mcp_call_arguments.done": "arguments",
    "response.code_interpreter_call_code.delta": None,
    "response.code_interpreter_call_code.done": "code",
}


def _as_text(value: Any) -> Optional[str]:
    """An item's arguments as text: strings as they are, structures as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


class OpenAIResponses(Adapter):
    """The Responses API (``POST /v1/responses`` with ``stream: true``)."""

    name: ClassVar[str] = "openai-responses"
    _QUIET = frozenset(
        {
            "response.content_part.added",
            "response.content_part.done",
            "response.refusal.done",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_part.done",
            "response.reasoning_summary_text.done",
            "response.reasoning_text.done",
        }
    )
    _BEGIN = frozenset({"response.created", "response.in_progress", "response.queued"})
    _REASONING: ClassVar[dict[str, str]] = {
        "response.reasoning_summary_text.delta": "summary",
        "response.reasoning_text.delta": "thinking",
    }

    def __init__(self) -> None:
        self._commentary: set[str] = set()  # message items with phase "commentary": not the answer
        self._added: set[Optional[str]] = set()  # tool items whose output_item.added was seen

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        kind = opt_str(data, "type") or ""
        if kind in self._BEGIN:
            response = opt_map(data, "response")
            return [Begin(opt_str(response, "id", "response."), opt_str(response, "model"))]
        if kind == "response.output_text.delta":
            delta = opt_str(data, "delta")
            if not delta or opt_str(data, "item_id") in self._commentary:
                return []
            return [TextDelta(0, delta)]
        if kind in _ARGUMENT_EVENTS:
            return self._arguments(kind, data)
        if kind in self._REASONING:
            delta = opt_str(data, "delta")
            return [ReasoningDelta(0, self._REASONING[kind], delta)] if delta else []
        if kind == "response.output_item.added":
            return self._item_added(req_map(data, "item"))
        if kind == "response.output_item.done":
            return self._item_done(req_map(data, "item"))
        if kind == "response.output_text.done":
            text = opt_str(data, "text")
            return [] if opt_str(data, "item_id") in self._commentary else [TextDone(0, text)]
        if kind == "response.output_text.annotation.added":
            annotation = opt_map(data, "annotation")
            return [Citation(0, annotation)] if annotation else []
        if kind == "response.refusal.delta":
            delta = opt_str(data, "delta")
            return [RefusalDelta(0, delta)] if delta else []
        status = _STATUS_EVENT.match(kind)
        if status:
            return self._status(data, status.group(2))
        return self._end(kind, data)

    def _end(self, kind: str, data: Mapping[str, Any]) -> list[Signal]:
        if kind == "response.completed":
            return [Terminal("completed", None)]
        if kind == "response.incomplete":
            details = opt_map(opt_map(data, "response"), "incomplete_details", "response.")
            return [Terminal("incomplete", clean_optional(opt_str(details, "reason")))]
        if kind == "response.failed":
            return [error_terminal(opt_map(data, "response").get("error") or {})]
        if kind == "error":
            return [error_terminal(data)]
        if kind in self._QUIET:
            return []
        return [Unknown(clean(kind))]

    def _item_added(self, item: Mapping[str, Any]) -> list[Signal]:
        item_type = opt_str(item, "type", "item.") or ""
        item_id = opt_str(item, "id", "item.")
        if item_type in ("function_call", "custom_tool_call"):
            self._added.add(item_id)
            whole = "arguments" if item_type == "function_call" else "input"
            return [
                ToolStart(
                    0,
                    item_id,
                    opt_str(item, "call_id", "item.") or "",
                    opt_str(item, "name", "item.") or "",
                    kind="function" if item_type == "function_call" else "custom",
                    raw=item_type in _RAW_ITEMS,
                    arguments=opt_str(item, whole, "item.") or None,
                )
            ]
        if item_type in _SERVER_ITEMS:
            name = opt_str(item, "name", "item.") or item_type.replace("_call", "")
            status = opt_str(item, "status", "item.")
            return [
                ToolStart(
                    0,
                    item_id,
                    item_id or "",
                    name,
                    item_type,
                    server=True,
                    raw=item_type in _RAW_ITEMS,
                    status=clean(status) if status else None,
                )
            ]
        if item_type == "message":
            if opt_str(item, "phase", "item.") == "commentary":
                self._commentary.add(str(item_id))
            return []
        if item_type == "reasoning":
            return []
        return [Unknown(clean(f"item {item_type}"))]

    def _item_done(self, item: Mapping[str, Any]) -> list[Signal]:
        item_type = opt_str(item, "type", "item.") or ""
        item_id = opt_str(item, "id", "item.")
        if item_type in ("function_call", "custom_tool_call"):
            whole = "arguments" if item_type == "function_call" else "input"
            return [
                ToolDone(
                    0,
                    item_id,
                    opt_str(item, whole, "item."),
                    opt_str(item, "call_id", "item."),
                    opt_str(item, "name", "item."),
                )
            ]
        if item_type in _SERVER_ITEMS:
            arguments_field, result_field = _SERVER_ITEMS[item_type]
            arguments = _as_text(item.get(arguments_field)) if arguments_field else None
            result = item.get(result_field) if result_field else None
            status = opt_str(item, "status", "item.") or (
                "failed" if item.get("error") else "completed"
            )
            return [ToolDone(0, item_id, arguments), ToolStatus(0, item_id, clean(status), result)]
        return []

    def _arguments(self, kind: str, data: Mapping[str, Any]) -> list[Signal]:
        item_id = opt_str(data, "item_id")
        whole = _ARGUMENT_EVENTS[kind]
        if whole is None:
            delta = opt_str(data, "delta")
            return [ToolDelta(0, item_id, delta)] if delta else []
        arguments = opt_str(data, whole)
        if item_id not in self._added and kind.startswith(("response.function", "response.custom")):
            return []  # its start was lost: output_item.done, with the call's id, releases it
        return [ToolDone(0, item_id, arguments)]

    def _status(self, data: Mapping[str, Any], status: str) -> list[Signal]:
        item_id = opt_str(data, "item_id")
        result = None
        if status == "partial_image":
            status, result = "generating", opt_str(data, "partial_image_b64")
        return [ToolStatus(0, item_id, clean(status), result)]

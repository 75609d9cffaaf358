"""Google Gemini ``streamGenerateContent?alt=sse`` as signals: each event a whole response chunk.

``candidates[].content.parts[]`` are ``text`` (the answer), ``text`` with ``"thought": true``
(reasoning, never the answer), ``functionCall`` (a tool call, its ``args`` whole in one part;
several per response), and ``executableCode`` / ``codeExecutionResult`` (Gemini's own code
execution: a server-run tool). ``finishReason`` ends a candidate; ``promptFeedback.blockReason``
refuses the prompt. Calls without an ``id`` (older models) get ``call_1``, ``call_2``...
Vertex AI's streamed call arguments (``partialArgs`` / ``willContinue``, not part of the Gemini
API) are counted and skipped, never released half-done.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Optional

from .signals import (
    Adapter,
    Begin,
    ChoiceFinish,
    Citation,
    ReasoningDelta,
    Signal,
    Terminal,
    TextDelta,
    ToolDone,
    ToolStart,
    ToolStatus,
    Unknown,
    clean,
    error_terminal,
    maps,
    opt_int,
    opt_list,
    opt_map,
    opt_str,
)

__all__ = ["Gemini"]


class Gemini(Adapter):
    """Google Gemini ``streamGenerateContent?alt=sse``: each event a whole response chunk."""

    name: ClassVar[str] = "gemini"
    _FILTERED = frozenset(
        {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}
    )
    _REASONS: ClassVar[dict[str, str]] = {"STOP": "stop", "MAX_TOKENS": "length"}

    def __init__(self) -> None:
        self._calls = 0
        self._began = False
        self._last_code: Optional[tuple[str, int]] = None  # the last executableCode's key

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        if data.get("error"):
            return [error_terminal(data["error"])]
        signals: list[Signal] = []
        block = opt_str(opt_map(data, "promptFeedback"), "blockReason", "promptFeedback.")
        if block:
            return [Terminal("refused", clean(block.lower()))]
        response_id = opt_str(data, "responseId")
        if response_id and not self._began:
            self._began = True
            signals.append(Begin(response_id, opt_str(data, "modelVersion")))
        for i, candidate in enumerate(maps(opt_list(data, "candidates"), "candidates")):
            where = f"candidates[{i}]."
            index = opt_int(candidate, "index", where) or 0
            content = opt_map(candidate, "content", where)
            parts = maps(opt_list(content, "parts", where + "content."), "parts")
            for j, part in enumerate(parts):
                signals.extend(self._part(index, part, f"{where}content.parts[{j}]."))
            for citation in maps(
                opt_list(opt_map(candidate, "citationMetadata", where), "citations"), "citations"
            ):
                signals.append(Citation(index, citation))
            reason = opt_str(candidate, "finishReason", where)
            if reason:
                mapped = (
                    "content_filter"
                    if reason in self._FILTERED
                    else self._REASONS.get(reason, reason.lower())
                )
                signals.append(ChoiceFinish(index, clean(mapped)))
        return signals

    def _part(self, index: int, part: Mapping[str, Any], where: str) -> list[Signal]:
        text = opt_str(part, "text", where)
        if part.get("thought") is True:
            return [ReasoningDelta(index, "thinking", text)] if text else []
        if text is not None:
            return [TextDelta(index, text)] if text else []
        if "functionCall" in part:
            return self._call(index, opt_map(part, "functionCall", where), where + "functionCall.")
        if "executableCode" in part:
            code = opt_map(part, "executableCode", where)
            self._calls += 1
            key = ("gemini-code", self._calls)
            self._last_code = key
            arguments = json.dumps(dict(code))
            return [
                ToolStart(
                    index,
                    key,
                    f"code_{self._calls}",
                    "code_execution",
                    "code_execution",
                    server=True,
                ),
                ToolDone(index, key, arguments),
            ]
        if "codeExecutionResult" in part:
            result = opt_map(part, "codeExecutionResult", where)
            if self._last_code is None:
                return [Unknown("part codeExecutionResult")]
            outcome = opt_str(result, "outcome", where + "codeExecutionResult.") or ""
            status = "completed" if outcome in ("", "OUTCOME_OK") else "failed"
            return [ToolStatus(index, self._last_code, status, dict(result))]
        if "thoughtSignature" in part:
            return []
        return [Unknown(clean("part " + ",".join(sorted(str(k) for k in part))))]

    def _call(self, index: int, call: Mapping[str, Any], where: str) -> list[Signal]:
        # Gemini sends a function call whole: start, all its arguments, done.
        if call.get("partialArgs") or call.get("willContinue"):
            # Vertex AI's streamed arguments (streamFunctionCallArguments): not interpreted, and
            # never released with the arguments of one part as if they were all.
            return [Unknown("part functionCall.partialArgs")]
        self._calls += 1
        key = ("gemini-call", self._calls)
        call_id = opt_str(call, "id", where) or f"call_{self._calls}"
        arguments = json.dumps(dict(opt_map(call, "args", where)))
        return [
            ToolStart(index, key, call_id, opt_str(call, "name", where) or ""),
            ToolDone(index, key, arguments),
        ]

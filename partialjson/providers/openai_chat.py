"""OpenAI Chat Completions chunks (``stream: true``) as signals, any number of choices.

Each chunk's ``choices[i].delta`` may hold ``content``, ``refusal``, ``reasoning_content`` (the
field OpenAI-compatible servers such as DeepSeek and vLLM stream reasoning in) and
``tool_calls[]``; ``finish_reason`` ends a choice. A tool call's ``id`` and name arrive in its
first fragment only; a fragment for the same ``index`` with a *different* id starts a new call
(some compatible servers number every call 0). A chunk with ``choices: []`` (usage, Azure's
first chunk) is nothing; ``{"error": ...}`` fails the response; ``[DONE]`` ends it.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Mapping
from typing import Any, ClassVar, Optional

from .signals import (
    Adapter,
    Begin,
    ChoiceFinish,
    ReasoningDelta,
    RefusalDelta,
    Signal,
    StreamDone,
    TextDelta,
    ToolDelta,
    ToolStart,
    clean,
    error_terminal,
    maps,
    opt_int,
    opt_list,
    opt_map,
    opt_str,
)

__all__ = ["OpenAIChat"]


@functools.lru_cache(maxsize=64)
def _where(i: int) -> tuple[str, str]:
    """Where a choice's fields are, for error messages (made once, not per chunk)."""
    return f"choices[{i}].", f"choices[{i}].delta."


class OpenAIChat(Adapter):
    """Chat Completions chunks (``stream: true``), any number of choices."""

    name: ClassVar[str] = "openai-chat"

    def __init__(self) -> None:
        # (choice, tool index) -> (call id, generation): a new id at the same index is a new call
        self._calls: dict[tuple[int, int], tuple[str, int]] = {}
        self._response_id: Optional[str] = None  # every chunk repeats it: Begin once per id

    def translate(self, data: Mapping[str, Any]) -> list[Signal]:
        # Paid on every chunk: fields of the usual types are read directly (from dicts, by the
        # compiled build's dict operations); any other goes through the accessors, which accept
        # what they accept and name what they refuse.
        event: dict[str, Any] = data if type(data) is dict else dict(data)
        if event.get("done") is True:  # the [DONE] sentinel, as the stream layer passes it
            return [StreamDone()]
        if event.get("error"):
            return [error_terminal(event["error"])]
        signals: list[Signal] = []
        response_id = event.get("id")
        if response_id is not None and type(response_id) is not str:
            response_id = opt_str(event, "id")
        if response_id and response_id != self._response_id:
            self._response_id = response_id
            signals.append(Begin(response_id, opt_str(event, "model")))
        choices = event.get("choices")
        if type(choices) is not list:
            choices = opt_list(event, "choices")
        for i, item in enumerate(choices):
            # dict: the usual, fast; any other Mapping is read too (maps() raises for what is not)
            choice: dict[str, Any] = (
                item if type(item) is dict else dict(maps(choices, "choices")[i])
            )
            index = choice.get("index")
            if type(index) is not int:
                index = opt_int(choice, "index", _where(i)[0])
            found = choice.get("delta")
            delta: dict[str, Any] = (
                found if type(found) is dict else dict(opt_map(choice, "delta", _where(i)[0]))
            )
            content = delta.get("content")
            if content is not None and type(content) is not str:
                content = opt_str(delta, "content", _where(i)[1])
            if content:
                signals.append(TextDelta(index or 0, content))
            if len(delta) > 1 or content is None:  # more than the text: look for the rest
                self._others(index or 0, delta, _where(i)[1], signals)
            reason = choice.get("finish_reason")
            if reason is not None and type(reason) is not str:
                reason = opt_str(choice, "finish_reason", _where(i)[0])
            if reason:
                signals.append(ChoiceFinish(index or 0, clean(reason)))
        return signals

    def text_only(self, event: dict[str, Any]) -> Optional[int]:
        # What translate() reads of a chunk: done, error, id (and model, for a new id),
        # choices[i].index, .delta and .finish_reason. A chunk with no done or error, the
        # current id (or none), one choice with no finish reason and a delta of the content
        # alone (a string) translates to TextDelta(index, content) if the content is not empty,
        # else to nothing; translating it changes nothing here.
        if event.get("done") is True or event.get("error"):
            return None
        response_id = event.get("id")
        if response_id is not None and (
            type(response_id) is not str or (response_id and response_id != self._response_id)
        ):
            return None
        choices = event.get("choices")
        if type(choices) is not list or len(choices) != 1 or type(choices[0]) is not dict:
            return None
        choice: dict[str, Any] = choices[0]
        index = choice.get("index")
        delta = choice.get("delta")
        if (
            (index is not None and type(index) is not int)
            or type(delta) is not dict
            or len(delta) != 1
            or type(delta.get("content")) is not str
            or choice.get("finish_reason") is not None
        ):
            return None
        return index or 0

    def _others(
        self, index: int, delta: Mapping[str, Any], where: str, signals: list[Signal]
    ) -> None:
        """A delta's refusal, reasoning and tool calls."""
        refusal = opt_str(delta, "refusal", where)
        if refusal:
            signals.append(RefusalDelta(index, refusal))
        reasoning = opt_str(delta, "reasoning_content", where)
        if reasoning:
            signals.append(ReasoningDelta(index, "thinking", reasoning))
        for j, call in enumerate(maps(opt_list(delta, "tool_calls", where), "tool_calls")):
            signals.extend(self._call(index, call, f"{where}tool_calls[{j}]."))

    def _call(self, choice: int, call: Mapping[str, Any], where: str) -> list[Signal]:
        signals: list[Signal] = []
        index = opt_int(call, "index", where) or 0
        call_id = opt_str(call, "id", where)
        function = opt_map(call, "function", where)
        arguments = opt_str(function, "arguments", where + "function.")
        name = opt_str(function, "name", where + "function.")
        known = self._calls.get((choice, index))
        if known is None or (call_id and known[0] and call_id != known[0]):
            generation = 0 if known is None else known[1] + 1
            self._calls[(choice, index)] = (call_id or "", generation)
            key: Hashable = (index, generation)
            signals.append(ToolStart(choice, key, call_id or "", name or ""))
        else:
            key = (index, known[1])
            if call_id and not known[0]:  # the id came late: start() takes the first one given
                self._calls[(choice, index)] = (call_id, known[1])
                signals.append(ToolStart(choice, key, call_id, name or ""))
        if arguments:
            signals.append(ToolDelta(choice, key, arguments))
        return signals

"""``--json``: one JSON object per line for each update, the last line the terminal state.

Each line has ``kind`` (the update's class in snake case: ``started``, ``partial_update``,
``field_completed``, ``tool_call_progress``, ``tool_call_ready``…; update types added later
come out the same way) and ``t``, the seconds since the start. Paths are lists of keys and
indexes. A ``partial_update`` carries a ``patch`` (RFC 6902 JSON Patch operations) that turns
the previous partial value into this one, not the whole value again, so the output stays linear
in the stream's size. The last line is the terminal update with ``state``, ``reason``, the final
``value`` (``null`` unless completed), the tool calls released and, for a response that did not
complete, the ``partial`` value it got to (for display only).

>>> patcher = Patcher()
>>> patcher.patch(["a"], ((), (0,)))
[{'op': 'add', 'path': '', 'value': ['a']}]
>>> patcher.patch(["ab"], ((0,),))
[{'op': 'replace', 'path': '/0', 'value': 'ab'}]
>>> patcher.patch(["ab", {}], ((1,),))
[{'op': 'add', 'path': '/1', 'value': {}}]
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional

from pydantic_core import to_json, to_jsonable_python

from ..core.events import Path
from ..lifecycle.updates import PartialUpdate, ToolCall, Update
from ..typed.parser import FinalValueError
from .session import Session

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def kind_of(update: Update) -> str:
    return _CAMEL.sub("_", type(update).__name__).lower()


def jsonable(value: Any) -> Any:
    """Any value of an update as JSON data (models by their JSON keys; errors as text)."""
    return to_jsonable_python(value, by_alias=True, fallback=_fallback)


def _fallback(value: Any) -> Any:
    if isinstance(value, BaseException):
        return f"{type(value).__name__}: {value}"
    if isinstance(value, ToolCall):
        return call_record(value)
    return repr(value)


def call_record(call: ToolCall) -> dict[str, Any]:
    return {
        "call_id": call.call_id,
        "name": call.name,
        "arguments": jsonable(call.arguments),
        "arguments_json": call.arguments_json,
        "choice": call.choice,
    }


def pointer(path: Path) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


class Patcher:
    """Turns partial updates into JSON Patch operations (values only grow: add, replace)."""

    def __init__(self) -> None:
        self._present: set[Path] = set()

    def patch(self, value: Any, changed: tuple[Path, ...]) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        done: list[Path] = []
        for path in changed:
            if any(path[: len(d)] == d for d in done):
                continue  # inside a value already sent whole
            try:
                current = _lookup(value, path)
            except (KeyError, IndexError, TypeError):
                continue  # not in the view (yet)
            present = path in self._present
            if present and isinstance(current, (dict, list)):
                continue  # it closed, or a member changed: the member's own path says so
            op = "replace" if present else "add"
            ops.append({"op": op, "path": pointer(path), "value": jsonable(current)})
            done.append(path)
            self._mark(path, current)
        return ops

    def _mark(self, path: Path, value: Any) -> None:
        self._present.add(path)
        if isinstance(value, dict):
            for key, child in value.items():
                self._mark((*path, key), child)
        elif isinstance(value, list):
            for index, child in enumerate(value):
                self._mark((*path, index), child)


def _lookup(value: Any, path: Path) -> Any:
    for part in path:
        value = value[part]
    return value


class Patchers(dict):  # type: ignore[type-arg]
    """One :class:`Patcher` per choice (Chat Completions may stream several answers)."""

    def __missing__(self, choice: int) -> Patcher:
        patcher = self[choice] = Patcher()
        return patcher


def update_record(update: Update, t: float, patchers: Patchers) -> dict[str, Any]:
    record: dict[str, Any] = {"kind": kind_of(update), "t": round(t, 6)}
    if isinstance(update, PartialUpdate):
        record["changed"] = [list(p) for p in update.changed]
        record["patch"] = patchers[update.choice].patch(update.value, update.changed)
        record["choice"] = update.choice
        return record
    if dataclasses.is_dataclass(update):
        for f in dataclasses.fields(update):
            value = getattr(update, f.name)
            if isinstance(value, ToolCall):
                record.update(call_record(value))
            else:
                record[f.name] = jsonable(value)
    return record


def terminal_record(update: Optional[Update], t: float, session: Session) -> dict[str, Any]:
    response = session.response
    fields = update_record(update, t, Patchers()) if update is not None else {}
    record: dict[str, Any] = {
        "kind": fields.pop("kind", response.state.value),
        "t": round(t, 6),
        "state": response.state.value,
        "reason": response.reason,
    }
    fields.pop("t", None)
    fields.pop("value", None)
    try:
        record["value"] = jsonable(response.final)
    except FinalValueError as error:
        record["value"] = None
        record["no_value"] = str(error)
    record.update(fields)  # the terminal update's own: message, error, refusal...
    if response.state.value != "completed" and response.partial is not None:
        record["partial"] = jsonable(response.partial)
    record["tool_calls"] = [call_record(call) for call in response.tool_calls]
    if len(response.choices) > 1:  # Chat Completions with n > 1: each answer's own end
        record["choices"] = [_choice_record(choice) for choice in response.choices]
    record["provider"] = session.provider
    record["response_id"] = response.response_id
    return record


def _choice_record(choice: Any) -> dict[str, Any]:
    try:
        value = jsonable(choice.final)
    except FinalValueError:
        value = None
    return {
        "index": choice.index,
        "state": choice.state.value,
        "reason": choice.reason,
        "value": value,
    }


def line(record: dict[str, Any]) -> str:
    return to_json(record).decode("utf-8")

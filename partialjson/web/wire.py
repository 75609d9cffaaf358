"""The relay's wire format: events with ids, their SSE encoding, and the state they rebuild.

A relayed response is a sequence of :class:`RelayEvent` s, each with an ``id`` (``"1"``,
``"2"``, ... in order, per response), an event name and JSON data:

==================================  ==========================================================
``started``                         ``{}``
``patch``                           a list of operations ``{"op": "add" | "replace" |
                                    "append", "path": <JSON Pointer>, "value": ...}`` that,
                                    applied in order to ``null``, rebuild the partial value
``field_completed``                 ``{"path": <JSON Pointer>, "choice": 0}``
``tool_call_progress``              ``{"call_id", "name", "arguments"}`` (partial arguments)
``tool_call_ready``                 ``{"call_id", "name", "arguments"}``
``tool_call_rejected``              ``{"call_id", "name"}``
``refusal``                         ``{"delta": "...", "choice": 0}``
``snapshot``                        ``{"value", "completed", "tool_calls", "refusal"}``: the
                                    whole state so far, sent instead of events a reconnecting
                                    reader can no longer be given
``completed``                       ``{"value": <the validated value>, "reason"}`` — terminal
``incomplete`` / ``refused`` /      ``{"reason": <a code>}`` — terminal
``failed`` / ``cancelled``
==================================  ==========================================================

:class:`ReplayState` folds events into that state; a store uses it to turn the events it
drops from its bounded buffer into the ``snapshot`` it serves instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from ..providers._frozen import fast_init
from .patches import _sse_event, _unpointer, apply_patch, dumps

__all__ = ["TERMINAL_EVENTS", "RelayEvent", "ReplayState"]

#: The names of the events that end a relayed response (exactly one is sent, last).
TERMINAL_EVENTS = frozenset({"completed", "incomplete", "refused", "failed", "cancelled"})


@fast_init  # made on every delta
@dataclass(frozen=True)
class RelayEvent:
    """One event of a relayed response: ``id`` (a decimal sequence number as text, increasing
    from ``"1"``), ``event`` (its name) and ``data`` (its JSON data, UTF-8)."""

    id: str
    event: str
    data: bytes

    @property
    def seq(self) -> int:
        """The id as a number."""
        return int(self.id)

    @property
    def terminal(self) -> bool:
        """Whether this event ends the response."""
        return self.event in TERMINAL_EVENTS

    def encode(self) -> bytes:
        """The event as server-sent-event bytes (data never contains a line break)."""
        return _sse_event(self.id, self.event, self.data)

    def json(self) -> Any:
        return json.loads(self.data)


class ReplayState:
    """What a browser knows after a prefix of a response's events: the value the patches built,
    the completed fields, the tool calls and the refusal text. ``snapshot()`` turns it into one
    ``snapshot`` event that stands for every event folded so far."""

    def __init__(self) -> None:
        self._root: list[Any] = [None]  # the value, in a box so the root has a parent
        self._chunked = False  # whether some string is held as _Chunks (joined on demand)
        self.completed: dict[str, None] = {}
        self.tool_calls: dict[str, dict[str, Any]] = {}
        self.refusal = ""
        self.last_id: Optional[str] = None

    @property
    def value(self) -> Any:
        """The value the patches folded so far build."""
        if self._chunked:
            _join_chunks(self._root)
            self._chunked = False
        return self._root[0]

    @value.setter
    def value(self, value: Any) -> None:
        self._root[0] = value
        self._chunked = False

    def fold(self, event: RelayEvent) -> None:
        """Apply one event (in order), in O(event): a string's appends are kept as pieces,
        joined only when the value is asked for."""
        self.last_id = event.id
        name = event.event
        if name == "started" or event.terminal:
            return
        data = event.json()
        if name == "patch":
            self._patch(data)
        elif name == "snapshot":
            self.value = data.get("value")
            self.completed = dict.fromkeys(data.get("completed", ()))
            self.tool_calls = {c["call_id"]: c for c in data.get("tool_calls", ())}
            self.refusal = data.get("refusal", "")
        elif name == "field_completed":
            if data.get("choice", 0) == 0:
                self.completed[data["path"]] = None
        elif name == "refusal":
            self.refusal += data.get("delta", "")
        elif name.startswith("tool_call_"):
            status = name[len("tool_call_") :]
            call = {"call_id": data["call_id"], "name": data.get("name"), "status": status}
            if "arguments" in data:
                call["arguments"] = data["arguments"]
            previous = self.tool_calls.get(data["call_id"], {})
            self.tool_calls[data["call_id"]] = {**previous, **call}

    def _patch(self, ops: list[dict[str, Any]]) -> None:
        for op in ops:
            if op["op"] != "append":
                self._root[0] = apply_patch(self._root[0], [op])
                continue
            parent: Any = self._root
            key: Any = 0
            for part in _unpointer(op["path"]):
                parent = parent[key]
                key = int(part) if isinstance(parent, list) else part
            current = parent[key]
            if isinstance(current, _Chunks):
                current.add(op["value"])
            elif isinstance(current, str) and isinstance(op["value"], str):
                parent[key] = _Chunks(current, op["value"])
                self._chunked = True
            else:
                parent[key] = current + op["value"]

    def snapshot(self) -> RelayEvent:
        """One ``snapshot`` event with the id of the last event folded."""
        data = {
            "value": self.value,
            "completed": list(self.completed),
            "tool_calls": list(self.tool_calls.values()),
            "refusal": self.refusal,
        }
        return RelayEvent(self.last_id or "0", "snapshot", dumps(data))


class _Chunks:
    """A string being appended to, as pieces: a fold costs O(delta), not a copy of the string.
    Every ``_COMPACT`` pieces the recent ones are joined into one (O(their length)), so the
    pieces stay few and memory stays close to the text's."""

    __slots__ = ("parts", "recent")

    def __init__(self, first: str, second: str) -> None:
        self.parts = [first, second]
        self.recent = 1

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.recent += 1
        if self.recent >= _COMPACT:
            self.parts[-_COMPACT:] = ["".join(self.parts[-_COMPACT:])]
            self.recent = 0

    def join(self) -> str:
        return "".join(self.parts)


_COMPACT = 64


def _join_chunks(root: list[Any]) -> None:
    """Replace every :class:`_Chunks` under ``root`` by its string, in place (no recursion)."""
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        keys: Any = node.keys() if isinstance(node, dict) else range(len(node))
        for k in keys:
            child = node[k]
            if isinstance(child, _Chunks):
                node[k] = child.join()
            elif isinstance(child, (dict, list)):
                stack.append(child)

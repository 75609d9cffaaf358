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

from .patches import apply_patch, dumps

__all__ = ["TERMINAL_EVENTS", "RelayEvent", "ReplayState"]

#: The names of the events that end a relayed response (exactly one is sent, last).
TERMINAL_EVENTS = frozenset({"completed", "incomplete", "refused", "failed", "cancelled"})


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
        return (
            b"id: "
            + self.id.encode()
            + b"\nevent: "
            + self.event.encode()
            + b"\ndata: "
            + self.data
            + b"\n\n"
        )

    def json(self) -> Any:
        return json.loads(self.data)


class ReplayState:
    """What a browser knows after a prefix of a response's events: the value the patches built,
    the completed fields, the tool calls and the refusal text. ``snapshot()`` turns it into one
    ``snapshot`` event that stands for every event folded so far."""

    def __init__(self) -> None:
        self.value: Any = None
        self.completed: dict[str, None] = {}
        self.tool_calls: dict[str, dict[str, Any]] = {}
        self.refusal = ""
        self.last_id: Optional[str] = None

    def fold(self, event: RelayEvent) -> None:
        """Apply one event (in order)."""
        self.last_id = event.id
        name = event.event
        if name == "started" or event.terminal:
            return
        data = event.json()
        if name == "patch":
            self.value = apply_patch(self.value, data)
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

    def snapshot(self) -> RelayEvent:
        """One ``snapshot`` event with the id of the last event folded."""
        data = {
            "value": self.value,
            "completed": list(self.completed),
            "tool_calls": list(self.tool_calls.values()),
            "refusal": self.refusal,
        }
        return RelayEvent(self.last_id or "0", "snapshot", dumps(data))

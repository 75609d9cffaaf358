"""Resumable AG-UI and AI SDK responses: a :class:`~partialjson.web.hub.RelayHub` run read back
as updates, for any protocol encoder.

Theory of operation
===================

A :class:`~partialjson.web.hub.RelayHub` drives a response in the background and keeps its
native relay events in a store (memory or Redis), so a response outlives the connection that
asked for it. :func:`hub_updates` reads a run back from the hub — from its first event, or
from the store's ``snapshot`` when it no longer has them all, then live — and turns each
relay event into the :mod:`update <partialjson.lifecycle.updates>` it stands for
(:class:`RelayEventUpdates`: sans-I/O). Any encoder takes those updates, so
``RelayResponse(hub_updates(hub, key), protocol="ai-sdk")`` serves a run as a UI message
stream that a reconnecting ``useChat({resume: true})`` can read again from the start, and the
same with ``protocol="ag-ui"``. Closing it (the browser went away again) stops reading; the
hub keeps the run going for its ``linger``.

What the relay events do not carry is not rebuilt: tool arguments come back whole at release
(the compact JSON of the released arguments, not the model's raw deltas), reasoning is not
relayed, and a provider's ids and messages stay on the server as before.

    >>> import asyncio, partialjson
    >>> from partialjson.web import RelayHub
    >>> async def main():
    ...     hub = RelayHub(heartbeat=None)
    ...     choice = {"index": 0, "delta": {"content": '{"a": [1, 2]}'}, "finish_reason": "stop"}
    ...     key = hub.start(partialjson.stream([{"choices": [choice]}]))
    ...     return [type(u).__name__ async for u in hub_updates(hub, key)]
    >>> asyncio.run(main())  # doctest: +NORMALIZE_WHITESPACE
    ['Started', 'PartialUpdate', 'FieldCompleted', 'FieldCompleted', 'FieldCompleted',
     'FieldCompleted', 'Completed']
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Optional

from ..core.events import Path
from ..lifecycle.updates import (
    Cancelled,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    PartialUpdate,
    RefusalDelta,
    Refused,
    Started,
    ToolCall,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from ..providers.sse import SSEDecoder
from .hub import RelayHub
from .patches import _unpointer, dumps

__all__ = ["RelayEventUpdates", "hub_updates"]


class RelayEventUpdates:
    """Native relay events in, the updates they stand for out (sans-I/O). The partial value is
    rebuilt from the patches and is live, as a response stream's is.

    >>> events = RelayEventUpdates()
    >>> events.feed("patch", [{"op": "replace", "path": "", "value": {"a": "h"}}])
    [PartialUpdate(value={'a': 'h'}, changed=((),), choice=0)]
    >>> events.feed("patch", [{"op": "append", "path": "/a", "value": "i"}])[0].changed
    (('a',),)
    >>> events.value
    {'a': 'hi'}
    """

    def __init__(self) -> None:
        self._root: list[Any] = [None]  # the value, in a box so the root has a parent
        self._refusal = ""

    @property
    def value(self) -> Any:
        return self._root[0]

    def feed(self, name: str, data: Any) -> list[Update]:
        """The updates of one relay event (its name and parsed JSON data)."""
        if name == "started":
            return [Started(None, None)]
        if name == "patch":
            changed = tuple(dict.fromkeys(self._apply(op) for op in data))
            return [PartialUpdate(self.value, changed)] if changed else []
        if name == "snapshot":
            return self._snapshot(data)
        if name == "field_completed":
            return [FieldCompleted(self._path(data["path"]), data.get("choice", 0))]
        if name.startswith("tool_call_"):
            return [self._tool(name[len("tool_call_") :], data)]
        if name == "refusal":
            self._refusal += data["delta"]
            return [RefusalDelta(data["delta"], data.get("choice", 0))]
        return self._terminal(name, data)

    def _snapshot(self, data: Any) -> list[Update]:
        self._root[0] = data.get("value")
        out: list[Update] = []
        if self.value is not None:
            out.append(PartialUpdate(self.value, ((),)))
        out += [FieldCompleted(self._path(p)) for p in data.get("completed", ())]
        out += [self._tool(call["status"], call) for call in data.get("tool_calls", ())]
        if data.get("refusal"):
            self._refusal = data["refusal"]
            out.append(RefusalDelta(self._refusal))
        return out

    def _tool(self, status: str, data: Any) -> Update:
        call_id, name = data["call_id"], data.get("name") or ""
        arguments = data.get("arguments")
        if status == "ready":
            text = dumps(arguments).decode()
            return ToolCallReady(ToolCall(call_id, name, arguments, text))
        if status == "rejected":
            return ToolCallRejected(call_id, name, ValueError("the call was rejected"))
        return ToolCallProgress(call_id, name, arguments)

    def _terminal(self, name: str, data: Any) -> list[Update]:
        reason = data.get("reason") if isinstance(data, dict) else None
        if name == "completed":
            return [Completed(data.get("value"), reason)]
        if name == "incomplete":
            return [Incomplete(reason)]
        if name == "refused":
            return [Refused(reason, self._refusal)]
        if name == "failed":
            return [Failed(reason)]
        if name == "cancelled":
            return [Cancelled()]
        return []  # an event this version does not know

    def _path(self, ptr: str) -> Path:
        """A JSON Pointer as a path into the value (list indices as ints)."""
        node, path = self.value, []
        for part in _unpointer(ptr):
            key: Any = int(part) if isinstance(node, list) else part
            path.append(key)
            if isinstance(node, dict):
                node = node.get(key)
            else:  # an index the list may not have yet (an add), or a leaf
                node = node[key] if isinstance(node, list) and key < len(node) else None
        return tuple(path)

    def _apply(self, op: dict[str, Any]) -> Path:
        """Apply one operation in place; the path it changed."""
        path = self._path(op["path"])
        parent: Any = self._root
        key: Any = 0
        for part in path:
            parent, key = parent[key], part
        value = op["value"]
        if op["op"] == "append":
            grown, parent[key] = parent[key], None  # one reference left: += extends in place
            grown += value
            parent[key] = grown
        elif isinstance(parent, list) and key == len(parent):
            parent.append(value)
        else:
            parent[key] = value
        return path


async def hub_updates(
    hub: RelayHub, key: str, last_event_id: Optional[str] = None
) -> AsyncIterator[Update]:
    """The updates of the hub's run ``key``: from its start (or the store's snapshot), then
    live, until its terminal update. Serve them with any protocol, e.g.
    ``RelayResponse(hub_updates(hub, key), protocol="ai-sdk")``. Raises
    :class:`~partialjson.web.store.UnknownStreamError` for a key the store does not know
    (check first with ``await hub.check(key)``)."""
    decoder = SSEDecoder()
    updates = RelayEventUpdates()
    async for chunk in hub.events(key, last_event_id):
        for event in decoder.feed(chunk):
            for update in updates.feed(event.event, json.loads(event.data)):
                yield update

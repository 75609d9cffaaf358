"""Source items in, updates out: the sans-I/O half of a response stream's loop.

:class:`EventReader` turns what a source yields — provider event dicts, SDK event objects, raw
SSE bytes or text in chunks — into provider event dicts; :class:`Steps` hands them to the
:class:`~partialjson.lifecycle.machine.Lifecycle` and returns its updates, one call per source
item. :mod:`partialjson.streaming.response` iterates the sources (sync or async, with the
waiting, cancelling and closing that takes) and calls these once per item: this module is the
per-delta work between a read and a yield, so the compiled build compiles it (the generators
and async generators that wait stay in ``response.py``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any, Optional, Union

from pydantic_core import from_json

from ..lifecycle.machine import Lifecycle
from ..lifecycle.updates import Update
from ..providers.signals import ProtocolError
from ..providers.sse import DEFAULT_MAX_SIZE, EventTooLarge, ServerSentEvent, SSEDecoder

__all__ = ["EventReader", "Steps"]

logger = logging.getLogger("partialjson")


class EventReader:
    """Turns source items into provider event dicts (sans-I/O): dicts as they are, SDK event
    objects dumped, ``ServerSentEvent`` s and raw SSE bytes or text decoded.

    An item that cannot be a provider event (SSE data that is not a JSON object, an SSE line
    over the size limit, an object of no known kind) sets :attr:`error`; the events before it
    in the same item are still returned.
    """

    def __init__(self, max_sse_size: int = DEFAULT_MAX_SIZE) -> None:
        self._sse: Optional[SSEDecoder] = None
        self._max_sse_size = max_sse_size
        self.error: Optional[ProtocolError] = None

    def read(self, item: Any) -> list[Mapping[str, Any]]:
        if type(item) is bytes:  # the usual: the next chunk of an HTTP body
            return self._feed(item)
        if type(item) is not dict and isinstance(item, (bytearray, memoryview, str)):
            return self._feed(item if isinstance(item, str) else bytes(item))
        if isinstance(item, Mapping):
            return [item]
        if isinstance(item, ServerSentEvent) or (hasattr(item, "data") and hasattr(item, "event")):
            return self._all_data([item.data])
        dump = getattr(item, "to_dict", None) or getattr(item, "model_dump", None)
        if callable(dump):
            data = dump()
            if isinstance(data, Mapping):
                return [data]
        self.error = ProtocolError(f"cannot read a provider event from {type(item).__name__}")
        return []

    def _feed(self, chunk: Union[bytes, str]) -> list[Mapping[str, Any]]:
        sse = self._sse
        if sse is None:
            sse = self._sse = SSEDecoder(
                max_line_size=self._max_sse_size, max_event_size=self._max_sse_size
            )
        try:
            data = sse.feed_data(chunk)
        except EventTooLarge as error:
            data = [event.data for event in error.events]
            self.error = ProtocolError(str(error), "sse")
        except TypeError as error:  # str and bytes mixed in one body
            data, self.error = [], ProtocolError(str(error), "sse")
        return self._all_data(data)

    def close(self) -> list[Mapping[str, Any]]:
        if self._sse is None or self.error is not None:
            return []
        events = self._sse.close()
        if self._sse.discarded_tail:
            logger.info("discarded an unterminated last SSE event (the WHATWG rule)")
        return self._all_data([event.data for event in events])

    def _all_data(self, texts: list[Any]) -> list[Mapping[str, Any]]:
        """The provider events of SSE events' data (``str``, or whatever an SSE event object
        of another library holds), up to the first that is not one."""
        out: list[Mapping[str, Any]] = []
        for text in texts:
            if type(text) is str and text.startswith("{"):  # the usual: one JSON object
                try:
                    parsed = from_json(text)
                except Exception:  # refused: decided below, as by json.loads
                    parsed = None
                if type(parsed) is dict:
                    out.append(parsed)
                    continue
            data = self._sse_data(text)
            if data is None:
                break
            out.append(data)
        return out

    def _sse_data(self, text: Any) -> Optional[Mapping[str, Any]]:
        data = text if type(text) is str else str(text)
        if not data.startswith("{") and data.strip() == "[DONE]":
            return {"done": True}
        try:
            parsed = _loads(data)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            return parsed
        what = "not JSON" if parsed is None else f"a JSON {type(parsed).__name__}"
        self.error = ProtocolError(f"an SSE event's data is {what}, not a JSON object", "data")
        return None


def _loads(data: str) -> Any:
    """``json.loads(data)``, twice as fast: pydantic-core's parser (jiter) gives the same value
    wherever it accepts the text; where it does not (a lone surrogate escape, deep nesting), the
    standard library decides, so the same texts are accepted and refused as by ``json.loads``."""
    try:
        return from_json(data)
    except Exception:  # any refusal: the standard library has the last word
        return json.loads(data)


class Steps:
    """One response's source items applied to its machine: the updates each item causes.

    The usual item holds one event, applied by one call to :meth:`item`. An item holding
    several events (a chunk of a body, a whole body) or a bad one is left to the caller, who
    applies its :attr:`events` one by one with :meth:`event` (a sync loop yields each event's
    updates before applying the next one) or all at once with :meth:`apply`.
    """

    def __init__(self, machine: Lifecycle, max_sse_size: int = DEFAULT_MAX_SIZE) -> None:
        self.machine = machine
        self.reader = EventReader(max_sse_size)
        #: The events of the last item :meth:`item` did not apply itself.
        self.events: list[Mapping[str, Any]] = []
        #: Held while :meth:`item` reads and applies (a sync stream's: its cancel() from
        #: another thread waits for the step to end).
        self.lock: Optional[AbstractContextManager[Any]] = None

    def item(self, item: Any) -> Optional[list[Update]]:
        """The updates of an item that holds at most one event; ``None`` for one that holds
        several, or a bad one: then its events are in :attr:`events`, not applied yet."""
        lock = self.lock
        if lock is None:
            return self._item(item)
        with lock:
            return self._item(item)

    def _item(self, item: Any) -> Optional[list[Update]]:
        events = self.reader.read(item)
        if self.reader.error is None and len(events) <= 1:
            return self.machine.handle(events[0]) if events else []
        self.events = events
        return None

    def event(self, data: Mapping[str, Any]) -> list[Update]:
        """The updates of one event of :attr:`events`."""
        return self.machine.handle(data)

    def error(self) -> list[Update]:
        """The updates of the reader's error, if any (after the events before it)."""
        error = self.reader.error
        return self.machine.protocol_error(error) if error is not None else []

    def apply(self, events: list[Mapping[str, Any]]) -> list[Update]:
        """The updates of ``events`` and of the reader's error, all at once."""
        machine = self.machine
        updates: list[Update] = []
        for data in events:
            updates += machine.handle(data)
        return updates + self.error()

    def updates(self, item: Any) -> list[Update]:
        """The updates of one item, all at once."""
        updates = self.item(item)
        return self.apply(self.events) if updates is None else updates

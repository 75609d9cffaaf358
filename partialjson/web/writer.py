"""The relay's sans-I/O part: :class:`RelayWriter` turns updates into relay events.

Its own module (the compiled build compiles it; :mod:`partialjson.web.relay`, which drives it
over a stream, holds async generators, which mypyc does not compile). See
:mod:`partialjson.web.relay` for the theory of operation and :mod:`partialjson.web.wire` for the
events.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Sequence
from typing import Any, Callable, Final, Optional

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
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from .moderation import Moderator
from .patches import (
    PatchEncoder,
    _sse_ops,
    clean_text,
    dumps,
    dumps_completed,
    dumps_ops,
    dumps_result,
    merge_ops,
    pointer,
    sse_completed,
)
from .wire import TERMINAL_EVENTS, RelayEvent

__all__ = ["RelayWriter", "safe_code"]

logger = logging.getLogger("partialjson")

_SAFE_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
Payload = tuple[str, Any]
# The update types tested on every delta (Final: the compiled build reads them without a look-up
# in the module's dict).
_PartialUpdate: Final = PartialUpdate
_FieldCompleted: Final = FieldCompleted


#: Where a tool call's arguments are, for the moderator and the held fields.
_TOOL_CALLS: Final[Path] = ("tool_calls",)


def safe_code(reason: Optional[str], default: str = "error") -> Optional[str]:
    """A reason as a short code a user may see; anything else (a sentence, a secret) is not
    relayed."""
    if reason is None:
        return None
    return reason if _SAFE_CODE.fullmatch(reason) else default


class RelayWriter:
    """Updates in, relay events out (sans-I/O).

    ``max_rate``: coalesce to at most this many batches per second (``None``: every update at
    once). ``moderation`` and ``hold_until_complete``: see :mod:`partialjson.web.moderation`.
    ``choice``: which choice's value the patches rebuild (Chat Completions with ``n > 1``).
    ``max_pending``: a coalesced batch is sent early when it holds this many operations and
    events, so memory stays bounded however fast the upstream is.
    """

    def __init__(
        self,
        *,
        max_rate: Optional[float] = None,
        moderation: Optional[Moderator] = None,
        hold_until_complete: Iterable[str] = (),
        choice: int = 0,
        max_pending: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_rate is not None and max_rate <= 0:
            raise ValueError("max_rate must be positive")
        self._encoder = PatchEncoder(moderation, hold_until_complete)
        self._moderation = moderation
        self._interval = 0.0 if max_rate is None else 1.0 / max_rate
        self._choice = choice
        self._max_pending = max_pending
        self._clock = clock
        self._seq = 0
        self._live: Any = None  # the last partial value seen (live: updated in place)
        # The coalesced batch waiting to go out, made when there is one (a writer is made per
        # stream, and each object it keeps is walked by every full collection while it lasts).
        self._ops: Optional[list[dict[str, Any]]] = None
        self._others: Optional[list[Payload]] = None
        self._next_flush = 0.0
        self.ended = False

    @property
    def last_id(self) -> Optional[str]:
        return str(self._seq) if self._seq else None

    def feed(self, update: Update) -> list[RelayEvent]:
        """The events to send for one update (none while a coalesced batch waits)."""
        if self.ended:
            return []
        if type(update) is _PartialUpdate and not self._interval and not self._ops:
            # The usual update, sent at once: its patch alone (``_others`` is empty when a
            # batch is not held back).
            if update.choice != self._choice:
                return []
            self._live = update.value
            ops = self._encoder.encode(update.value, update.changed)
            return [self._event("patch", ops)] if ops else []
        if type(update) is _FieldCompleted and not self._interval and not self._encoder.filtering:
            if update.choice != self._choice:  # nothing held or moderated: no patch to add
                return []
            self._seq += 1
            completed = dumps_completed(pointer(update.path), update.choice)
            return [RelayEvent(str(self._seq), "field_completed", completed)]
        payloads = self._payloads(update)
        if not payloads:
            return []
        terminal = False
        for name, data in payloads:
            if name == "patch":
                if self._ops is None:
                    self._ops = []
                self._ops.extend(data)
            else:
                self._other(name, data)
                terminal = terminal or name in TERMINAL_EVENTS
        if not self._interval:  # nothing is held back: no clock to read
            return self._flush(0.0)
        now = self._clock()
        pending = len(self._ops or ()) + len(self._others or ())
        if terminal or now >= self._next_flush or pending >= self._max_pending:
            return self._flush(now)
        return []

    def feed_sse(self, update: Update, out: list[bytes]) -> None:
        """Append the events for one update to ``out``, as SSE bytes: :meth:`feed` with each
        event's :meth:`~partialjson.web.wire.RelayEvent.encode`, the same bytes. The usual
        update, a patch sent at once, goes from the update to its bytes in one step, with no
        event made on the way (what a relay without a store sends, on every delta).

        >>> from partialjson import PartialUpdate
        >>> out: list[bytes] = []
        >>> writer = RelayWriter()
        >>> writer.feed_sse(PartialUpdate(value={"title": "Hi"}, changed=((),)), out)
        >>> writer.feed_sse(PartialUpdate(value={"title": "Hi there"}, changed=(("title",),)), out)
        >>> out[1]
        b'id: 2\\nevent: patch\\ndata: [{"op":"append","path":"/title","value":" there"}]\\n\\n'
        """
        if type(update) is _PartialUpdate and not self._interval and not self._ops:
            if self.ended or update.choice != self._choice:
                return
            value, changed = update.value, update.changed
            self._live = value
            encoder = self._encoder
            text = encoder.grown(value, changed)
            if text is not None:  # the usual: the string the last delta grew grew again
                self._seq += 1
                out.append(encoder._sse_grown(self._seq, text))  # (sse_append's bytes)
                return
            ops = encoder.encode(value, changed)
            if ops:
                self._seq += 1
                out.append(_sse_ops(self._seq, ops, True))  # (sse_patch: its own ops)
            return
        if type(update) is _FieldCompleted and not self._interval and not self._encoder.filtering:
            choice = update.choice
            if self.ended or choice != self._choice:
                return
            self._seq += 1
            out.append(sse_completed(self._seq, pointer(update.path), choice))
            return
        for event in self.feed(update):
            out.append(event.encode())

    def due(self) -> Optional[float]:
        """When the waiting batch must go out (on the writer's clock), or None."""
        if self._ops or self._others:
            return self._next_flush
        return None

    def flush(self) -> list[RelayEvent]:
        """Send the waiting batch now."""
        return self._flush(self._clock())

    def end(self, error: Optional[BaseException] = None) -> list[RelayEvent]:
        """The source ran dry (or raised ``error``): the terminal event, if none was sent."""
        if self.ended:
            return []
        if error is not None:
            logger.warning("the relayed stream raised %s: relayed as failed", type(error).__name__)
        reason = "relay_error" if error is not None else "interrupted"
        self._other("failed", {"reason": reason})
        return self._flush(self._clock())

    def cancel(self) -> list[RelayEvent]:
        """The browser went away: the ``cancelled`` terminal event, if none was sent."""
        if self.ended:
            return []
        self._other("cancelled", {})
        return self._flush(self._clock())

    def _other(self, name: str, data: Any) -> None:
        """Add an event other than a patch to the waiting batch."""
        if self._others is None:
            self._others = []
        self._others.append((name, data))

    def _flush(self, now: float) -> list[RelayEvent]:
        events: list[RelayEvent] = []
        if self._ops:
            ops = merge_ops(self._ops) if self._interval else self._ops
            events.append(self._event("patch", ops))
        self._ops = None
        others: Sequence[Payload] = self._others or ()
        if self._interval and len(others) > 1:  # tool call progress: the latest per call
            last = {d["call_id"]: i for i, (n, d) in enumerate(others) if n == "tool_call_progress"}
            others = [
                (n, d)
                for i, (n, d) in enumerate(others)
                if n != "tool_call_progress" or last[d["call_id"]] == i
            ]
        for name, data in others:
            events.append(self._event(name, data))
            if name in TERMINAL_EVENTS:
                self.ended = True
                break
        self._others = None
        self._next_flush = now + self._interval
        return events

    def _event(self, name: str, data: Any) -> RelayEvent:
        """The next event; ``data``: plain data, or its JSON already written (bytes)."""
        self._seq += 1
        if type(data) is not bytes:
            data = dumps_ops(data) if name == "patch" else dumps(data)
        return RelayEvent(str(self._seq), name, data)

    def _payloads(self, update: Update) -> list[Payload]:
        """The events an update becomes, as (name, data); none for what browsers must not see
        (and for update types this relay does not know)."""
        encoder = self._encoder
        if isinstance(update, PartialUpdate):
            if update.choice != self._choice:
                return []
            self._live = update.value
            ops = encoder.encode(update.value, update.changed)
            return [("patch", ops)] if ops else []
        if isinstance(update, FieldCompleted):
            if update.choice != self._choice:
                return []
            if encoder.hidden(update.path):
                return []  # inside a held field: it completes when the field is released
            ops = encoder.complete(self._live, update.path)
            done = ("field_completed", {"path": pointer(update.path), "choice": update.choice})
            return [("patch", ops), done] if ops else [done]
        # A tool call's arguments go through the moderator and the held fields at the path
        # "/tool_calls": held there, they show as null while they stream, and whole once the
        # call is ready (held until complete); text the moderator holds back shows as null.
        if isinstance(update, ToolCallProgress):
            data = {"call_id": update.call_id, "name": update.name}
            data["arguments"] = encoder.outgoing(update.arguments, _TOOL_CALLS, False)
            return [("tool_call_progress", data)]
        if isinstance(update, ToolCallReady):
            call = update.call
            data = {"call_id": call.call_id, "name": call.name}
            data["arguments"] = encoder.outgoing(call.arguments, _TOOL_CALLS, True, False)
            return [("tool_call_ready", data)]
        if isinstance(update, ToolCallRejected):
            return [("tool_call_rejected", {"call_id": update.call_id, "name": update.name})]
        if isinstance(update, RefusalDelta):
            return [("refusal", {"delta": clean_text(update.delta), "choice": update.choice})]
        if isinstance(update, Started):
            return [("started", {})]  # the provider's ids stay on the server
        if isinstance(update, Completed):
            reason = safe_code(update.reason)
            if not encoder.filtering:  # its data written at once (see dumps_result)
                return [("completed", dumps_result(update.value, reason))]
            value = encoder.outgoing(update.value)
            return [("completed", {"value": value, "reason": reason})]
        if isinstance(update, Incomplete):
            return [("incomplete", {"reason": safe_code(update.reason)})]
        if isinstance(update, Refused):
            return [("refused", {"reason": safe_code(update.reason)})]
        if isinstance(update, Failed):  # the code only: messages may quote the prompt
            return [("failed", {"reason": safe_code(update.reason)})]
        if isinstance(update, Cancelled):
            return [("cancelled", {})]
        return []  # SequenceGap (the backend's business), and update types added later

"""What the AG-UI and AI SDK encoders map alike: which update means what, in which order, and
what a client already has of each message and tool call.

Theory of operation
===================

Both protocols see a response the same way: a run that starts once and ends once; the typed
partial value; text (refusals, and an answer that turned out to be prose) and reasoning as
messages that open, grow and close, one at a time; tool calls whose arguments stream and end
released, rejected or interrupted; tools the provider runs itself; sources; items.
:class:`UpdateMapper` holds that shared bookkeeping and dispatches each update to a *hook* a
protocol implements (``_text_start``, ``_tool_args``, ``_finish``...), which returns that
protocol's own items (AG-UI event models, AI SDK chunk dicts). A hook never has to ask what is
open: the mapper closes reasoning before text and text before reasoning, closes both (and ends
unfinished tool calls) before the terminal item, and sends nothing after it.

Tool calls (:class:`ToolArgs`): a call starts at its first :class:`~partialjson.ToolCallProgress`
and its raw argument deltas stream as they come, so the client assembles the text the model
wrote. Three things can make that text wrong, and each has a rule:

* a :class:`~partialjson.SequenceGap` (events were lost): the open calls stop streaming; what
  the client has is still a prefix of the true text, and the release sends the rest;
* the done event's arguments replace deltas that were lost or differed (the lifecycle's
  ``_release``): at release the mapper compares the true text with what the client has; the
  rest is sent when it is a prefix, else the protocol corrects the call whole (see
  :meth:`ToolArgs.remainder`);
* a moderator or held fields: raw text cannot be moderated, so no argument text streams; the
  moderated arguments go out whole at release.

Both protocols key a call by its id: a call whose id is missing streams nothing until it has
one (the release then corrects it), and calls that share an id (a
:class:`~partialjson.ToolCallIdIssue` ``duplicate_id``) cannot be told apart by a client.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Generic, Optional, TypeVar

from ..lifecycle.updates import (
    Cancelled,
    CitationAdded,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    ItemCompleted,
    PartialUpdate,
    ReasoningDelta,
    RefusalDelta,
    Refused,
    SequenceGap,
    ServerToolCallUpdate,
    Started,
    ToolCall,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from .moderation import Moderator
from .patches import PatchEncoder, clean_text, dumps

__all__ = ["ToolArgs", "UpdateMapper", "source_of"]

logger = logging.getLogger("partialjson")

T = TypeVar("T")

#: The statuses after which a server-run tool changes no more.
FINAL_STATUSES = frozenset({"completed", "failed", "incomplete", "cancelled"})


class ToolArgs:
    """One tool call as the client has it: started, and the argument text sent so far."""

    __slots__ = ("call_id", "held", "name", "pieces")

    def __init__(self, call_id: str, name: str) -> None:
        self.call_id = call_id
        self.name = name
        self.pieces: list[str] = []  # the raw argument deltas sent
        self.held = False  # events were lost: stream no more, send the rest at release

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def remainder(self, arguments_json: str) -> Optional[str]:
        """What to send so that the client ends with ``arguments_json``: the rest of it when
        the client's text is a prefix, else ``None`` (the client's text cannot be extended
        into the truth).

        >>> call = ToolArgs("call_1", "f")
        >>> call.pieces += ['{"a"', ": 1"]
        >>> call.remainder('{"a": 1}'), call.remainder('{"b": 2}')
        ('}', None)
        """
        sent = self.text
        if not arguments_json.startswith(sent):
            return None
        return arguments_json[len(sent) :]


def source_of(citation: Any, number: int) -> Optional[dict[str, str]]:
    """A provider's citation as a neutral source a UI can show: ``{"id", "url", "title"}`` for
    a web page, ``{"id", "title", "filename", "mediaType"}`` for a document, ``None`` for what
    names neither. Only names and addresses go: cited text and provider ids stay behind.

    >>> source_of({"type": "url_citation", "url": "https://a.example", "title": "A"}, 1)
    {'id': 'source-1', 'url': 'https://a.example', 'title': 'A'}
    >>> source_of({"type": "file_citation", "file_id": "f_1", "filename": "q3.pdf"}, 2)
    {'id': 'source-2', 'title': 'q3.pdf', 'filename': 'q3.pdf', 'mediaType': 'application/pdf'}
    """
    if not isinstance(citation, Mapping):
        return None

    def text(*keys: str) -> Optional[str]:
        for key in keys:
            value = citation.get(key)
            if isinstance(value, str) and value:
                return clean_text(value)
        return None

    identity = f"source-{number}"
    url = text("url", "uri")
    title = text("title", "document_title")
    if url is not None and url.startswith(("https://", "http://")):
        source = {"id": identity, "url": url}
        if title is not None:
            source["title"] = title
        return source
    filename = text("filename")
    if filename is None and title is None:
        return None
    name = filename or title or ""
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    source = {"id": identity, "title": title or name}
    if filename is not None:
        source["filename"] = filename
    source["mediaType"] = media
    return source


def _choice_of(update: Update) -> Optional[int]:
    if isinstance(update, (ToolCallReady, ServerToolCallUpdate)):
        return update.call.choice
    choice = getattr(update, "choice", None)
    return choice if isinstance(choice, int) else None


class UpdateMapper(Generic[T]):
    """Updates in, a protocol's items out: the shared dispatch and bookkeeping (see the module
    docstring). Subclasses implement the hooks; :meth:`items` is the one entry point."""

    def __init__(
        self,
        *,
        choice: int,
        moderation: Optional[Moderator],
        hold_until_complete: Iterable[str],
    ) -> None:
        hold = tuple(hold_until_complete)
        self._encoder = PatchEncoder(moderation, hold)
        self._choice = choice
        self._raw_arguments = moderation is None and not hold
        self._tools: dict[str, ToolArgs] = {}  # calls started and not yet ended, by id
        self._started = False
        self._text_open = False
        self._text_sent = False
        self._reasoning_open = False
        self._reasonings = 0
        self._sources = 0
        self._live: Any = None  # the last partial value seen (live: updated in place)
        #: The answer's raw text, for an answer that is prose rather than JSON (sent as text
        #: when the response completes without a value); the encoders set it.
        self.free_text: Optional[Callable[[], str]] = None
        self.ended = False

    # -- dispatch -------------------------------------------------------------------------

    def items(self, update: Update) -> list[T]:
        """The protocol's items for one update (none for what a browser must not see)."""
        if self.ended:
            return []
        out = self._start_once()
        if isinstance(update, Started):
            return out
        choice = _choice_of(update)
        if choice is not None and choice != self._choice:
            return out
        if isinstance(update, PartialUpdate):
            self._live = update.value
            return out + self._partial(update.value, update.changed)
        if isinstance(update, FieldCompleted):
            return out + self._field_completed(update.path)
        if isinstance(update, RefusalDelta):
            return out + (self.text(update.delta) if update.delta else [])
        if isinstance(update, ReasoningDelta):  # a redacted block has nothing to show
            return out + (self._reason(update.delta) if update.delta else [])
        if isinstance(update, ToolCallProgress):
            return out + self._tool_progress(update)
        if isinstance(update, ToolCallReady):
            return out + self._tool_release(update.call)
        if isinstance(update, ToolCallRejected):
            call = self._tools.pop(update.call_id, None)
            return out + self._tool_rejected(update, call)
        if isinstance(update, SequenceGap):
            for call in self._tools.values():
                call.held = True
            return out
        if isinstance(update, ServerToolCallUpdate):
            return out + self._close_reasoning() + self._server_tool(update.call)
        if isinstance(update, CitationAdded):
            source = source_of(update.citation, self._sources + 1)
            if source is None:
                return out
            self._sources += 1
            return out + self._source(source)
        if isinstance(update, ItemCompleted):
            if self._encoder.hidden(update.path):
                return out
            item = self._encoder.outgoing(update.item, update.path)
            return out + self._item(update.index, update.path, item)
        return out + self._terminal(update)

    def _terminal(self, update: Update) -> list[T]:
        out: list[T] = []
        if isinstance(update, Completed):
            if update.value is None and self.free_text is not None and self.free_text():
                out += self.text(self.free_text())  # the answer was prose, not JSON
            out += self._close()
            out += self._finish(update.value)
        elif isinstance(update, (Incomplete, Failed)):
            out += self.error(type(update).__name__.lower(), update.reason)
        elif isinstance(update, Refused):
            if update.refusal and not self._text_sent:
                out += self.text(update.refusal)
            out += self.error("refused", update.reason)
        elif isinstance(update, Cancelled):
            out += self.cancelled()
        else:
            return []  # tool id issues...: not part of the protocols' model
        self.ended = True
        return out

    def error(self, status: str, reason: Optional[str]) -> list[T]:
        """End the run with an error: ``status`` is ``incomplete``, ``refused`` or ``failed``."""
        out = [*self._start_once(), *self._close(), *self._error(status, reason)]
        self.ended = True
        return out

    def cancelled(self) -> list[T]:
        out = [*self._start_once(), *self._close(), *self._cancelled()]
        self.ended = True
        return out

    def end_items(self, error: Optional[BaseException] = None) -> list[T]:
        """The source ran dry (or raised ``error``) before a terminal update."""
        if self.ended:
            return []
        if error is not None:
            logger.warning("the relayed stream raised %s: relayed as failed", type(error).__name__)
        return self.error("failed", "relay_error" if error is not None else "interrupted")

    def cancel_items(self) -> list[T]:
        """The browser went away, or the response was cancelled."""
        return [] if self.ended else self.cancelled()

    # -- messages -------------------------------------------------------------------------

    def _start_once(self) -> list[T]:
        if self._started:
            return []
        self._started = True
        return self._run_start()

    def text(self, delta: str) -> list[T]:
        out = self._close_reasoning()
        if not self._text_open:
            self._text_open = self._text_sent = True
            out += self._text_start()
        return out + self._text_delta(clean_text(delta))

    def _reason(self, delta: str) -> list[T]:
        out = self._close_text()
        if not self._reasoning_open:
            self._reasoning_open = True
            self._reasonings += 1
            out += self._reasoning_start(self._reasonings)
        return out + self._reasoning_delta(self._reasonings, clean_text(delta))

    def _close_text(self) -> list[T]:
        if not self._text_open:
            return []
        self._text_open = False
        return self._text_end()

    def _close_reasoning(self) -> list[T]:
        if not self._reasoning_open:
            return []
        self._reasoning_open = False
        return self._reasoning_end(self._reasonings)

    def _close(self) -> list[T]:
        """Close what is open before the terminal item: reasoning, text, and the tool calls
        whose arguments never completed."""
        out = [*self._close_reasoning(), *self._close_text()]
        calls, self._tools = list(self._tools.values()), {}
        for call in calls:
            out += self._tool_interrupted(call)
        return out

    # -- tool calls -----------------------------------------------------------------------

    def _tool_progress(self, update: ToolCallProgress) -> list[T]:
        if not update.call_id:  # no id yet: nothing a client could key it by
            return []
        out: list[T] = []
        call = self._tools.get(update.call_id)
        if call is None:
            call = self._tools[update.call_id] = ToolArgs(update.call_id, update.name)
            out += self._close_reasoning()
            out += self._tool_start(call)
        if update.delta and self._raw_arguments and not call.held:
            delta = clean_text(update.delta)
            call.pieces.append(update.delta)
            out += self._tool_args(call, delta)
        return out

    def _tool_release(self, ready: ToolCall) -> list[T]:
        out = self._close_reasoning()
        call = self._tools.pop(ready.call_id, None)
        if call is None:  # released with no progress shown: it starts now
            call = ToolArgs(ready.call_id, ready.name)
            out += self._tool_start(call)
        if self._raw_arguments:
            rest = call.remainder(ready.arguments_json)
        else:  # moderated: the arguments as the browser may see them, whole
            rest = dumps(self.outgoing_arguments(ready)).decode()
        if rest:
            call.pieces.append(rest)
            out += self._tool_args(call, clean_text(rest))
        return out + self._tool_ready(ready, call, corrected=rest is None)

    def outgoing_arguments(self, ready: ToolCall) -> Any:
        """A released call's arguments as plain data a browser may see."""
        return self._encoder.outgoing(ready.arguments, ("tool_calls",), True, False)

    # -- hooks: a protocol's items ---------------------------------------------------------

    def _run_start(self) -> list[T]:
        raise NotImplementedError

    def _partial(self, value: Any, changed: Iterable[Any]) -> list[T]:
        raise NotImplementedError

    def _field_completed(self, path: Any) -> list[T]:
        raise NotImplementedError

    def _text_start(self) -> list[T]:
        raise NotImplementedError

    def _text_delta(self, delta: str) -> list[T]:
        raise NotImplementedError

    def _text_end(self) -> list[T]:
        raise NotImplementedError

    def _reasoning_start(self, number: int) -> list[T]:
        raise NotImplementedError

    def _reasoning_delta(self, number: int, delta: str) -> list[T]:
        raise NotImplementedError

    def _reasoning_end(self, number: int) -> list[T]:
        raise NotImplementedError

    def _tool_start(self, call: ToolArgs) -> list[T]:
        raise NotImplementedError

    def _tool_args(self, call: ToolArgs, delta: str) -> list[T]:
        raise NotImplementedError

    def _tool_ready(self, ready: ToolCall, call: ToolArgs, corrected: bool) -> list[T]:
        """The call is released. ``corrected``: the client's argument text is not a prefix of
        the true text (``ready.arguments_json``): the protocol must put the truth in place."""
        raise NotImplementedError

    def _tool_rejected(self, update: ToolCallRejected, call: Optional[ToolArgs]) -> list[T]:
        """``call``: the started call, ``None`` when nothing of it was shown."""
        raise NotImplementedError

    def _tool_interrupted(self, call: ToolArgs) -> list[T]:
        raise NotImplementedError

    def _server_tool(self, call: ToolCall) -> list[T]:
        raise NotImplementedError

    def _source(self, source: dict[str, str]) -> list[T]:
        raise NotImplementedError

    def _item(self, index: int, path: Any, item: Any) -> list[T]:
        raise NotImplementedError

    def _finish(self, value: Any) -> list[T]:
        raise NotImplementedError

    def _error(self, status: str, reason: Optional[str]) -> list[T]:
        raise NotImplementedError

    def _cancelled(self) -> list[T]:
        raise NotImplementedError

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
from _thread import LockType
from collections.abc import Mapping
from contextlib import suppress
from typing import Any, Final, Optional, Union

from pydantic_core import from_json

try:  # the standard library's decoder of one JSON string, as json.loads uses it
    from _json import scanstring
except ImportError:  # pragma: no cover (an interpreter without the C accelerator)
    scanstring = json.decoder.scanstring  # type: ignore[attr-defined]

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

    __slots__ = (  # one per open stream: no instance dict (in the pure build) to visit
        "_last_event",
        "_last_text",
        "_max_sse_size",
        "_sse",
        "_template",
        "_templates_left",
        "delta",
        "error",
    )

    def __init__(self, max_sse_size: int = DEFAULT_MAX_SIZE) -> None:
        self._sse: Optional[SSEDecoder] = None
        self._max_sse_size = max_sse_size
        self.error: Optional[ProtocolError] = None
        # The last event's text around its delta, to read the next one by (see _Template).
        self._template: Optional[_Template] = None
        self._templates_left = _TEMPLATES  # templates that may still be made and not confirmed
        # The last event, if it did not fit the template: made a template of when the next
        # one comes (most streams of one event never pay for it).
        self._last_text: Optional[str] = None
        self._last_event: Optional[dict[str, Any]] = None
        #: The delta of the last item :meth:`read_delta` left unread.
        self.delta = ""

    def read_delta(self, item: Any) -> Optional[list[Mapping[str, Any]]]:
        """:meth:`read`, except for the usual item, a chunk of one SSE event that fits the
        confirmed template (see :class:`_Template`): ``None`` then, its delta in :attr:`delta`
        (its event is ``template.event(delta)``, made only if wanted)."""
        if type(item) is bytes:
            template = self._template
            sse = self._sse
            if (
                template is not None
                and template.confirmed
                and sse is not None
                and self.error is None
                and template.framed_head is not None
                and template.framed_tail is not None
            ):
                # The usual chunk: one SSE event that is the template's around a new delta,
                # the delta alone decoded and read (see SSEDecoder.feed_framed).
                middle = sse.feed_framed(item, template.framed_head, template.framed_tail)
                if middle is not None:
                    leaf = template.middle_leaf(middle)
                    if leaf is not None:
                        self.delta = leaf
                        return None
                    # Fed, but not a fit: read as any event's data.
                    return self._all_data([template.head + middle + template.tail], True)
            return self._feed(item, True)
        return self.read(item)

    def read(self, item: Any) -> list[Mapping[str, Any]]:
        if type(item) is bytes:  # the usual: the next chunk of an HTTP body
            return self._feed(item, False) or []
        if type(item) is not dict and isinstance(item, (bytearray, memoryview, str)):
            return self._feed(item if isinstance(item, str) else bytes(item), False) or []
        if isinstance(item, Mapping):
            return [item]
        if isinstance(item, ServerSentEvent) or (hasattr(item, "data") and hasattr(item, "event")):
            return self._all_data([item.data]) or []
        dump = getattr(item, "to_dict", None) or getattr(item, "model_dump", None)
        if callable(dump):
            data = dump()
            if isinstance(data, Mapping):
                return [data]
        self.error = ProtocolError(f"cannot read a provider event from {type(item).__name__}")
        return []

    def _feed(self, chunk: Union[bytes, str], lazy: bool) -> Optional[list[Mapping[str, Any]]]:
        sse = self._sse
        if sse is None:
            sse = self._sse = SSEDecoder(
                max_line_size=self._max_sse_size, max_event_size=self._max_sse_size
            )
        try:
            data = sse.feed_one(chunk)
        except EventTooLarge as error:
            data = [event.data for event in error.events]
            self.error = ProtocolError(str(error), "sse")
        except TypeError as error:  # str and bytes mixed in one body
            data, self.error = [], ProtocolError(str(error), "sse")
        if not isinstance(data, str):
            return self._all_data(data, lazy)
        template = self._template
        if lazy and template is not None and template.confirmed and self.error is None:
            # The usual item: one whole SSE event (no list made for it) that fits the
            # template (what _all_data would find, in short).
            leaf = template.leaf(data)
            if leaf is not None:
                self.delta = leaf
                return None
        return self._all_data([data], lazy)

    def close(self) -> list[Mapping[str, Any]]:
        if self._sse is None or self.error is not None:
            return []
        events = self._sse.close()
        if self._sse.discarded_tail:
            logger.info("discarded an unterminated last SSE event (the WHATWG rule)")
        return self._all_data([event.data for event in events]) or []

    def _all_data(self, texts: list[Any], lazy: bool = False) -> Optional[list[Mapping[str, Any]]]:
        """The provider events of SSE events' data (``str``, or whatever an SSE event object
        of another library holds), up to the first that is not one; ``lazy``: ``None`` for
        one that fits the confirmed template (see :meth:`read_delta`)."""
        out: list[Mapping[str, Any]] = []
        for text in texts:
            if type(text) is str and text.startswith("{"):  # the usual: one JSON object
                template = self._template
                last = self._last_text
                if last is not None and self._last_event is not None:
                    template = self._template = _template(last, self._last_event)
                    self._last_text = self._last_event = None
                leaf = template.leaf(text) if template is not None else None
                if leaf is not None and template is not None and template.confirmed:
                    if lazy and len(texts) == 1 and self.error is None:  # the usual delta
                        self.delta = leaf
                        return None
                    out.append(template.event(leaf))  # no parse
                    continue
                try:
                    parsed = from_json(text)
                except Exception:  # refused: decided below, as by json.loads
                    parsed = None
                if type(parsed) is dict:
                    out.append(parsed)
                    if leaf is None:
                        self._learn(text, parsed)
                    elif template is not None and not template.check(leaf, parsed):
                        self._learn(text, parsed)  # disproved (see _Template): not used
                    continue
            data = self._sse_data(text)
            if data is None:
                break
            out.append(data)
        return out

    def _learn(self, text: str, event: dict[str, Any]) -> None:
        """Make the template of an event that did not fit the last one's (a stream whose events
        never fit, such as Gemini's with their changing token counts, stops being asked)."""
        template = self._template
        if template is not None and not template.confirmed:
            self._templates_left -= 1
        self._template = None
        if self._templates_left > 0:
            self._last_text, self._last_event = text, event

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


#: How many templates a response may make that no later event confirms, before it stops making
#: them (its events do not follow one pattern).
_TEMPLATES: Final = 4
#: The delta a template reads: Chat Completions' ``choices[0].delta.content``, for now (Anthropic
#: pads each event with a run of spaces of its own inside the object, after the delta;
#: Responses events number themselves and carry an ``obfuscation`` string).
_KEY: Final = '"content"'
_JSON_SPACE: Final = " \t\n\r"
#: ``str.isprintable``, called as a function: the compiled build then skips looking it up.
_isprintable: Final = str.isprintable
#: (Final: the compiled build calls it without looking it up.)
_scanstring: Final = scanstring


class _Template:
    """The text of a delta event around its delta (a JSON string), and the event it parsed to.

    The events of a delta stream differ from one another in the delta only (Chat Completions
    chunks repeat the id, model, creation time and fingerprint), so the next event is read by
    comparing its text with the last one's around the delta, and decoding the delta alone,
    rather than by parsing it whole.

    Why that gives exactly what parsing gives. The template's event is ``head + s + tail``:
    ``s`` a JSON string whose opening quote ends the head and whose closing quote starts the
    tail (trailing JSON whitespace aside, which a parser skips). An event ``head + s2 + tail``
    (plus any trailing JSON whitespace) where the string that starts at the head's quote ends,
    as the standard library's ``scanstring`` decodes it, exactly at the tail's quote, is lexed
    as the same tokens as the template but ``s2`` for ``s``: lexing goes left to right, the
    head is the same text read from the same state, ``s2`` ends at its first unescaped quote
    as ``s`` did, and the lexer is then in the same state as after ``s``, before the same
    tail. The same tokens but one string give the same value but what that string becomes:
    the template's value with the new string as its delta, *provided that* the string token
    is the one its delta (``choices[0].delta.content``) comes from (not a key, not a member
    that a later duplicate key replaces, not text inside another string). That one thing is
    not assumed: a template is *confirmed* only by the first event that fits it with another
    delta, parsed whole and found to be exactly the template's value with that delta (a
    token that fed nothing, or another place, or sat inside another string, would not give
    that); until
    then, and after any event that does not fit, events are parsed whole as before. Decoding
    a string, ``scanstring`` is ``json.loads``'s own decoder, so it agrees with
    ``json.loads``, and with pydantic-core's ``from_json`` wherever that accepts the string (a
    lone surrogate escape, which ``from_json`` refuses, is decided by ``json.loads``: by
    ``scanstring`` too). tests/test_sse_templates.py checks it against ``from_json``.
    """

    __slots__ = (
        "choice",
        "confirmed",
        "delta",
        "framed_head",
        "framed_tail",
        "head",
        "outer",
        "tail",
        "text",
    )

    def __init__(self, head: str, tail: str, text: str, value: dict[str, Any]) -> None:
        self.head = head  # up to the delta's opening quote
        self.tail = tail  # from the delta's closing quote, trailing whitespace left out
        self.text = text  # the template's delta
        # What the template's event parsed to (its one choice's delta holds the text: see
        # _template), as three dicts of its own: the event's with None for its choices, the
        # choice's with None for its delta, and the delta's. :meth:`event` fills copies of
        # them in. Dicts of scalars (as these usually are) are never visited by the garbage
        # collector, when made anew like this, where the event's own dicts and list of
        # choices would be, for as long as the stream is open.
        choices: list[Any] = value["choices"]
        choice: dict[str, Any] = choices[0]
        self.outer = {key: None if key == "choices" else item for key, item in value.items()}
        self.choice = {key: None if key == "delta" else item for key, item in choice.items()}
        self.delta: dict[str, Any] = {key: item for key, item in choice["delta"].items()}
        self.confirmed = False
        # The usual SSE chunk of such an event, around the delta, as bytes (for
        # SSEDecoder.feed_framed); None if the text has no UTF-8 (a lone surrogate).
        self.framed_head: Optional[bytes] = None
        self.framed_tail: Optional[bytes] = None
        with suppress(UnicodeEncodeError):
            self.framed_head = b"data: " + head.encode("utf-8")
            self.framed_tail = tail.encode("utf-8") + b"\n\n"

    def leaf(self, text: str) -> Optional[str]:
        """The delta of an event that fits the template; ``None`` if it does not."""
        if not text.startswith(self.head):
            return None
        tail = self.tail
        if text.endswith(tail):  # the usual: no trailing whitespace
            end = len(text) - len(tail)
        else:  # trailing whitespace, which a parser skips
            stripped = text.rstrip(_JSON_SPACE)
            if not stripped.endswith(tail):
                return None
            end = len(stripped) - len(tail)
        start = len(self.head)
        if end < start:  # (the head and tail overlap: no string between them)
            return None
        # A delta of plain characters (no quote, no backslash, printable: no control
        # character, which JSON refuses in a string) is the string's text as it is: found so
        # without a call of scanstring (in the compiled build, a call costs more than these
        # tests; any other delta, with escapes, is left to scanstring).
        piece = text[start:end]
        if "\\" not in piece and '"' not in piece and _isprintable(piece):
            return piece
        try:
            leaf, stop = _scanstring(text, start)
        except ValueError:  # a control character, a bad escape: the parser says what
            return None
        return leaf if stop == end + 1 else None  # the string ends at the tail's quote

    def middle_leaf(self, middle: str) -> Optional[str]:
        """:meth:`leaf` of the event ``head + middle + tail`` (as :meth:`SSEDecoder.feed_framed
        <partialjson.SSEDecoder.feed_framed>` finds it), without making its text."""
        if "\\" not in middle:
            if '"' not in middle and _isprintable(middle):
                return middle  # (see leaf())
        else:
            # The other usual delta, of JSON text: plain characters and escaped quotes. With
            # them unescaped, no backslash is left (each one escaped a quote) and every quote
            # was escaped (as many as were unescaped): the string is that text.
            text = middle.replace('\\"', '"')
            if (
                "\\" not in text
                and text.count('"') == len(middle) - len(text)
                and _isprintable(text)
            ):
                return text
        # The string as the event holds it, between the head's quote and the tail's: decoded
        # alone, scanstring reads the same characters, and stops where it would in the event.
        try:
            leaf, stop = _scanstring(f'"{middle}"', 1)
        except ValueError:
            return None
        return leaf if stop == len(middle) + 2 else None

    def event(self, leaf: str) -> dict[str, Any]:
        """The template's event with ``leaf`` as its delta: new dicts (and list) on the way
        to it, the rest shared with the template's event, which is never changed."""
        event = self.outer.copy()  # (the keys in the event's order: copies of a dict keep it)
        choice = self.choice.copy()
        delta = self.delta.copy()
        delta["content"] = leaf
        choice["delta"] = delta
        event["choices"] = [choice]
        return event

    def check(self, leaf: str, parsed: dict[str, Any]) -> bool:
        """Confirm the template by an event that fits it, parsed whole (see the class);
        ``False`` if the event disproves it."""
        if leaf == self.text:  # the same delta again: it tells nothing
            return True
        self.confirmed = parsed == self.event(leaf)
        return self.confirmed


def _template(text: str, event: dict[str, Any]) -> Optional[_Template]:
    """The template of an event whose delta lies where a Chat Completions chunk's does."""
    choices = event.get("choices")
    if type(choices) is not list or len(choices) != 1 or type(choices[0]) is not dict:
        return None
    choice: dict[str, Any] = choices[0]
    delta = choice.get("delta")
    if type(delta) is not dict or type(delta.get("content")) is not str:
        return None
    start = _value_at(text)
    if start < 0:
        return None
    try:
        leaf, stop = _scanstring(text, start)
    except ValueError:
        return None
    if leaf != delta["content"]:  # not the member the delta came from: verified anyway
        return None
    return _Template(text[:start], text[stop - 1 :].rstrip(_JSON_SPACE), leaf, event)


def _value_at(text: str) -> int:
    """Where the string value of the first ``"content"`` member of ``text`` starts (after its
    opening quote); -1 if there is none."""
    size = len(text)
    at = text.find(_KEY)
    while at >= 0:
        i = at + len(_KEY)
        while i < size and text[i] in _JSON_SPACE:
            i += 1
        if i < size and text[i] == ":":
            i += 1
            while i < size and text[i] in _JSON_SPACE:
                i += 1
            if i < size and text[i] == '"':
                return i + 1
        at = text.find(_KEY, at + 1)
    return -1


#: Steps.events before any item set it: one list shared by all (never changed: each item that
#: leaves events sets its own), so that no empty list per stream waits for the collector.
_NO_EVENTS: Final[list[Mapping[str, Any]]] = []


class Steps:
    """One response's source items applied to its machine: the updates each item causes.

    The usual item holds one event, applied by one call to :meth:`item`. An item holding
    several events (a chunk of a body, a whole body) or a bad one is left to the caller, who
    applies its :attr:`events` one by one with :meth:`event` (a sync loop yields each event's
    updates before applying the next one) or all at once with :meth:`apply`.
    """

    __slots__ = (  # one per open stream: no instance dict (in the pure build) to visit
        "_text_choice",
        "_text_kind",
        "_text_template",
        "events",
        "lock",
        "machine",
        "reader",
    )

    def __init__(self, machine: Lifecycle, max_sse_size: int = DEFAULT_MAX_SIZE) -> None:
        self.machine = machine
        self.reader = EventReader(max_sse_size)
        #: The events of the last item :meth:`item` did not apply itself.
        self.events: list[Mapping[str, Any]] = _NO_EVENTS
        #: Held while :meth:`item` reads and applies (a sync stream's: its cancel() from
        #: another thread waits for the step to end).
        self.lock: Optional[LockType] = None
        # The reader's template whose events the machine applies as text alone (see _delta),
        # with their type and choice; None while there is none, and after any other event.
        self._text_template: Optional[_Template] = None
        self._text_kind: Any = None
        self._text_choice = 0

    def item(self, item: Any) -> Optional[list[Update]]:
        """The updates of an item that holds at most one event; ``None`` for one that holds
        several, or a bad one: then its events are in :attr:`events`, not applied yet."""
        lock = self.lock
        if lock is None:
            return self._item(item)
        # acquire() and release() rather than `with`: two method calls instead of looking up
        # and calling __enter__ and __exit__ (a third of that in the compiled build).
        lock.acquire()
        try:
            return self._item(item)
        finally:
            lock.release()

    def _item(self, item: Any) -> Optional[list[Update]]:
        reader = self.reader
        events = reader.read_delta(item)
        if events is None:  # the usual: one delta event that fits the reader's template
            return self._delta(reader.delta)
        self._text_template = None  # the machine's state may change: asked again
        if reader.error is None and len(events) <= 1:
            return self.machine.handle(events[0]) if events else []
        self.events = events
        return None

    def _delta(self, text: str) -> list[Update]:
        """The updates of the event of the reader's template with ``text`` as its delta.

        Once the machine has said that such an event only adds its delta to a choice's text
        (``Lifecycle.text_only``: no other signal, no sequence number...), the next ones of
        the same template go to ``Lifecycle.text_event`` with no event made: until another
        event is applied, nothing that decides it changes (the adapter's and the machine's
        state are changed only by other events)."""
        machine = self.machine
        template = self.reader._template
        if template is self._text_template:
            return machine.text_event(self._text_kind, self._text_choice, text)
        assert template is not None  # (read_delta returned None: it fitted one)
        event = template.event(text)
        updates = machine.handle(event)
        choice = machine.text_only(event)
        self._text_template = template if choice is not None else None
        self._text_kind, self._text_choice = event.get("type", "chunk"), choice or 0
        return updates

    def event(self, data: Mapping[str, Any]) -> list[Update]:
        """The updates of one event of :attr:`events`."""
        self._text_template = None
        return self.machine.handle(data)

    def error(self) -> list[Update]:
        """The updates of the reader's error, if any (after the events before it)."""
        error = self.reader.error
        return self.machine.protocol_error(error) if error is not None else []

    def apply(self, events: list[Mapping[str, Any]]) -> list[Update]:
        """The updates of ``events`` and of the reader's error, all at once."""
        machine = self.machine
        updates: list[Update] = []
        self._text_template = None
        for data in events:
            updates += machine.handle(data)
        return updates + self.error()

    def updates(self, item: Any) -> list[Update]:
        """The updates of one item, all at once."""
        updates = self.item(item)
        return self.apply(self.events) if updates is None else updates

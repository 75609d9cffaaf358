"""The invariants every fuzz target checks, shared by the atheris targets and the CI tests.

Each ``check_*`` function takes plain inputs (bytes, split points, options) and raises
:class:`InvariantViolation` (an ``AssertionError``) when partialjson breaks one of the laws below.
Any *other* exception escaping a check is an undocumented error escaping partialjson itself,
which is a defect too. The laws, on every input:

* only documented errors escape: :class:`~partialjson.ParseError` /
  :class:`~partialjson.IncompleteJSONError` from the parsers, pydantic's ``ValidationError``
  from :meth:`TypedParser.finish`, ``TypeError`` for mixed ``str``/``bytes`` SSE input; nothing
  at all from iterating a response stream over dict events or SSE bytes, or from the relay;
* any split of the input gives the same outcome (value, error type and position, typed view,
  SSE events, response state);
* an accepted complete document equals :func:`json.loads` (and a document ``json.loads``
  accepts is accepted, apart from the documented differences: ``NaN``/``Infinity``, nesting
  deeper than ``max_depth``);
* relay output is valid JSON that rebuilds the value.

Time and memory linearity are checked by :mod:`fuzz.scaling` and ``tests/test_resources.py``
(a per-input check would make every fuzz iteration slow) and by libFuzzer's ``-timeout`` and
``-rss_limit_mb`` in the long runs.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from partialjson import (
    ParseError,
    Parser,
    PartialUpdate,
    SSEDecoder,
    TypedParser,
    relay,
    stream,
)
from partialjson.lifecycle.updates import ResponseState
from partialjson.web.patches import apply_patch, jsonable
from partialjson.web.wire import TERMINAL_EVENTS

__all__ = [
    "InvariantViolation",
    "check_parser",
    "check_relay",
    "check_sse",
    "check_stream",
    "check_typed",
    "cut",
]


class InvariantViolation(AssertionError):
    """partialjson broke one of the fuzzing laws (the message says which)."""


def cut(data: Any, points: Sequence[int]) -> list[Any]:
    """Split ``data`` (str or bytes) at the given offsets (out-of-range ones are ignored)."""
    bounds = [0, *sorted({p for p in points if 0 < p < len(data)}), len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def same(a: Any, b: Any) -> bool:
    """Equality that also compares JSON types (``1``, ``1.0`` and ``True`` differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@contextlib.contextmanager
def deep() -> Iterator[None]:
    """Room for the harness's own recursion (deepcopy, repr, ==) over values nested up to the
    parser's max_depth of 1000, which Python's default recursion limit cannot walk."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _fail(law: str, **facts: Any) -> InvariantViolation:
    details = "; ".join(f"{k}={v!r}"[:600] for k, v in facts.items())
    return InvariantViolation(f"{law}: {details}")


# ---------------------------------------------------------------------------------- Parser

#: The documented reasons json.loads and Parser may disagree on a complete document.
_NONSTANDARD = re.compile(rb"NaN|Infinity")


def _depth(data: bytes) -> int:
    depth = best = 0
    for byte in data:
        if byte in b"[{":
            depth += 1
            best = max(best, depth)
        elif byte in b"]}":
            depth -= 1
    return best


def parser_outcome(chunks: Sequence[Any], options: dict[str, Any]) -> tuple[Any, ...]:
    """Feed the chunks and close: ``("ok", value)`` or ``(error class, msg, pos, line, col,
    value so far)``. Only the parser's documented errors are caught."""
    parser = Parser(**options)
    try:
        for chunk in chunks:
            parser.feed(chunk)
        return ("ok", parser.close())
    except ParseError as error:  # IncompleteJSONError included
        if not isinstance(error, json.JSONDecodeError):
            raise _fail("ParseError is not a JSONDecodeError", error=error) from None
        return (
            type(error).__name__,
            error.msg,
            error.pos,
            error.lineno,
            error.colno,
            _snapshot(parser.value),
        )


def _snapshot(value: Any) -> Any:
    with deep():
        return copy.deepcopy(value)


def _same_outcome(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    with deep():
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))


def _compare(label: str, whole: tuple[Any, ...], other: tuple[Any, ...], **facts: Any) -> None:
    if _same_outcome(whole, other):
        return
    if (
        facts.get("options", {}).get("partial_numbers")
        and whole[0] != "ok"
        and _same_outcome(whole[:-1], other[:-1])
    ):
        raise _fail(
            "the partial_numbers value after an error depends on the split",
            whole=whole,
            other=other,
            **facts,
        )
    raise _fail(f"{label} changes the Parser outcome", whole=whole, other=other, **facts)


def _mixed_outcome(data: bytes, points: Sequence[int], options: dict[str, Any]) -> Any:
    """Bytes and str chunks alternating: the same outcome, or a TypeError at the first switch."""
    chunks: list[Any] = []
    for k, chunk in enumerate(cut(data, points)):
        if k % 2:
            with contextlib.suppress(UnicodeDecodeError):
                chunk = chunk.decode("utf-8")
        chunks.append(chunk)
    if all(isinstance(c, bytes) for c in chunks):
        return None
    try:
        return parser_outcome(chunks, options)
    except TypeError:
        return "TypeError"


def check_parser(data: bytes, points: Sequence[int], options: dict[str, Any]) -> tuple[Any, ...]:
    """The Parser laws for one input: split invariance (bytes and text, any cut) and agreement
    with json.loads. Returns the whole-input outcome."""
    whole = parser_outcome([data], options)
    facts = {"data": data[:200], "options": options}
    _compare("a split", whole, parser_outcome(cut(data, points), options), points=points, **facts)
    one_by_one = parser_outcome([data[i : i + 1] for i in range(len(data))], options)
    _compare("byte-at-a-time", whole, one_by_one, **facts)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not text.startswith("\ufeff"):
        _compare("feeding str", whole, parser_outcome(cut(text, points), options), **facts)
    mixed = _mixed_outcome(data, points, options)
    if mixed is not None and mixed != "TypeError":
        with deep():
            if not _same_outcome(whole, mixed):
                raise _fail(
                    "mixing str and bytes feeds changes the outcome (neither exact nor "
                    "a TypeError)",
                    whole=whole,
                    mixed=mixed,
                    points=points,
                    **facts,
                )
    if options.get("lenient") or options.get("multiple_values") or options.get("parse_float"):
        return whole
    reference = _json_loads(data)
    max_size = options.get("max_size")
    if max_size is not None and text is not None and len(text) > max_size:
        if whole[0] == "ok":
            raise _fail("a document over max_size was accepted", size=len(text))
        return whole
    if whole[0] == "ok":
        if reference[0] != "ok":
            raise _fail("Parser accepted what json.loads rejects", data=data, json=reference[1])
        if not same(whole[1], reference[1]):
            raise _fail("accepted value differs from json.loads", parser=whole[1], json=reference)
    elif reference[0] == "ok":
        depth_limited = _depth(data) > options.get("max_depth", 1000)
        if not (_NONSTANDARD.search(data) or depth_limited):
            raise _fail("Parser rejected what json.loads accepts", data=data, parser=whole)
    return whole


def _json_loads(data: bytes) -> tuple[str, Any]:
    """json.loads on the UTF-8 text (a leading BOM allowed, as for bytes); errors as values."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return ("error", error)
    try:
        return ("ok", json.loads(text))
    except (ValueError, RecursionError) as error:
        return ("error", error)


# ---------------------------------------------------------------------------------- TypedParser


def typed_outcome(type_: Any, chunks: Sequence[Any], options: dict[str, Any]) -> tuple[Any, ...]:
    """Feed a TypedParser; return what a caller can see: the view, statuses, issues, outcome."""
    typed: TypedParser[Any] = TypedParser(type_, **options)
    result: tuple[Any, ...]
    try:
        for chunk in chunks:
            typed.feed(chunk)
    except ParseError as error:
        result = ("feed-error", type(error).__name__, error.pos, error.msg)
    else:
        try:
            result = ("final", repr(typed.finish()))
        except ParseError as error:
            result = ("finish-error", type(error).__name__, error.pos, error.msg)
        except ValidationError as error:
            result = ("invalid", error.error_count(), _errors(error))
    issues = sorted((repr(i.path), i.message) for i in typed.issues)
    status = sorted((repr(path), typed.status(path).value) for path in _paths(typed.parser.value))
    with deep():
        before = repr(typed.partial)
        _ = typed.parser.value  # reading the raw value brings a lagging string slot up to date
        view = repr(typed.partial)
    if before != view:
        raise _fail(
            "the typed view shows a stale string until parser.value is read",
            before=before,
            after=view,
        )
    return (*result, view, issues, status)


def _errors(error: ValidationError) -> str:
    """A validation error's details, with bytes inputs read as text (see ``check_typed``)."""
    details = error.errors(include_url=False)
    for detail in details:
        if isinstance(detail.get("input"), bytes):
            detail["input"] = detail["input"].decode("utf-8", "surrogateescape")
    return repr(details)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path of a (raw, partial) JSON value, outermost first, without recursion limits."""
    stack = [(path, value)]
    while stack:
        here, node = stack.pop()
        yield here
        if isinstance(node, dict):
            stack.extend(((*here, key), child) for key, child in node.items())
        elif isinstance(node, list):
            stack.extend(((*here, index), child) for index, child in enumerate(node))


def check_typed(
    type_: Any, data: bytes, points: Sequence[int], options: dict[str, Any]
) -> tuple[Any, ...]:
    """The TypedParser laws: split invariance of everything a caller reads, and finish() agrees
    with pydantic's validate_json on the same text."""
    whole = typed_outcome(type_, [data], options)
    split = typed_outcome(type_, cut(data, points), options)
    if whole != split:
        raise _fail(
            "split changes the TypedParser outcome",
            whole=whole,
            split=split,
            options=options,
            points=points,
        )
    if whole[0] in ("final", "invalid") and not options:
        # A leading BOM is accepted, as Parser accepts it (issue 8); pydantic is given the text
        # without it. Error inputs are compared without their type (finish() validates the
        # received text as str, validate_json here is given the bytes).
        text = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
        try:
            reference: tuple[Any, ...] = ("final", repr(TypeAdapter(type_).validate_json(text)))
        except ValidationError as error:
            reference = ("invalid", error.error_count(), _errors(error))
        if whole[: len(reference)] != reference:
            raise _fail("finish() differs from validate_json", typed=whole, pydantic=reference)
    return whole


# ---------------------------------------------------------------------------------- SSE

_LINE_END = re.compile(r"\r\n|\r|\n")


def reference_sse(data: bytes) -> tuple[list[tuple[str, str, str, Any]], str, Any, bool]:
    """A direct, whole-input reading of the WHATWG event-stream rules, to compare with."""
    text = data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = _LINE_END.split(text)
    tail = lines.pop()  # the text after the last line end: not a complete line
    events: list[tuple[str, str, str, Any]] = []
    buffer: list[str] = []
    kind, last_id, retry = "", "", None
    for line in lines:
        if not line:
            if buffer:
                events.append(("\n".join(buffer), kind or "message", last_id, retry))
            buffer, kind = [], ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            buffer.append(value)
        elif name == "event":
            kind = value
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and value and all(c in "0123456789" for c in value):
            retry = int(value)
    return events, last_id, retry, bool(buffer or tail)


def _decode_sse(chunks: Sequence[Any]) -> tuple[Any, ...]:
    decoder = SSEDecoder()
    events = [e for chunk in chunks for e in decoder.feed(chunk)] + decoder.close()
    plain = [(e.data, e.event, e.id, e.retry) for e in events]
    return plain, decoder.last_event_id, decoder.retry, decoder.discarded_tail


def check_sse(data: bytes, points: Sequence[int]) -> None:
    """SSEDecoder laws: any split (bytes or text) gives the events of the whole-input reading of
    the spec; mixing str and bytes is a TypeError."""
    expected = reference_sse(data)
    for label, chunks in (
        ("whole", [data]),
        ("split", cut(data, points)),
        ("text split", cut(data.decode("utf-8", "replace"), points)),
    ):
        got = _decode_sse(chunks)
        if got != expected:
            raise _fail(f"SSEDecoder ({label}) differs from the spec", got=got, spec=expected)
    if len(data) > 1:
        decoder = SSEDecoder()
        decoder.feed(data[:1])
        try:
            decoder.feed(data[1:].decode("utf-8", "replace"))
        except TypeError:
            pass
        else:
            raise _fail("mixed str and bytes SSE input was accepted")


# ---------------------------------------------------------------------------------- stream()


def stream_outcome(source: Any, type_: Any = None, **options: Any) -> dict[str, Any]:
    """Iterate stream() over a source; what a caller can read afterwards."""
    response = stream(source, type_, **options)
    updates = list(response)
    state = response.state
    outcome: dict[str, Any] = {
        "updates": [type(u).__name__ for u in updates],
        "state": state.value,
        "reason": response.reason,
        "text": response.text,
        "partial": _fresh_partial(response),
        "calls": [
            (c.call_id, c.name, repr(c.arguments), c.arguments_json) for c in response.tool_calls
        ],
    }
    if not state.terminal:
        raise _fail("the stream ended in a non-terminal state", state=state)
    kinds = outcome["updates"]
    if sum(k in _TERMINAL_UPDATES for k in kinds) != 1 or kinds[-1] not in _TERMINAL_UPDATES:
        raise _fail("not exactly one terminal update, last", updates=kinds)
    if state is ResponseState.COMPLETED:
        try:
            outcome["final"] = repr(response.final)
        except Exception as error:  # FinalValueError: a completed response without a value
            outcome["final"] = type(error).__name__
    else:
        try:
            final = response.final
        except Exception:
            pass
        else:
            raise _fail("a final value from a response that did not complete", final=final)
    for call in response.tool_calls:  # no tool types are registered: arguments are JSON
        try:
            raw = json.loads(call.arguments_json)
        except ValueError as error:
            raise _fail("a tool call released with invalid arguments", call=call) from error
        if not same(call.arguments, raw):
            raise _fail("released arguments differ from json.loads", call=call, json=raw)
    outcome["_updates"] = updates
    return outcome


def _fresh_partial(response: Any) -> str:
    """The partial value's repr (typed views are checked for staleness in ``typed_outcome``)."""
    with deep():
        return repr(response.partial)


_TERMINAL_UPDATES = frozenset({"Completed", "Incomplete", "Refused", "Failed", "Cancelled"})


def to_sse(events: Sequence[dict[str, Any]]) -> bytes:
    """Frame dict events as an SSE body, as a provider sends them."""
    out = []
    for event in events:
        name = event.get("type")
        printable = isinstance(name, str) and name.isascii() and name.isprintable()
        head = f"event: {name}\n" if printable else ""
        out.append(head + "data: " + json.dumps(event) + "\n\n")
    return "".join(out).encode()


def _comparable(outcome: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in outcome.items() if not k.startswith("_")}


def check_stream(
    events: Sequence[dict[str, Any]], points: Sequence[int], type_: Any = None
) -> dict[str, Any]:
    """stream() laws: nothing escapes iteration over dict events; a terminal state; a final value
    only when completed, equal to json.loads of the text; tool calls only with valid arguments;
    the same outcome from the events framed as SSE bytes in any chunking."""
    from_dicts = stream_outcome(list(events), type_)
    if type_ is None and from_dicts["state"] == "completed" and "final" in from_dicts:
        text = from_dicts["text"]
        try:
            expected = json.loads(text)
        except ValueError as error:
            if from_dicts["final"] != "FinalValueError":
                raise _fail("a final value from invalid JSON text", text=text) from error
        else:
            if from_dicts["final"] != repr(expected) and from_dicts["final"] != "FinalValueError":
                raise _fail("final differs from json.loads", text=text, final=from_dicts["final"])
    body = to_sse(events)
    from_sse = stream_outcome(cut(body, points), type_)
    if _comparable(from_sse) != _comparable(from_dicts):
        raise _fail(
            "SSE framing changes the stream outcome",
            dicts=_comparable(from_dicts),
            sse=_comparable(from_sse),
        )
    return from_dicts


# ---------------------------------------------------------------------------------- relay()


def check_relay(updates: Sequence[Any]) -> list[tuple[str, Any]]:
    """relay() laws: every chunk is one SSE event with an id whose data is valid JSON; exactly
    one terminal event, last; applying the patches in order rebuilds the last partial value of
    choice 0 (as the relay makes it JSON: ``jsonable``), and ``completed`` carries the value."""
    decoded: list[tuple[str, Any]] = []
    rebuilt: Any = None
    with deep():
        chunks = list(relay(updates, heartbeat=None))
    for chunk in chunks:
        events = _decode_sse([chunk])[0]
        if len(events) != 1 or not chunk.startswith(b"id: ") or not chunk.endswith(b"\n\n"):
            raise _fail("relay chunk is not exactly one SSE event with an id", chunk=chunk)
        data, name = events[0][0], events[0][1]
        try:
            payload = json.loads(data)
        except ValueError as error:
            raise _fail("relay data is not valid JSON", chunk=chunk) from error
        if name == "patch":
            with deep():
                rebuilt = apply_patch(rebuilt, payload)
        decoded.append((name, payload))
    names = [name for name, _ in decoded]
    terminals = [name for name in names if name in TERMINAL_EVENTS]
    if terminals != names[-1:] or len(terminals) != 1:
        raise _fail("relay does not end with exactly one terminal event", events=names)
    partials = [u for u in updates if isinstance(u, PartialUpdate) and u.choice == 0]
    if partials and _is_plain_json(partials[-1].value):
        with deep():
            expected = jsonable(partials[-1].value)
        if not same(rebuilt, expected):
            raise _fail("relayed patches do not rebuild the value", rebuilt=rebuilt, value=expected)
    return decoded


def _is_plain_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain_json(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain_json(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))

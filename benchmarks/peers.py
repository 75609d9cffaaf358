"""The parsers the suite compares, each used the way its documentation recommends for streaming.

Each peer has two entry points over the same calls: ``run(deltas)`` feeds every delta, reads the
partial value after each one (what a live UI does) and returns the final value — the timed loop,
kept tight so the harness costs nothing per delta — and ``values(deltas)`` yields the partial
value after each delta, for the correctness check (untimed).

* **partialjson** — ``Parser.feed(delta)`` then ``Parser.value``, the build loaded
  (``partialjson.COMPILED``); when that is the compiled build, **partialjson (pure Python)**
  is the same on the pure-Python sources, side by side;
* **jiter** — re-parses the buffer on every delta, ``jiter.from_json(buf,
  partial_mode="trailing-strings")`` (what the OpenAI and Anthropic SDK helpers do);
* **pydantic** — ``TypeAdapter(Any).validate_json(buf, experimental_allow_partial=...)``, both
  with ``True`` (the documented switch) and with ``"trailing-strings"``;
* **partial-json-parser** — ``partial_json_parser.loads(buf)`` on the buffer;
* **json-repair** — ``repair_json(buf, return_objects=True, stream_stable=True)`` (its streaming
  option);
* **langchain-core** — ``langchain_core.utils.json.parse_partial_json(buf)``, what its
  ``JsonOutputParser`` streams with;
* **streaming-json-parser** — ``StreamingJsonParser(partial_mode="structural_trailing_strings")``
  then ``feed(delta).value``, in pure Python and with its native (Rust) extension;
* **ijson** — ``basic_parse_coro`` pushed each delta as bytes: events only, no partial value
  (timed, and its events rebuilt into the final value);
* **json.loads / orjson.loads** of the final text, once: the floor.

A peer whose package is missing is reported as "not installed".
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable, Optional

import partialjson

Run = Callable[[list[str]], Any]
Values = Callable[[list[str]], Iterator[Any]]


@dataclass
class Peer:
    name: str
    package: str  # the distribution whose version is reported
    kind: str  # ours | incremental | reparse | events | floor
    how: str  # the call, as the table's footnote shows it
    load: Callable[[], tuple[Run, Optional[Values]]]
    _loaded: Optional[tuple[Run, Optional[Values]]] = field(default=None, repr=False)
    missing: str = ""

    def entry_points(self) -> Optional[tuple[Run, Optional[Values]]]:
        """``(run, values)``, or ``None`` (with ``missing`` set) when it cannot be imported."""
        if self._loaded is None and not self.missing:
            try:
                self._loaded = self.load()
            except ImportError as error:
                self.missing = f"not installed ({error.name or error})"
        return self._loaded

    @property
    def version(self) -> str:
        if not self.package:
            return "stdlib"
        try:
            return metadata.version(self.package)
        except metadata.PackageNotFoundError:
            return "not installed"


# ---------------------------------------------------------------------------- ours


def _partialjson(pure: bool = False) -> tuple[Run, Values]:
    if pure:
        if not partialjson.COMPILED:
            raise ImportError(name="partialjson itself is the pure-Python build here")
        from .pure import parser_class

        Parser = parser_class()
    else:
        Parser = partialjson.Parser

    def run(deltas: list[str]) -> Any:
        parser = Parser()
        for delta in deltas:
            parser.feed(delta)
            parser.value  # noqa: B018 - reading the value is the point
        return parser.close()

    def values(deltas: list[str]) -> Iterator[Any]:
        parser = Parser()
        for delta in deltas:
            parser.feed(delta)
            yield parser.value

    return run, values


# ---------------------------------------------------------------------------- re-parsers


def _reparser(parse: Callable[[str], Any]) -> tuple[Run, Values]:
    """A peer that parses the whole buffer again on every delta. A prefix it refuses (a buffer
    of whitespace, say) keeps the value it showed before, as an app's ``try`` around it would."""

    def run(deltas: list[str]) -> Any:
        buffer = ""
        value = None
        for delta in deltas:
            buffer += delta
            try:  # noqa: SIM105 - cheaper than suppress() in the timed loop
                value = parse(buffer)
            except ValueError:
                pass
        return value

    def values(deltas: list[str]) -> Iterator[Any]:
        buffer = ""
        value = None
        for delta in deltas:
            buffer += delta
            try:  # noqa: SIM105 - cheaper than suppress() in the timed loop
                value = parse(buffer)
            except ValueError:
                pass
            yield value

    return run, values


def _jiter() -> tuple[Run, Values]:
    from jiter import from_json

    return _reparser(lambda buffer: from_json(buffer.encode(), partial_mode="trailing-strings"))


def _pydantic(mode: Any) -> Callable[[], tuple[Run, Values]]:
    def load() -> tuple[Run, Values]:
        from pydantic import TypeAdapter

        validate = TypeAdapter(Any).validate_json
        return _reparser(lambda buffer: validate(buffer, experimental_allow_partial=mode))

    return load


def _partial_json_parser() -> tuple[Run, Values]:
    from partial_json_parser import loads

    return _reparser(loads)


def _json_repair() -> tuple[Run, Values]:
    from json_repair import repair_json

    return _reparser(lambda buffer: repair_json(buffer, return_objects=True, stream_stable=True))


def _langchain() -> tuple[Run, Values]:
    from langchain_core.utils.json import parse_partial_json

    return _reparser(parse_partial_json)


# ---------------------------------------------------------------------------- streaming-json-parser


def _import_streaming_json_parser(native: bool) -> Any:
    """streaming-json-parser picks its native extension at import time when it is installed;
    import it once with the extension blocked and once with it, to run both in one process."""
    prefix = "streaming_json_parser"
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if name.startswith(prefix)}
    try:
        if native:
            importlib.import_module("streaming_json_parser_native")
        else:
            sys.modules["streaming_json_parser_native"] = None  # type: ignore[assignment]
        module = importlib.import_module(prefix)
        if native and not module.high_performance_parser._NATIVE_FACADE_AVAILABLE:
            raise ImportError("the native extension did not load", name="native extension")
        return module
    finally:
        for name in [name for name in sys.modules if name.startswith(prefix)]:
            del sys.modules[name]
        sys.modules.update(saved)


def _streaming_json_parser(native: bool) -> Callable[[], tuple[Run, Values]]:
    def load() -> tuple[Run, Values]:
        Parser = _import_streaming_json_parser(native).StreamingJsonParser

        def run(deltas: list[str]) -> Any:
            parser = Parser(partial_mode="structural_trailing_strings")
            for delta in deltas:
                parser.feed(delta).value  # noqa: B018
            return parser.finish().value

        def values(deltas: list[str]) -> Iterator[Any]:
            parser = Parser(partial_mode="structural_trailing_strings")
            for delta in deltas:
                yield parser.feed(delta).value

        return run, values

    return load


# ---------------------------------------------------------------------------- events, floors


def _ijson() -> tuple[Run, None]:
    import ijson

    def run(deltas: list[str]) -> Any:
        events = ijson.sendable_list()
        coro = ijson.basic_parse_coro(events, use_float=True)
        builder = ijson.ObjectBuilder()
        for delta in deltas:
            coro.send(delta.encode())
            for event, value in events:
                builder.event(event, value)
            del events[:]
        coro.close()
        for event, value in events:
            builder.event(event, value)
        return builder.value

    return run, None


def _floor(loads: Callable[[Any], Any]) -> Callable[[], tuple[Run, None]]:
    def load() -> tuple[Run, None]:
        # The whole text, joined once (at the first run, the untimed warm-up): the floor is the
        # parse alone. A join per run made a new 1-2 MB string each time, whose page faults cost
        # several times the parse on some hosts, and varied with the allocator's state.
        joined: list[tuple[list[str], str]] = []

        def run(deltas: list[str]) -> Any:
            if not joined or joined[0][0] is not deltas:
                joined[:] = [(deltas, "".join(deltas))]
            return loads(joined[0][1])

        return run, None

    return load


def _orjson() -> tuple[Run, None]:
    import orjson

    return _floor(orjson.loads)()


PEERS: list[Peer] = [
    Peer("partialjson", "partialjson-stream", "ours", "Parser.feed(d); .value", _partialjson),
    Peer(
        "partialjson (pure Python)",
        "partialjson-stream",
        "ours",
        "the same, the pure-Python modules; timed when partialjson is the compiled build",
        lambda: _partialjson(pure=True),
    ),
    Peer(
        "jiter",
        "jiter",
        "reparse",
        'from_json(buf, partial_mode="trailing-strings")',
        _jiter,
    ),
    Peer(
        "pydantic (allow_partial=True)",
        "pydantic",
        "reparse",
        "TypeAdapter(Any).validate_json(buf, experimental_allow_partial=True)",
        _pydantic(True),
    ),
    Peer(
        "pydantic (trailing-strings)",
        "pydantic",
        "reparse",
        'TypeAdapter(Any).validate_json(buf, experimental_allow_partial="trailing-strings")',
        _pydantic("trailing-strings"),
    ),
    Peer(
        "streaming-json-parser",
        "streaming-json-parser",
        "incremental",
        'StreamingJsonParser(partial_mode="structural_trailing_strings").feed(d).value, '
        "pure Python",
        _streaming_json_parser(native=False),
    ),
    Peer(
        "streaming-json-parser-native",
        "streaming-json-parser-native",
        "incremental",
        "the same with its Rust extension installed",
        _streaming_json_parser(native=True),
    ),
    Peer(
        "partial-json-parser",
        "partial-json-parser",
        "reparse",
        "partial_json_parser.loads(buf)",
        _partial_json_parser,
    ),
    Peer(
        "json-repair",
        "json-repair",
        "reparse",
        "repair_json(buf, return_objects=True, stream_stable=True)",
        _json_repair,
    ),
    Peer(
        "langchain-core",
        "langchain-core",
        "reparse",
        "langchain_core.utils.json.parse_partial_json(buf)",
        _langchain,
    ),
    Peer("ijson (events)", "ijson", "events", "basic_parse_coro, bytes pushed per delta", _ijson),
    Peer("json.loads (floor)", "", "floor", "json.loads(final text), once", _floor(json.loads)),
    Peer("orjson.loads (floor)", "orjson", "floor", "orjson.loads(final text), once", _orjson),
]


def by_name(name: str) -> Peer:
    for peer in PEERS:
        if peer.name == name:
            return peer
    raise KeyError(name)

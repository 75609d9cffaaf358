"""The fuzz targets: one per entry point, each ``target(data: bytes) -> None``.

Run one under atheris with ``python -m fuzz.run <name> [libFuzzer flags] [corpus dirs]``; the CI
test replays the seed corpus and hypothesis inputs through the same functions.
"""

from __future__ import annotations

from typing import Callable

from .harness import (
    check_parser,
    check_relay,
    check_sse,
    check_stream,
    check_typed,
    cut,
    to_sse,
)
from .inputs import json_lines, parser_options, rng_for, split_points, stream_type, typed_case


def parser(data: bytes) -> None:
    """Parser: the bytes as a document, with drawn options and cuts."""
    rng = rng_for(data)
    options = parser_options(rng, len(data))
    check_parser(data, split_points(data, rng), options)


def typed(data: bytes) -> None:
    """TypedParser: the bytes as a document of a drawn type."""
    type_, points, options = typed_case(data)
    check_typed(type_, data, points, options)


def sse(data: bytes) -> None:
    """SSEDecoder: the bytes as an event-stream body."""
    check_sse(data, split_points(data, rng_for(data)))


def stream_events(data: bytes) -> None:
    """stream() over dict events (the JSON-lines of the input), and the same events as SSE."""
    events = json_lines(data)
    rng = rng_for(data)
    body = to_sse(events)  # check_stream frames the events the same way
    check_stream(events, split_points(body, rng), stream_type(rng))


def stream_sse(data: bytes) -> None:
    """stream() over raw SSE bytes: the input as a body, whole and in chunks."""
    from .harness import _comparable, stream_outcome

    rng = rng_for(data)
    type_ = stream_type(rng)
    whole = stream_outcome([data], type_)
    split = stream_outcome(cut(data, split_points(data, rng)), type_)
    if _comparable(whole) != _comparable(split):
        from .harness import InvariantViolation

        raise InvariantViolation(
            f"chunking changes the stream outcome: {_comparable(whole)!r} != {_comparable(split)!r}"
        )


def relay(data: bytes) -> None:
    """relay(): the updates of stream() over the input's events, encoded for a browser."""
    from .harness import stream_outcome

    rng = rng_for(data)
    outcome = stream_outcome(json_lines(data), stream_type(rng))
    check_relay(outcome["_updates"])


TARGETS: dict[str, Callable[[bytes], None]] = {
    "parser": parser,
    "typed": typed,
    "sse": sse,
    "stream_events": stream_events,
    "stream_sse": stream_sse,
    "relay": relay,
}

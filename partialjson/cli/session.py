"""One run of a response stream for a command: updates with their times, and what it cost.

:class:`Session` iterates :func:`partialjson.stream` over an :class:`~.inputs.Input`, stamping
each update with the seconds since the start and measuring the time spent inside the library
(the iteration minus waiting for input and the demo's pacing). The library's log records are
kept (shown with ``--verbose``) instead of reaching the terminal unasked.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any, Optional

from ..core.events import Path
from ..lifecycle.updates import (
    Cancelled,
    Completed,
    Failed,
    FieldCompleted,
    Incomplete,
    Refused,
    ResponseState,
    Update,
)
from ..streaming.response import ResponseStream, stream
from .errors import InputError
from .inputs import DOCUMENT, Input, Pace

#: The updates that end a stream (exactly one, last).
TERMINAL = (Completed, Incomplete, Refused, Failed, Cancelled)


class LogCapture(logging.Handler):
    """Keeps the library's log records; with ``echo``, also prints each as one stderr line."""

    def __init__(self, echo: bool) -> None:
        super().__init__(logging.INFO if echo else logging.WARNING)
        self.echo = echo
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        if self.echo:
            print(
                f"partialjson: {record.levelname.lower()}: {record.getMessage()}", file=sys.stderr
            )

    def __enter__(self) -> LogCapture:
        logger = logging.getLogger("partialjson")
        self._saved = logger.level, logger.propagate
        logger.addHandler(self)
        logger.setLevel(self.level)
        logger.propagate = False
        return self

    def __exit__(self, *exc: object) -> None:
        logger = logging.getLogger("partialjson")
        logger.removeHandler(self)
        logger.level, logger.propagate = self._saved


class Session:
    """Reads one response stream; iterate it for ``(seconds, update)`` pairs."""

    def __init__(
        self,
        input_: Input,
        kind: str,
        *,
        model: Any = None,
        tools: Optional[Mapping[str, Any]] = None,
        pace: Optional[Pace] = None,
    ) -> None:
        self.input = input_
        self.kind = kind
        self.pace = pace
        self.model = model
        self.response: ResponseStream = stream(input_.source(kind, pace), model, tools=tools)
        self._start = time.perf_counter()
        #: Seconds spent inside the library: SSE decoding, events, parsing, the typed view.
        self.busy = 0.0
        #: When each value of the answer became complete (seconds since the start).
        self.completions: list[tuple[Path, float]] = []
        self.terminal: Optional[Update] = None

    @property
    def provider(self) -> Optional[str]:
        """The provider's API, or ``document`` for a plain JSON document."""
        return "document" if self.kind == DOCUMENT else self.response.provider

    def elapsed(self) -> float:
        return time.perf_counter() - self._start

    def _waited(self) -> float:
        return self.input.read_time + (self.pace.slept if self.pace else 0.0)

    def __iter__(self) -> Iterator[tuple[float, Update]]:
        updates = iter(self.response)
        while True:
            start, waited = time.perf_counter(), self._waited()
            try:
                update = next(updates)
            except StopIteration:
                return
            except InputError:
                raise
            except Exception as error:  # a stream the library could not read
                raise InputError(
                    self.input.name,
                    f"unreadable stream: {type(error).__name__}: {error}",
                    line=self.input.line,
                ) from None
            finally:
                self.busy += time.perf_counter() - start - (self._waited() - waited)
            now = self.elapsed()
            if isinstance(update, FieldCompleted) and update.choice == 0:
                self.completions.append((update.path, now))
            if isinstance(update, TERMINAL):
                self.terminal = update
            yield now, update

    def cancel(self) -> Update:
        """Ctrl-C: cancel the response (closing the source) and return its terminal update."""
        self.response.cancel()
        self.terminal = self.terminal or Cancelled()
        return self.terminal

    def bad_input(self) -> Optional[InputError]:
        """After the stream: the bad input that ended it, or that it was not a stream at all."""
        if self.input.error is not None:
            return self.input.error
        if self.response.provider is None:
            return InputError(
                self.input.name,
                "not a stream: no event of a known provider (OpenAI Responses or Chat "
                "Completions, Anthropic Messages, Gemini)",
            )
        return None

    def check(self) -> None:
        """After the stream: raise the bad input that ended it (see :meth:`bad_input`)."""
        error = self.bad_input()
        if error is not None:
            raise error

    def problem(self) -> Optional[str]:
        """One line for stderr when the response failed (the file and where it stopped)."""
        response = self.response
        if response.state is not ResponseState.FAILED:
            return None
        where = f"{self.input.name}:{self.input.line}"
        if response.reason == "interrupted":
            return (
                f"{self.input.name}:{self.input.lines + 1}: the stream ended after "
                f"{self.input.position} bytes without a terminal event: failed (interrupted)"
            )
        message = f": {response.message}" if response.message else ""
        error = getattr(self.terminal, "error", None)
        if not message and error is not None:
            message = f": {_one_line(str(error))}"
        return f"{where}: failed ({response.reason or 'unknown'}){message}"

    def stats(self) -> dict[str, Any]:
        """What a benchmark suite measures, in seconds and counts."""
        metrics = self.response.metrics
        stats: dict[str, Any] = _rounded(
            {
                "time_to_first_delta": metrics.time_to_first_delta,
                "time_to_first_complete_field": metrics.time_to_first_complete_field,
                "duration": metrics.duration,
                "deltas": metrics.deltas,
                "characters": metrics.characters,
                "bytes": self.input.position,
                "events": metrics.events,
                "unknown_events": metrics.unknown_events,
                "parse_seconds": self.busy,
                "parse_seconds_per_delta": self.busy / metrics.deltas if metrics.deltas else None,
                "fields": [{"path": list(path), "seconds": t} for path, t in self.completions],
            }
        )
        return stats


def _rounded(value: Any) -> Any:
    """Seconds to the nanosecond: what the clock resolves, without float noise."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())

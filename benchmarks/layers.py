"""Section 2: what each layer of partialjson costs per delta, side by side, via public APIs.

Per workload and size, each delta read the way an app reads it:

* **core** — ``Parser.feed(d)``, then ``.value``;
* **typed view** — ``TypedParser(T).feed(d)``, then ``.partial``;
* **status** — the same, plus ``.status(path)`` of the path the delta touched and ``.completed``;
* **stream** — ``partialjson.stream(events, T)``, iterated: SSE bytes (one Chat Completions event
  per delta) → SSE decoder → provider adapter → lifecycle → typed view;
* **relay** — ``partialjson.relay(stream(...))``: the same, encoded for a browser; the bytes it
  sends per delta are reported too (what a browser downloads);

and, per document:

* **SSE decoding** — ``SSEDecoder.feed`` over the body in 64 KiB reads, MB/s of SSE bytes;
* **final validation** — ``TypedParser.finish()`` after the last delta, beside
  ``TypeAdapter(T).validate_json(text)`` (``Model.model_validate_json``) of the same text.

Typed peers, beside the typed view: pydantic's partial validation of the buffer into ``T``
(``TypeAdapter(T).validate_json(buf, experimental_allow_partial="trailing-strings")``) and
langchain-core's ``PydanticOutputParser(pydantic_object=T).parse_result(..., partial=True)``.
Their partial values are typed differently by design (pydantic drops an item until its required
fields arrive; langchain shows nothing until the model validates), so they are checked on their
final value only.
"""

from __future__ import annotations

import gc
import json
import time
from typing import Any, Callable, Optional

from pydantic import BaseModel, TypeAdapter

import partialjson

from . import workloads as w
from .compare import size_label
from .measure import estimate, median, timings

Runner = Callable[[list[str]], Any]


def _core(type_: Any) -> Runner:
    def run(deltas: list[str]) -> Any:
        parser = partialjson.Parser()
        for delta in deltas:
            parser.feed(delta)
            parser.value  # noqa: B018
        return parser.close()

    return run


def _typed(type_: Any) -> Runner:
    def run(deltas: list[str]) -> Any:
        parser = partialjson.TypedParser(type_)
        for delta in deltas:
            parser.feed(delta)
            parser.partial  # noqa: B018
        return parser.finish()

    return run


def _status(type_: Any) -> Runner:
    def run(deltas: list[str]) -> Any:
        parser = partialjson.TypedParser(type_)
        for delta in deltas:
            events = parser.feed(delta)
            parser.partial  # noqa: B018
            if events:
                parser.status(events[-1].path)
            parser.completed  # noqa: B018
        return parser.finish()

    return run


def _stream(type_: Any) -> Runner:
    def run(events: list[bytes]) -> Any:
        response = partialjson.stream(events, type_)
        for _ in response:
            pass
        return response.final

    return run


def _relay(type_: Any) -> Runner:
    def run(events: list[bytes]) -> Any:
        return sum(map(len, partialjson.relay(partialjson.stream(events, type_))))

    return run


def _pydantic_partial(type_: Any) -> Runner:
    validate = TypeAdapter(type_).validate_json

    def run(deltas: list[str]) -> Any:
        buffer = ""
        value = None
        for delta in deltas:
            buffer += delta
            try:  # noqa: SIM105 - cheaper than suppress() in the timed loop
                value = validate(buffer, experimental_allow_partial="trailing-strings")
            except ValueError:
                pass
        return value

    return run


def _langchain_partial(type_: Any) -> Optional[Runner]:
    try:
        from langchain_core.output_parsers import PydanticOutputParser
        from langchain_core.outputs import Generation
    except ImportError:
        return None
    if not (isinstance(type_, type) and issubclass(type_, BaseModel)):
        return None  # it parses into a model class only
    parser = PydanticOutputParser(pydantic_object=type_)

    def run(deltas: list[str]) -> Any:
        buffer = ""
        value = None
        for delta in deltas:
            buffer += delta
            try:  # noqa: SIM105 - cheaper than suppress() in the timed loop
                value = parser.parse_result([Generation(text=buffer)], partial=True)
            except ValueError:
                pass
        return value

    return run


PER_DELTA: dict[str, Callable[[Any], Runner]] = {
    "core": _core,
    "typed view": _typed,
    "status": _status,
    "stream": _stream,
    "relay": _relay,
}
SSE_INPUT = {"stream", "relay"}


def _row(workload: str, nominal: int, text: str, layer: str, **fields: Any) -> dict[str, Any]:
    return {
        "section": "layers",
        "workload": workload,
        "nominal": nominal,
        "label": size_label(nominal),
        "size": len(text),
        "layer": layer,
        **fields,
    }


def run_all(
    sizes: list[int],
    workloads: list[str],
    rounds: int,
    budget: float,
    log: Callable[[str], None],
    typed_peers: bool = True,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for workload in workloads:
        type_ = w.WORKLOADS[workload].type_
        adapter = TypeAdapter(type_)
        for size in sizes:
            text = w.document(workload, size)
            deltas = w.token_deltas(text)
            expected = adapter.validate_json(text)
            events = w.sse_events(deltas)
            runners: dict[str, Optional[Runner]] = {
                name: make(type_) for name, make in PER_DELTA.items()
            }
            if typed_peers:
                runners["pydantic partial (typed peer)"] = _pydantic_partial(type_)
                runners["langchain PydanticOutputParser (typed peer)"] = _langchain_partial(type_)
            for layer, run in runners.items():
                if run is None:
                    continue
                arg: Any = events if layer in SSE_INPUT else deltas
                row = _per_delta(
                    workload, size, text, layer, run, arg, len(deltas), rounds, budget, expected
                )
                log(format_row(row))
                rows.append(row)
            for row in (
                _sse(workload, size, text, deltas, rounds),
                _final(workload, size, text, deltas, type_, rounds),
            ):
                log(format_row(row))
                rows.append(row)
    return rows


def _per_delta(
    workload: str,
    size: int,
    text: str,
    layer: str,
    run: Runner,
    arg: Any,
    count: int,
    rounds: int,
    budget: float,
    expected: Any,
) -> dict[str, Any]:
    guess = estimate(run, arg, budget)
    if guess > budget:
        return _row(workload, size, text, layer, status="skipped", reason=f"est. {guess:.0f} s")
    try:
        times, result = timings(run, arg, rounds)
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"[:200]
        return _row(workload, size, text, layer, status="error", reason=reason)
    fields: dict[str, Any] = {}
    if layer == "relay":
        fields["relay_bytes_per_delta"] = result / count
    elif layer == "core":
        if result != json.loads(text):
            return _row(workload, size, text, layer, status="incorrect", reason="final value")
    elif result != expected:
        return _row(workload, size, text, layer, status="incorrect", reason="final value")
    seconds = median(times)
    return _row(
        workload,
        size,
        text,
        layer,
        status="ok",
        deltas=count,
        seconds=seconds,
        us_per_delta=seconds / count * 1e6,
        **fields,
    )


def _sse(workload: str, size: int, text: str, deltas: list[str], rounds: int) -> dict[str, Any]:
    body = w.chat_completions_body(deltas)
    reads = [body[i : i + w.CHUNK] for i in range(0, len(body), w.CHUNK)]

    def run(reads: list[bytes]) -> int:
        decoder = partialjson.SSEDecoder()
        count = 0
        for read in reads:
            count += len(decoder.feed(read))
        return count + len(decoder.close())

    times, count = timings(run, reads, rounds)
    seconds = median(times)
    return _row(
        workload,
        size,
        text,
        "SSE decoding",
        status="ok",
        seconds=seconds,
        events=count,
        mb_per_s=len(body) / seconds / 1e6,
        sse_bytes=len(body),
    )


def _final(
    workload: str,
    size: int,
    text: str,
    deltas: list[str],
    type_: Any,
    rounds: int,
    seconds_per_round: float = 1.5,
    most: int = 200,
) -> dict[str, Any]:
    """``finish()`` after the last delta, beside ``validate_json`` of the same text as a stream
    leaves it: each call timed once in the same state (a parser just fed; a fresh copy of the
    text, with no UTF-8 form cached on it, as a joined stream has none), garbage collected,
    the two alternating; medians. (Timing ``validate_json`` in a warm loop on one ``str``
    measured a cached encoding against a cold ``finish()``.)

    The same state on both sides: a parser is fed before ``validate_json`` too (and left
    unused). Without it, ``gc.collect()`` returned the memory of the previous round's parser
    to the system and ``validate_json`` alone took it back, page by page: ~225 page faults
    per call at 100 KB (nested), almost none beside a fed parser, and medians of 6.0-7.0 ms
    instead of 1.7-3.3 ms, which had put the 100 KB rows at 0.14-0.39x. Now neither call pays
    for the other's setup.

    Samples: at least ``max(rounds, 11)`` of each (``15 * rounds`` for a call under 1 ms), and
    more while the row has taken less than ``rounds * seconds_per_round`` (up to ``most`` of
    each), both sides alike, the same comparison. A 1 KB call is short and noisy on a shared
    machine: with 11 of each, five runs of a 1 KB row gave ratios spread over 0.87-1.08
    (form), 0.94-1.09 (records), 0.91-1.08 (nested), more than the 1.2x target's margin; with
    the 50-100 of each that 4.5 s buy at ``--rounds 3``, 0.97-0.98, 0.99-1.01, 1.02-1.04
    (three runs each). On a loaded machine ``gc.collect()`` alone can take the time (a run
    under a load of ~15 stopped every row at 11 of each): hence the count for short calls.
    """
    adapter = TypeAdapter(type_)
    ours: list[float] = []
    theirs: list[float] = []
    least = max(rounds, 11)
    until = time.perf_counter() + rounds * seconds_per_round

    def wanted() -> bool:
        taken = len(ours)
        if taken < least:
            return True
        if taken >= most:
            return False
        if taken < 15 * rounds and median(theirs) < 1e-3:
            return True  # a short call: a busy machine's collections must not leave it at 11
        return time.perf_counter() < until

    while wanted():
        for mine in (False, True):
            parser = partialjson.TypedParser(type_)  # (on both sides: see above)
            for delta in deltas:
                parser.feed(delta)
            fresh = text.encode().decode()
            gc.collect()
            start = time.perf_counter()
            if mine:
                parser.finish()
                ours.append(time.perf_counter() - start)
            else:
                adapter.validate_json(fresh)
                theirs.append(time.perf_counter() - start)
    mine, baseline = median(ours), median(theirs)
    return _row(
        workload,
        size,
        text,
        "final validation",
        status="ok",
        seconds=mine,
        baseline_seconds=baseline,
        ratio=mine / baseline,
        samples=len(ours),
    )


def format_row(row: dict[str, Any]) -> str:
    head = f"{row['workload']:8} {row['label']:>6} {row['layer']:44}"
    if row["status"] != "ok":
        return f"{head} {row['status']}: {row.get('reason', '')}"
    if "us_per_delta" in row:
        extra = (
            f"  {row['relay_bytes_per_delta']:.0f} B/delta sent"
            if "relay_bytes_per_delta" in row
            else ""
        )
        return f"{head} {row['us_per_delta']:10.2f} µs/delta{extra}"
    if "mb_per_s" in row:
        return f"{head} {row['mb_per_s']:10.1f} MB/s of SSE"
    return (
        f"{head} finish() {row['seconds'] * 1e3:.3f} ms vs validate_json "
        f"{row['baseline_seconds'] * 1e3:.3f} ms = {row['ratio']:.2f}x"
    )

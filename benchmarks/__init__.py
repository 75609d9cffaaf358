"""partialjson's benchmark suite: ``python -m benchmarks`` (``--quick`` for a smoke run).

Install the peers with ``pip install -e '.[bench]'``. One run measures, side by side:

1. **peers** (:mod:`benchmarks.compare`) — partialjson beside jiter, pydantic's partial
   validation, streaming-json-parser (pure and native), partial-json-parser, json-repair,
   langchain-core, ijson (events only) and ``json.loads`` / ``orjson`` of the final text (the
   floor), on records / form / nested documents from 1 KB to 1 MB (10 MB for partialjson) and on
   the recorded provider streams, in token-sized deltas and 64 KiB chunks. Every peer's partial
   value is checked against the true prefix after every delta (:mod:`benchmarks.oracle`); wrong
   peers are marked incorrect and not timed.
2. **layers** (:mod:`benchmarks.layers`) — per delta through each public layer: ``Parser``,
   ``TypedParser`` (view, status), ``stream()``, ``relay()``; ``SSEDecoder`` MB/s; final
   validation beside ``model_validate_json``.
3. **scale** (:mod:`benchmarks.streams_at_scale`) — 100 / 1,000 / 10,000 concurrent streams at 50
   deltas/s through the full path under asyncio: CPU per delta, memory per stream, added latency.

It writes ``docs/benchmarks.md`` (machine, versions, tables, the issue's targets met or not),
PNG plots in ``docs/images/benchmarks/`` and the raw results in
``benchmarks/results/latest.json``. Only public APIs are used, so the suite keeps working while
the internals change.
"""

"""Run one fuzz target under atheris (libFuzzer): ``python -m fuzz.run <target> [flags] [dirs]``.

Defects already reported (:mod:`fuzz.known`) are counted and skipped, so a long run keeps looking
for new ones; ``FUZZ_STRICT=1`` makes them crash like any other. Counts of skipped known defects
are printed at exit.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections import Counter
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["partialjson"]):
    import partialjson
    import partialjson.web.relay  # noqa: F401

import logging

from .known import classify
from .targets import TARGETS

logging.getLogger("partialjson").setLevel(logging.CRITICAL)  # expected warnings

_skipped: Counter[str] = Counter()


def _report() -> None:
    if _skipped:
        print("known defects hit (skipped):", dict(_skipped), file=sys.stderr)


def _artifacts() -> str:
    for arg in sys.argv:
        if arg.startswith("-artifact_prefix="):
            return arg.split("=", 1)[1]
    return "."


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: python -m fuzz.run {{{','.join(TARGETS)}}} [libFuzzer flags] [corpus]")
    target = TARGETS[sys.argv[1]]
    strict = os.environ.get("FUZZ_STRICT") == "1"

    def one_input(data: bytes) -> None:
        try:
            target(data)
        except Exception as error:
            known = None if strict else classify(error)
            if known is None:
                raise
            if not _skipped[known]:  # keep one reproducer per known defect
                Path(_artifacts(), f"known-{known}").write_bytes(data)
            _skipped[known] += 1

    atexit.register(_report)
    atheris.Setup([sys.argv[0], *sys.argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

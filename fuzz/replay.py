"""Replay files through a target without atheris: ``python -m fuzz.replay <target> FILE|DIR...``.

Prints one line per file: ``ok``, ``known <name>`` or the violation / exception. Used to triage
crashes and to check the seed corpus.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from .known import classify
from .targets import TARGETS

logging.getLogger("partialjson").setLevel(logging.CRITICAL)  # expected warnings


def replay(name: str, paths: list[Path]) -> int:
    target = TARGETS[name]
    bad = 0
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            try:
                target(file.read_bytes())
            except Exception as error:
                known = classify(error)
                if known:
                    print(f"known {known}: {file}")
                else:
                    bad += 1
                    print(f"FAIL {file}: {type(error).__name__}: {str(error)[:2000]}")
                    if "-v" in sys.argv:
                        traceback.print_exc()
    return bad


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "-v"]
    sys.exit(1 if replay(args[0], [Path(p) for p in args[1:]]) else 0)

"""Differences found by fuzzing that are not fixed (yet): recognised so long runs go on.

Each entry names its reproducer in ``fuzz/crashes/``. The defects fuzzing found are fixed; their
regression tests are in ``tests/test_fuzz_regressions.py``. What is left is one documented
difference (docs/reliability.md): UTF-8-encoded surrogates, accepted like ``json.loads`` does,
are a validation error in ``TypedParser.finish()`` where pydantic reports invalid JSON.
"""

from __future__ import annotations

import traceback
from typing import Callable, Optional

# (name, predicate on the exception and its formatted traceback). The names are the files in
# fuzz/crashes/.
KNOWN: list[tuple[str, Callable[[BaseException, str], bool]]] = [
    (
        # new: UTF-8-encoded surrogates (ED A0 80...) accepted; json.loads rejects them.
        "utf8_encoded_surrogates_accepted",
        lambda e, tb: (
            ("Parser accepted what json.loads rejects" in str(e) and "UnicodeDecodeError" in str(e))
            # the same bytes through TypedParser: finish() says str error, pydantic invalid JSON
            or (
                "finish() differs from validate_json" in str(e)
                and "invalid unicode code point" in str(e)
            )
        ),
    ),
]


def classify(error: BaseException) -> Optional[str]:
    """The name of the known defect this exception shows, or None for a new one."""
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    for name, matches in KNOWN:
        if matches(error, text):
            return name
    return _malformed_event_crash(error)


def _malformed_event_crash(error: BaseException) -> Optional[str]:
    """Provider events of the wrong shape crash the adapters and the lifecycle (being fixed by
    the providers engineer, issue 14). One bucket per innermost partialjson function and
    exception type, so each distinct crash still gets its own reproducer."""
    if isinstance(error, AssertionError):
        return None
    frames = traceback.extract_tb(error.__traceback__)
    if not any(
        f.filename.endswith(("streaming/response.py", "lifecycle/machine.py")) for f in frames
    ):
        return None
    inner = [f for f in frames if "/partialjson/" in f.filename]
    if not inner or not inner[-1].filename.endswith(("adapters.py", "machine.py")):
        return None
    module = inner[-1].filename.rsplit("/", 1)[-1].removesuffix(".py")
    return f"malformed_event_{module}_{inner[-1].name}_{type(error).__name__}"

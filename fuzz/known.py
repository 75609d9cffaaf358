"""Defects found by fuzzing and reported, not yet fixed: recognised so long runs go on.

Each entry names the reproducer in ``fuzz/crashes/`` and the regression test in
``fuzz/regressions.py``. Remove an entry once its fix lands (the regression test then moves to
tests/).
"""

from __future__ import annotations

import traceback
from typing import Callable, Optional

# (name, predicate on the exception and its formatted traceback). The names are the files in
# fuzz/crashes/ and the tests in fuzz/regressions.py.
KNOWN: list[tuple[str, Callable[[BaseException, str], bool]]] = [
    (
        # issue 14, "Defects found from outside" 1: int() of > 4,300 digits, partial_numbers.
        "int_digit_limit_partial_numbers",
        lambda e, tb: type(e) is ValueError and "integer string conversion" in str(e),
    ),
    (
        # issue 14, defect 2: the events of the failing delta before a max_size / invalid UTF-8
        # error are lost, so the typed view misses what the parser accepted.
        "lost_events_before_error",
        lambda e, tb: (
            "split changes the TypedParser outcome" in str(e)
            and ("exceeds max_size" in str(e) or "Invalid UTF-8" in str(e))
        ),
    ),
    (
        # issue 14, defect 3.
        "partial_numbers_after_error_split",
        lambda e, tb: "partial_numbers value after an error depends on the split" in str(e),
    ),
    (
        # issue 14, defect 4.
        "mixed_str_bytes_feeds",
        lambda e, tb: "mixing str and bytes feeds" in str(e),
    ),
    (
        # new: a long number's error (message) depends on the split.
        "long_number_error_split",
        lambda e, tb: "changes the" in str(e) and "Number longer than" in str(e),
    ),
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
    (
        # new: TypedParser(partial_strings=False) raises IndexError/KeyError on any open string:
        # the core parser reports a StringFragment for a string it did not attach.
        "typed_partial_strings_false_lookup",
        lambda e, tb: (
            isinstance(e, LookupError) and "_lookup(self._parser.value, path), streaming=True" in tb
        ),
    ),
    (
        # issue 14, defect 3, seen through the typed view.
        "partial_numbers_after_error_split_typed",
        lambda e, tb: (
            "split changes the TypedParser outcome" in str(e)
            and "'partial_numbers': True" in str(e)
            and "feed-error" in str(e)
        ),
    ),
    (
        # new: relay() raises PydanticSerializationError on a lone surrogate (valid JSON "\ud800").
        "relay_lone_surrogate",
        lambda e, tb: (
            type(e).__name__ == "PydanticSerializationError" and "surrogates not allowed" in str(e)
        ),
    ),
    (
        # new: a string inside a raw-shown typed value lags until parser.value is read.
        "typed_raw_view_stale_string",
        lambda e, tb: "stale string until parser.value is read" in str(e),
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

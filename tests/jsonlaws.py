"""Shared test helpers: JSON strategies and the prefix law of partial values."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=6) | st.dictionaries(st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)
# The ways json.dumps can write the same value.
dump_options = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 0, 2, "\t"]),
        "ensure_ascii": st.booleans(),
        "separators": st.sampled_from([None, (",", ":"), (", ", ": "), (" ,", " : ")]),
    }
)


def serialize(value: Any, options: dict[str, Any]) -> str:
    return json.dumps(value, **options)


def cut(text: Any, points: list[int]) -> list[Any]:
    """Split ``text`` (str or bytes) at the given offsets."""
    bounds = [0, *sorted({p for p in points if 0 < p < len(text)}), len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def is_prefix(partial: Any, final: Any) -> bool:
    """Whether ``partial`` is a prefix of ``final``: the law every partial value obeys.

    Same type; for a string, a prefix of it; for a container, the same keys (or items) in the
    same order as the final's first ones, all but the last equal to their final values, and the
    last one a prefix of its final value.
    """
    if isinstance(final, str):
        return isinstance(partial, str) and final.startswith(partial)
    if isinstance(final, dict):
        if not isinstance(partial, dict) or len(partial) > len(final):
            return False
        keys = list(partial)
        if keys != list(final)[: len(keys)]:
            return False
        return all(partial[k] == final[k] for k in keys[:-1]) and (
            not keys or is_prefix(partial[keys[-1]], final[keys[-1]])
        )
    if isinstance(final, list):
        if not isinstance(partial, list) or len(partial) > len(final):
            return False
        return all(a == b for a, b in zip(partial[:-1], final)) and (
            not partial or is_prefix(partial[-1], final[len(partial) - 1])
        )
    return type(partial) is type(final) and partial == final

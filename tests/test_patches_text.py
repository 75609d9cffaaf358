"""The patch encoder's hand-written JSON: what it writes directly (operations of small plain
values, strings through the standard library's escaper) is byte for byte what pydantic-core's
``to_json`` writes, and what it declines is left to it; ``jsonable`` checks pydantic-core's
plain data instead of copying it, and returns what the copy would have been."""

from __future__ import annotations

import datetime
import decimal
import math
from typing import Any, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import PydanticSerializationError, to_json, to_jsonable_python

from partialjson.web.patches import (
    PatchEncoder,
    _clean,
    _json_text,
    _quoted,
    dumps,
    dumps_ops,
    dumps_result,
    jsonable,
    sse_patch,
)
from partialjson.web.wire import RelayEvent

# Any text: lone surrogates, control characters, quotes, backslashes, U+2028, astral.
any_text = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # (exponent forms, inf and nan: declined, to_json writes them)
    st.floats(min_value=-1e6, max_value=1e6),
    any_text,
)
plain = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(any_text, children, max_size=5)
    ),
    max_leaves=30,
)


def pydantic_text(value: Any) -> Any:
    """``to_json``'s bytes, or the error it raises (a lone surrogate)."""
    try:
        return to_json(value, inf_nan_mode="null")
    except PydanticSerializationError:
        return PydanticSerializationError


@given(any_text)
def test_the_string_escaper_writes_what_to_json_writes(text: str) -> None:
    try:
        ours: Any = _quoted(text).encode()
    except UnicodeEncodeError:
        ours = PydanticSerializationError
    assert ours == pydantic_text(text)


@given(plain)
def test_json_text_is_to_json_or_declines(value: Any) -> None:
    text = _json_text(value, 0)
    if text is None:
        return
    try:
        ours: Any = text.encode()
    except UnicodeEncodeError:
        ours = PydanticSerializationError
    assert ours == pydantic_text(value)


@pytest.mark.parametrize("value", [0.5, -0.0, 1e15, 9999999999999998.0, 1e-4, 3, True, None])
def test_json_text_writes_the_usual_leaves(value: Any) -> None:
    assert _json_text(value, 0) == to_json(value).decode()


@pytest.mark.parametrize(
    "value",
    [1e16, 1e-5, math.inf, math.nan, 2**63, -(2**63), ["x", 1e-7], {"a": {1: 2}}],
    ids=["1e16", "1e-5", "inf", "nan", "2**63", "-2**63", "exponent-inside", "int-key"],
)
def test_json_text_declines_what_it_would_write_otherwise(value: Any) -> None:
    assert _json_text(value, 0) is None


def test_json_text_declines_huge_ints_deep_nesting_and_long_text() -> None:
    nested: Any = 1
    for _ in range(20):
        nested = [nested]
    for value in [10**5000, nested, ["x" * 1000] * 3, [1] * 2000]:
        assert _json_text(value, 0) is None
        assert dumps_ops([{"op": "add", "path": "", "value": value}]) == dumps(
            [{"op": "add", "path": "", "value": value}]
        )


op_names = st.sampled_from(["add", "replace", "append", "remove"])


@given(st.lists(st.tuples(op_names, any_text, plain), max_size=3), st.integers(1, 10**9))
def test_a_patch_is_written_as_dumps_writes_it(ops: list[tuple[str, str, Any]], seq: int) -> None:
    patch = [{"op": op, "path": path, "value": value} for op, path, value in ops]
    assert dumps_ops(patch) == dumps(patch)
    assert sse_patch(seq, patch) == RelayEvent(str(seq), "patch", dumps(patch)).encode()


def test_a_patch_in_another_key_order_is_written_as_dumps_writes_it() -> None:
    patch = [{"path": "/a", "op": "add", "value": 1}, {"op": "add", "path": "/b"}]
    assert (
        dumps_ops(patch)
        == dumps(patch)
        == b'[{"path":"/a","op":"add","value":1},{"op":"add","path":"/b"}]'
    )


def no_shared_containers(a: Any, b: Any) -> bool:
    """Whether no dict or list of ``a`` is one of ``b``'s."""
    seen = {id(x) for x in walk(b) if isinstance(x, (dict, list))}
    return all(id(x) not in seen for x in walk(a) if isinstance(x, (dict, list)))


def walk(value: Any) -> list[Any]:
    out, stack = [], [value]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


@given(plain)
def test_jsonable_is_the_cleaned_copy_without_copying_twice(value: Any) -> None:
    made = jsonable(value)
    try:  # (as jsonable always did: pydantic-core's plain data, copied cleaned)
        plain = to_jsonable_python(value, inf_nan_mode="null")
    except ValueError:  # a lone surrogate in a key: cleaned by hand
        plain = value
    expected = _clean(plain)
    assert made == expected
    assert dumps(made) == dumps(expected)
    assert no_shared_containers(made, value)  # the caller may filter it in place


class Author(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(alias="fullName")
    tags: set[str] = set()
    joined: Optional[datetime.date] = None


class Report(BaseModel):
    title: str
    score: float
    price: decimal.Decimal = decimal.Decimal("1.50")
    author: Author
    pair: tuple[int, str] = (1, "a")
    extra: dict[str, Any] = {}


reports = st.builds(
    Report,
    title=any_text,
    score=st.floats(),
    author=st.builds(
        Author,
        fullName=any_text,
        tags=st.sets(any_text, max_size=2),
        joined=st.one_of(st.none(), st.dates()),
    ),
    extra=st.dictionaries(any_text, plain, max_size=3),
)


@given(st.one_of(plain, reports), st.one_of(st.none(), st.sampled_from(["stop", "length"])))
def test_a_result_is_written_as_dumps_writes_it_made_plain(value: Any, reason: Any) -> None:
    assert dumps_result(value, reason) == dumps({"value": jsonable(value), "reason": reason})


@pytest.mark.parametrize("hold", [(), [], iter(())], ids=["tuple", "list", "iterator"])
def test_an_encoder_holding_nothing_does_not_filter(hold: Any) -> None:
    assert not PatchEncoder(None, hold).filtering
    assert PatchEncoder(None, ["/a"]).filtering

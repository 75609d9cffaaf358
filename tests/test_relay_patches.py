"""The patch law: applying every relayed patch in order to null rebuilds the partial value after
every event — with and without coalescing — and agrees with RFC 6902 (the jsonpatch package)."""

from __future__ import annotations

import copy
import json
from typing import Any, Optional

import jsonpatch
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

import partialjson
from partialjson import PartialUpdate
from partialjson.samples import Invoice, invoice_text
from partialjson.web.patches import apply_patch, jsonable
from partialjson.web.relay import RelayWriter
from partialjson.web.wire import ReplayState

from .jsonlaws import cut, json_values

splits = st.lists(st.integers(min_value=1, max_value=2000), max_size=40)


def chat(pieces: list[str]) -> list[dict[str, Any]]:
    chunks = [{"id": "c", "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    chunks.append({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return chunks


def as_jsonpatch(document: Any, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same patch in RFC 6902 only: an append is a replace with the grown string."""
    out = []
    for op in ops:
        if op["op"] == "append":
            current = jsonpatch.JsonPointer(op["path"]).resolve(document)
            op = {"op": "replace", "path": op["path"], "value": current + op["value"]}
        out.append(op)
        document = jsonpatch.apply_patch(document, [op])
    return out


def check_law(pieces: list[str], type_: Any = None, max_rate: Optional[float] = None) -> None:
    clock = [0.0]
    writer = RelayWriter(max_rate=max_rate, clock=lambda: clock[0])
    state = ReplayState()
    rfc: Any = None
    response = partialjson.stream(chat(pieces), type_)
    current: Any = None
    for update in response:
        clock[0] += 0.013
        if isinstance(update, PartialUpdate):
            current = jsonable(update.value)
        events = writer.feed(update)
        for event in events:
            if event.event == "patch":
                ops = event.json()
                rfc = jsonpatch.apply_patch(rfc, as_jsonpatch(copy.deepcopy(rfc), ops))
            state.fold(event)
        if events and not writer.ended and writer.due() is None:
            assert state.value == current
            assert rfc == state.value
    assert writer.ended
    assert state.value == current  # coalesced batches all went out before the terminal event


@settings(max_examples=150, deadline=None)
@given(json_values, splits)
def test_patches_rebuild_the_partial_value_after_every_event(value: Any, points: list[int]) -> None:
    text = json.dumps(value, ensure_ascii=False)
    check_law(cut(text, points))


@settings(max_examples=100, deadline=None)
@given(json_values, splits, st.sampled_from([1.0, 10.0, 50.0]))
def test_the_law_holds_with_coalescing(value: Any, points: list[int], rate: float) -> None:
    text = json.dumps(value, indent=1)
    check_law(cut(text, points), max_rate=rate)


@settings(max_examples=30, deadline=None)
@given(splits, st.sampled_from([None, 20.0]))
def test_the_law_holds_for_typed_views(points: list[int], rate: Optional[float]) -> None:
    check_law(cut(invoice_text(), points), Invoice, max_rate=rate)


def test_coalescing_merges_appends_and_limits_the_rate() -> None:
    clock = [0.0]
    writer = RelayWriter(max_rate=2, clock=lambda: clock[0])
    pieces = ['{"a": "'] + ["x"] * 100 + ['"}']
    sent = []
    for update in partialjson.stream(chat(pieces)):
        clock[0] += 0.01  # 100 updates a second
        sent.extend(writer.feed(update))
    patches = [e for e in sent if e.event == "patch"]
    assert len(patches) <= 1 + 102 * 0.01 * 2 + 1
    assert any(op["op"] == "append" and len(op["value"]) > 1 for e in patches for op in e.json())
    state = ReplayState()
    for event in sent:
        state.fold(event)
    assert state.value == {"a": "x" * 100}
    assert sent[-1].event == "completed"


def test_a_waiting_batch_goes_out_when_due() -> None:
    clock = [0.0]
    writer = RelayWriter(max_rate=1, clock=lambda: clock[0])
    updates = iter(partialjson.stream(chat(['{"a": "x', "y"])))
    sent = [e for u in [next(updates), next(updates), next(updates)] for e in writer.feed(u)]
    assert [e.event for e in sent] == ["started"]  # the patch waits
    assert writer.due() == 1.0
    clock[0] = 1.0
    assert [e.event for e in writer.flush()] == ["patch"]
    assert writer.due() is None


def test_apply_patch_agrees_with_jsonpatch_on_pointer_escapes() -> None:
    doc = {"a/b": {"~c": [1]}, "": 2}
    ops = [
        {"op": "add", "path": "/a~1b/~0c/1", "value": 5},
        {"op": "replace", "path": "/", "value": 3},
        {"op": "add", "path": "/a~1b/new", "value": {"x": []}},
    ]
    assert apply_patch(copy.deepcopy(doc), ops) == jsonpatch.apply_patch(doc, ops)


class Aliased(BaseModel):
    first_name: str = Field(alias="firstName")
    tags: list[str] = []


@settings(max_examples=20, deadline=None)
@given(splits)
def test_the_law_holds_for_views_the_relay_cannot_follow_by_key(points: list[int]) -> None:
    # the partial view's attribute is not the JSON key: the value is re-sent from its parent
    text = json.dumps({"firstName": "Ada Lovelace", "tags": ["math", "poetry"]})
    check_law(cut(text, points), Aliased)


def test_the_mirror_never_holds_the_views_growing_string() -> None:
    # CPython grows a string in place only while nothing else holds it: a mirror sharing the
    # view's string would make every delta copy the whole text (O(length) per delta).
    from partialjson import TypedParser
    from partialjson.web.patches import PatchEncoder

    class Doc(BaseModel):
        body: str

    parser, encoder = TypedParser(Doc), PatchEncoder()
    sent = []
    for delta in ['{"body": "', "ab", "cd", "ef", '"}']:
        parser.feed(delta)
        sent += encoder.encode(parser.partial, parser.changed)
        shown = parser.partial.body if "body" in parser.partial.model_fields_set else ""
        if len(shown) > 1:  # (shorter strings are shared singletons anyway)
            assert encoder.value["body"] == shown
            assert encoder.value["body"] is not shown
    assert [op["op"] for op in sent].count("append") >= 2

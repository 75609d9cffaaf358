"""The encoder's reuse of its last walk (``PatchEncoder.grown`` and the walk kept by ``encode``)
changes nothing: the same patches, the same SSE bytes, with it and without it, and the patches
rebuild the partial value after every delta — for random documents cut at random, typed and
not, with moderation and held fields, and for each thing the kept walk must notice: another
path, a container replaced on the way, a held field released, a moderated string rewritten,
a key given by an alias, an array growing, a value changing type, a new root."""

from __future__ import annotations

import copy
import json
from typing import Any, Optional

import jsonpatch
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

import partialjson
from partialjson import FieldCompleted, PartialUpdate, TypedParser
from partialjson.samples import Invoice, invoice_text
from partialjson.web.patches import PatchEncoder, apply_patch, clean_text, jsonable
from partialjson.web.writer import RelayWriter

from .jsonlaws import cut, json_values

Ops = list[dict[str, Any]]


def as_jsonpatch(document: Any, ops: Ops) -> Ops:
    """The same patch in RFC 6902 only: an append is a replace with the grown string."""
    out = []
    for op in ops:
        if op["op"] == "append":
            current = jsonpatch.JsonPointer(op["path"]).resolve(document)
            op = {"op": "replace", "path": op["path"], "value": current + op["value"]}
        out.append(op)
        document = jsonpatch.apply_patch(document, [op])
    return out


class Trio:
    """Three encoders fed alike: the relay's way (``grown``, then ``encode``), ``encode`` alone,
    and ``encode`` with the reuse turned off (a walk per path, the reference)."""

    def __init__(self, **options: Any) -> None:
        self.fast, self.kept, self.walked = (PatchEncoder(**options) for _ in range(3))
        self.walked._reuse = False
        self.document: Any = None  # what RFC 6902 makes of the patches
        self.grown = 0  # updates taken by ``grown``

    def step(self, value: Any, changed: list[Any], shown: Any = None) -> Ops:
        text = self.fast.grown(value, tuple(changed))
        if text is not None:
            self.grown += 1
            fast = [{"op": "append", "path": self.fast.hot_pointer, "value": clean_text(text)}]
        else:
            fast = self.fast.encode(value, changed)
        kept = self.kept.encode(value, changed)
        walked = self.walked.encode(value, changed)
        assert fast == kept == walked
        self.document = jsonpatch.apply_patch(
            self.document, as_jsonpatch(copy.deepcopy(self.document), fast)
        )
        for encoder in (self.fast, self.kept, self.walked):
            assert encoder.value == self.document
        if shown is not None:
            assert self.document == shown
        return fast

    def complete(self, value: Any, path: Any) -> Ops:
        fast = self.fast.complete(value, path)
        assert fast == self.kept.complete(value, path) == self.walked.complete(value, path)
        self.document = apply_patch(self.document, copy.deepcopy(fast))
        return fast


# ----------------------------------------------------------------- random documents, random cuts

splits = st.lists(st.integers(min_value=1, max_value=400), max_size=40)


def shout(path: str, text: str, complete: bool) -> Optional[str]:
    return text.upper()


def redact_when_done(path: str, text: str, complete: bool) -> Optional[str]:
    # rewrites far back once complete: the string is replaced, not appended to
    return text.replace("a", "*") if complete else text


def hide_short(path: str, text: str, complete: bool) -> Optional[str]:
    return text if len(text) > 3 or complete else None


options = st.sampled_from(
    [
        {},
        {"moderate": shout},
        {"moderate": redact_when_done},
        {"moderate": hide_short},
        {"hold": ["/a"]},
        {"hold": ["/*"]},
        {"hold": ["/items/*/name"]},
    ]
)


def chat(pieces: list[str]) -> list[dict[str, Any]]:
    chunks = [{"id": "c", "choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    chunks.append({"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return chunks


def check(text: str, points: list[int], type_: Any, option: dict[str, Any]) -> int:
    trio = Trio(**option)
    value: Any = None
    for update in partialjson.stream(chat(cut(text, points)), type_):
        if isinstance(update, PartialUpdate):
            value = update.value
            trio.step(value, list(update.changed), None if option else jsonable(value))
        elif isinstance(update, FieldCompleted) and not trio.fast.hidden(update.path):
            trio.complete(value, update.path)
    return trio.grown


@settings(max_examples=150, deadline=None)
@given(json_values, splits, options)
def test_reuse_changes_no_patch_for_any_document(
    value: Any, points: list[int], option: dict[str, Any]
) -> None:
    check(json.dumps(value, ensure_ascii=False), points, None, option)


@settings(max_examples=60, deadline=None)
@given(splits, options)
def test_reuse_changes_no_patch_for_typed_views(points: list[int], option: dict[str, Any]) -> None:
    check(invoice_text(), points, Invoice, option)


def test_the_fast_path_is_taken_when_a_string_grows() -> None:
    text = json.dumps({"a": "x" * 50, "items": [{"name": "y" * 50}]})
    assert check(text, list(range(1, len(text), 3)), None, {}) >= 25
    assert check(invoice_text(), list(range(1, 2000, 4)), Invoice, {}) >= 25


# --------------------------------------------------------------- the SSE bytes, with and without


@settings(max_examples=60, deadline=None)
@given(json_values, splits, st.sampled_from([{}, {"moderation": shout}, {"choice": 1}]))
def test_feed_sse_writes_the_same_bytes_with_and_without_reuse(
    value: Any, points: list[int], option: dict[str, Any]
) -> None:
    text = json.dumps(value, ensure_ascii=False)
    fast, slow = RelayWriter(**option), RelayWriter(**option)
    slow._encoder._reuse = False
    by_fast: list[bytes] = []
    by_slow: list[bytes] = []
    for update in partialjson.stream(chat(cut(text, points))):  # (live: fed as it comes)
        fast.feed_sse(update, by_fast)
        slow.feed_sse(update, by_slow)
        assert by_fast == by_slow


# ---------------------------------------------------------- what the kept walk must notice


def test_another_path_and_back() -> None:
    trio, a, b = Trio(), ("a",), ("b",)
    live: dict[str, Any] = {"a": "x", "b": "y"}
    trio.step(live, [()])
    for _ in range(3):
        live["a"] += "1"
        trio.step(live, [a])
        live["b"] += "2"
        trio.step(live, [b])
    live["a"] += "3"
    live["b"] += "4"
    assert trio.step(live, [a, b]) == [
        {"op": "append", "path": "/a", "value": "3"},
        {"op": "append", "path": "/b", "value": "4"},
    ]
    assert trio.document == live


def test_a_container_replaced_on_the_way() -> None:
    trio, path = Trio(), ("x", "a")
    live: dict[str, Any] = {"x": {"a": "one"}}
    trio.step(live, [()])
    live["x"]["a"] += " two"
    trio.step(live, [path])
    # a producer reporting only the leaf of a container it replaced: the kept walk's parent
    # is not the live one any more
    live["x"] = {"a": "three"}
    assert trio.step(live, [path]) == [{"op": "replace", "path": "/x/a", "value": "three"}]
    live["x"]["a"] += " four"
    assert trio.step(live, [path]) == [{"op": "append", "path": "/x/a", "value": " four"}]
    assert trio.document == live


def test_the_mirror_replaced_above_the_leaf() -> None:
    trio, leaf, parent = Trio(), ("x", "a"), ("x",)
    live: dict[str, Any] = {"x": {"a": "one"}}
    trio.step(live, [()])
    live["x"]["a"] += "1"
    trio.step(live, [leaf])
    live["x"] = ["now a list"]
    trio.step(live, [parent])  # replaces the mirror's container the kept walk ended in
    live["x"] = {"a": "one12"}
    trio.step(live, [parent])
    live["x"]["a"] += "3"
    trio.step(live, [leaf])
    assert trio.document == live


def test_a_new_root_with_the_same_path() -> None:
    trio, path = Trio(), ("a",)
    first: dict[str, Any] = {"a": "abc"}
    trio.step(first, [()])
    first["a"] += "d"
    trio.step(first, [path])
    second = {"a": "abcdef"}  # another object: its string is read, not the kept one's
    assert trio.step(second, [path]) == [{"op": "append", "path": "/a", "value": "ef"}]
    assert trio.step({"a": "zz"}, [path]) == [{"op": "replace", "path": "/a", "value": "zz"}]


@pytest.mark.parametrize("new", [7, None, {"k": "v"}, ["v"], "not a prefix at all", "ab"])
def test_a_value_that_changes_type_or_stops_growing(new: Any) -> None:
    trio, path = Trio(), ("a", 0)
    live: dict[str, Any] = {"a": ["abc"]}
    trio.step(live, [()])
    live["a"][0] += "def"
    assert trio.step(live, [path]) == [{"op": "append", "path": "/a/0", "value": "def"}]
    live["a"][0] = new
    trio.step(live, [path])
    assert trio.document == live
    assert trio.grown == 0  # (the first append walks; nothing else is a growth)


def test_an_array_growing() -> None:
    trio = Trio()
    live: dict[str, Any] = {"items": [{"name": "a"}]}
    trio.step(live, [()])
    for i in range(5):
        name = ("items", i, "name")
        for piece in "bcd":
            live["items"][i]["name"] += piece
            trio.step(live, [name])
        live["items"].append({"name": str(i)})
        trio.step(live, [("items", i + 1)])
    assert trio.grown == 10
    assert trio.document == live


def test_an_array_cut_back_under_the_kept_walk() -> None:
    trio, path = Trio(), ("items", 1)
    live: dict[str, Any] = {"items": ["a", "b"]}
    trio.step(live, [()])
    live["items"][1] += "c"
    trio.step(live, [path])
    del live["items"][1]  # the kept walk's index is gone: the walk resends from the parent
    trio.step(live, [path])
    assert trio.document == {"items": ["a"]}


def test_a_held_field_released() -> None:
    trio = Trio(hold=["/secret"])
    live: dict[str, Any] = {"note": "n", "secret": "s"}
    assert trio.step(live, [()]) == [{"op": "replace", "path": "", "value": {"note": "n"}}]
    for _ in range(3):
        live["secret"] += "s"
        assert trio.step(live, [("secret",)]) == []
        live["note"] += "n"
        trio.step(live, [("note",)])
    assert trio.complete(live, ("secret",)) == [{"op": "add", "path": "/secret", "value": "ssss"}]
    live["note"] += "!"
    trio.step(live, [("note",)])
    assert trio.document == live


def test_a_moderated_string_rewritten_far_back() -> None:
    def mask(path: str, text: str, complete: bool) -> Optional[str]:
        return "#" * len(text) if "4" in text else text

    trio, path = Trio(moderate=mask), ("card",)
    live: dict[str, Any] = {"card": "ab"}
    trio.step(live, [()])
    live["card"] += "cd"
    assert trio.step(live, [path]) == [{"op": "append", "path": "/card", "value": "cd"}]
    live["card"] += "4"
    assert trio.step(live, [path]) == [{"op": "replace", "path": "/card", "value": "#####"}]
    assert trio.grown == 0  # a moderated string never takes the unmoderated fast path


class Person(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)
    user_name: str
    home_city: Optional[str] = None
    nick: str = Field("", validation_alias="nickname")


@pytest.mark.parametrize(
    "document",
    [
        {"userName": "Ada Lovelace", "homeCity": "London", "nickname": "ada ada ada"},
        {"user_name": "Ada Lovelace", "home_city": "London"},
    ],
)
def test_keys_given_by_another_of_a_fields_names(document: dict[str, Any]) -> None:
    parser, trio = TypedParser(Person), Trio()
    text = json.dumps(document)
    for piece in cut(text, list(range(1, len(text), 2))):
        parser.feed(piece)
        if parser.changed:
            trio.step(parser.partial, list(parser.changed))
    assert trio.grown > 5
    assert trio.document == parser.partial.model_dump(by_alias=True)
    assert all("_" not in key for key in trio.document)  # the keys the relay shows


def test_field_completed_on_the_kept_path_keeps_its_pointer() -> None:
    # a FieldCompleted's pointer is its own path's (the JSON's key), not the walk's shown key
    writer, out = RelayWriter(), []
    live: dict[str, Any] = {"a/b": "x"}
    writer.feed_sse(PartialUpdate(value=live, changed=((),)), out)
    path = ("a/b",)
    for piece in ["y", "z"]:
        live["a/b"] += piece
        writer.feed_sse(PartialUpdate(value=live, changed=(path,)), out)
    writer.feed_sse(FieldCompleted(path=path), out)
    assert out[1:] == [
        b'id: 2\nevent: patch\ndata: [{"op":"append","path":"/a~1b","value":"y"}]\n\n',
        b'id: 3\nevent: patch\ndata: [{"op":"append","path":"/a~1b","value":"z"}]\n\n',
        b'id: 4\nevent: field_completed\ndata: {"path":"/a~1b","choice":0}\n\n',
    ]


def test_text_utf8_cannot_carry_goes_out_as_the_walk_sends_it() -> None:
    lone = "\ud800"
    for key in ["k", "k" + lone]:
        fast, slow = RelayWriter(), RelayWriter()
        slow._encoder._reuse = False
        by_fast: list[bytes] = []
        by_slow: list[bytes] = []
        live: dict[str, Any] = {key: "a"}
        updates = [PartialUpdate(live, ((),))]
        updates += [PartialUpdate(live, ((key,),))] * 4
        for update, piece in zip(updates, ["", "b", lone, "c" + lone + "d", "é"]):
            live[key] += piece
            fast.feed_sse(update, by_fast)
            slow.feed_sse(update, by_slow)
            assert by_fast == by_slow
        assert b"\xef\xbf\xbd" in by_fast[-2]  # U+FFFD for the lone surrogate

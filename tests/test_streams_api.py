"""What the typed view knows, reachable from stream(): status per field, issues, items as they
complete; no update without a change; the live value; a tool-only response's final value."""

from __future__ import annotations

import copy
import json
from typing import Any, List

import pytest
from pydantic import BaseModel, Field

import partialjson
from partialjson import (
    Completed,
    FieldStatus,
    FinalValueError,
    ItemCompleted,
    PartialUpdate,
    ResponseState,
)
from partialjson.samples import Invoice, LineItem, invoice_text


def chat(*pieces: str, finish: str = "stop", choice: int = 0) -> list[dict[str, Any]]:
    chunks = [{"id": "c", "choices": [{"index": choice, "delta": {"content": p}}]} for p in pieces]
    chunks.append({"id": "c", "choices": [{"index": choice, "delta": {}, "finish_reason": finish}]})
    return chunks


def pieces(text: str, size: int = 7) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def test_status_per_field_while_streaming_typed_and_untyped() -> None:
    for type_ in (Invoice, None):
        response = partialjson.stream(chat(*pieces(invoice_text())), type_)
        seen = set()
        for update in response:
            if isinstance(update, PartialUpdate):
                seen.add(response.status("customer.name"))
        assert {FieldStatus.STREAMING, FieldStatus.COMPLETE} <= seen, type_
        assert response.status(("items", 0, "sku")) is FieldStatus.COMPLETE
        assert response.status("no.such.field") is FieldStatus.PENDING
        assert response.choices[0].status("customer") is FieldStatus.COMPLETE


def test_items_are_reported_as_they_complete() -> None:
    response = partialjson.stream(chat(*pieces(invoice_text())), Invoice, items="items")
    rows: list[tuple[int, Any]] = []
    for update in response:
        if isinstance(update, ItemCompleted):
            rows.append((update.index, update.item))
            assert update.path == ("items", update.index)
            assert len(response.items) == update.index + 1  # the row is there when announced
    expected = [LineItem.model_validate(i) for i in json.loads(invoice_text())["items"]]
    assert rows == list(enumerate(expected))
    assert response.items == expected and response.final.items == expected


def test_items_without_a_type_are_the_raw_elements() -> None:
    text = '{"rows": [{"a": 1}, {"a": 2}]}'
    response = partialjson.stream(chat(*pieces(text, 3)), items="rows")
    items = [u.item for u in response if isinstance(u, ItemCompleted)]
    assert items == [{"a": 1}, {"a": 2}] == response.items
    assert response.final == json.loads(text)


def test_issues_of_a_typed_answer() -> None:
    bad = json.loads(invoice_text())
    bad["items"][0]["quantity"] = 0  # fails `gt=0`
    response = partialjson.stream(chat(*pieces(json.dumps(bad))), Invoice).until_done()
    assert [issue.path for issue in response.issues] == [("items", 0, "quantity")]
    assert (response.state.value, response.reason) == ("failed", "invalid_output")
    assert partialjson.stream(chat("{}")).until_done().issues == []  # untyped: none


def test_no_partial_update_without_a_change() -> None:
    deltas = ['{"a', '"', ": ", "1", ", ", '"b"', ": ", "[", "]", "}"]
    updates = list(partialjson.stream(chat(*deltas)))
    partials = [u for u in updates if isinstance(u, PartialUpdate)]
    assert partials and all(u.changed for u in partials)
    texts = [json.dumps(u.value) for u in partials]  # each one shows something new
    assert all(a != b or c for a, b, c in zip(texts, texts[1:], [u.changed for u in partials]))
    keys_only = list(partialjson.stream(chat('{"key"', ": ")))
    assert [type(u).__name__ for u in keys_only].count("PartialUpdate") == 1  # the `{`


def test_partial_update_values_are_live_copy_to_keep() -> None:
    kept = []
    updates = []
    for update in partialjson.stream(chat('{"a": [1', ", 2", "]}")):
        if isinstance(update, PartialUpdate):
            updates.append(update)
            kept.append(copy.deepcopy(update.value))
    assert all(u.value is updates[0].value for u in updates)  # documented: one live object
    assert kept[0] == {"a": []} and kept[-1] == updates[0].value == {"a": [1, 2]}


def test_a_tool_only_response_has_no_final_value() -> None:
    call = {"index": 0, "id": "call_1", "function": {"name": "f", "arguments": '{"x": 1}'}}
    chunks = [
        {"id": "c", "choices": [{"index": 0, "delta": {"tool_calls": [call]}}]},
        {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]},
    ]
    response = partialjson.stream(chunks, Invoice)
    updates = list(response)
    assert response.state is ResponseState.COMPLETED
    assert isinstance(updates[-1], Completed) and updates[-1].value is None
    assert [c.arguments for c in response.tool_calls] == [{"x": 1}]
    with pytest.raises(FinalValueError, match="only call tools"):
        _ = response.final
    assert response.partial is None and response.text == ""


def test_per_choice_status_and_items() -> None:
    chunks = [
        {"id": "c", "choices": [{"index": 0, "delta": {"content": '{"rows": [1, 2]}'}}]},
        {"id": "c", "choices": [{"index": 1, "delta": {"content": '{"rows": [3'}}]},
        {"id": "c", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"id": "c", "choices": [{"index": 1, "delta": {}, "finish_reason": "length"}]},
    ]
    response = partialjson.stream(chunks, items="rows")
    items = [(u.choice, u.item) for u in response if isinstance(u, ItemCompleted)]
    assert items == [(0, 1), (0, 2)]
    first, second = response.choices
    assert first.items == [1, 2] and second.items == []
    assert second.status("rows") is FieldStatus.STREAMING
    assert first.status("rows") is FieldStatus.COMPLETE


def test_bad_options_are_the_callers_error_at_once() -> None:
    with pytest.raises(ValueError, match="items"):
        partialjson.stream([], Invoice, items="customer")
    with pytest.raises(TypeError):
        partialjson.stream([], no_such_option=True)


def test_a_value_kept_out_as_an_issue_is_not_a_change() -> None:
    text = json.dumps({"sku": "KB", "description": "Keyboard", "quantity": 0, "unit_price": 1.0})
    head, tail = text.split('"quantity": 0')
    deltas = [head + '"quantity": 0', ",", tail.lstrip(",")]
    response = partialjson.stream(chat(*deltas), LineItem)
    per_delta: list[list[str]] = []
    for update in response:
        if isinstance(update, PartialUpdate):
            per_delta.append([str(p) for p in update.changed])
    assert [issue.path for issue in response.issues] == [("quantity",)]
    assert all("('quantity',)" not in changed for changed in per_delta)
    assert len(per_delta) == 2  # the "," that completed the bad 0 showed nothing new


class _Titled(BaseModel):
    """A string field whose complete value may fail (more than 5 characters)."""

    title: str = Field(max_length=5)
    note: str = ""


def _titled(title_pieces: list[str]) -> list[dict[str, Any]]:
    return chat('{"title": "', *title_pieces, '", "note": "n"}')


def test_a_failed_value_that_replaces_shown_text_is_a_change() -> None:
    response = partialjson.stream(_titled(["Abc", "defgh"]), _Titled)
    changes: list[tuple[tuple[Any, ...], ...]] = []
    shown: list[Any] = []
    for update in response:
        if isinstance(update, PartialUpdate):
            changes.append(update.changed)
            shown.append(update.value.title)
    # "Abc", then "Abcdefgh" were shown; the closing quote failed the value: the view shows
    # nothing there now, and the update says so.
    assert shown[:3] == ["", "Abc", "Abcdefgh"]
    assert ("title",) in changes[3] and shown[3] is None
    assert [issue.path for issue in response.issues] == [("title",)]
    assert response.state is ResponseState.FAILED  # the final value does not validate


def test_a_failed_value_that_replaced_nothing_shown_is_not_a_change() -> None:
    response = partialjson.stream(chat('{"title": "Abcdefgh"', ', "note": "n"}'), _Titled)
    changes = [u.changed for u in response if isinstance(u, PartialUpdate)]
    assert all(("title",) not in changed for changed in changes)
    assert [issue.path for issue in response.issues] == [("title",)]


def _relayed_value(chunks: list[dict[str, Any]]) -> list[Any]:
    """The value a browser rebuilds from the relay's patches, after each patch event."""
    from partialjson.web.patches import apply_patch

    value: Any = None
    seen = []
    for raw in partialjson.relay(partialjson.stream(chunks, _Titled), heartbeat=None):
        lines = raw.decode().splitlines()
        if "event: patch" in lines:
            data = next(line[6:] for line in lines if line.startswith("data: "))
            value = apply_patch(value, json.loads(data))
            seen.append(copy.deepcopy(value))
    return seen


def test_the_relay_takes_shown_text_back_when_its_value_fails() -> None:
    seen = _relayed_value(_titled(["Abc", "defgh"]))
    assert [v.get("title") for v in seen[:3]] == ["", "Abc", "Abcdefgh"]
    assert seen[-1]["title"] is None  # not the stale "Abcdefgh"
    assert seen[-1]["note"] == "n"


def test_the_relay_sends_nothing_for_a_failed_value_never_shown() -> None:
    seen = _relayed_value(chat('{"title": "Abcdefgh"', ', "note": "n"}'))
    assert all(v.get("title") is None for v in seen)


def test_the_async_relay_takes_shown_text_back_too() -> None:
    import asyncio

    async def source() -> Any:
        for chunk in _titled(["Abc", "defgh"]):
            yield chunk

    async def main() -> list[bytes]:
        response = partialjson.stream(source(), _Titled)
        return [raw async for raw in partialjson.arelay(response)]

    events = b"".join(asyncio.run(main())).decode()
    assert '{"op":"replace","path":"/title","value":null}' in events


# A bare number at the root is the one value only the end of the input completes: the done
# event's close reports it as every other completed value is reported.


@pytest.mark.parametrize("type_", [int, float, None])
@pytest.mark.parametrize("after", ["", " \n"])
def test_a_bare_number_at_the_root_is_reported_once(type_: Any, after: str) -> None:
    # Completed by the close, or already by the whitespace after it: reported once either way.
    updates = list(partialjson.stream(chat(" 4", "2" + after), type_))
    kinds = [type(update).__name__ for update in updates]
    assert kinds == ["Started", "PartialUpdate", "FieldCompleted", "Completed"]
    assert updates[1].value == 42 and updates[2].path == ()


def test_lenient_prose_starting_with_a_digit_completes_the_root_once() -> None:
    chunks = chat("7 apples: ", "[1, 2]")
    updates = list(partialjson.stream(chunks, List[int], lenient=True))
    assert [u.path for u in updates if isinstance(u, partialjson.FieldCompleted)].count(()) == 1


@pytest.mark.parametrize("type_", [int, float, None])
def test_a_bare_number_at_the_root_is_reported_when_the_close_completes_it(type_: Any) -> None:
    response = partialjson.stream(chat(" 4", "2"), type_)
    updates = list(response)
    kinds = [type(update).__name__ for update in updates]
    assert kinds == ["Started", "PartialUpdate", "FieldCompleted", "Completed"]
    assert updates[1].value == 42 and updates[1].changed == ((),)
    assert updates[2].path == () and updates[3].value == 42
    assert response.status() is partialjson.FieldStatus.COMPLETE


@pytest.mark.parametrize("type_", [int, None])
def test_a_bare_number_read_with_partial_numbers_is_sent_whole_at_the_close(type_: Any) -> None:
    # Its unfinished digits make no update (no parse event): the close sends the whole number.
    updates = list(partialjson.stream(chat("4", "2"), type_, partial_numbers=True))
    shown = [update.value for update in updates if isinstance(update, partialjson.PartialUpdate)]
    assert shown == [42]
    completed = [u.path for u in updates if isinstance(u, partialjson.FieldCompleted)]
    assert completed == [()]


def test_a_bare_number_that_fails_its_type_is_not_completed() -> None:
    updates = list(partialjson.stream(chat("4", ".5"), int))
    assert not any(isinstance(update, partialjson.FieldCompleted) for update in updates)
    assert isinstance(updates[-1], partialjson.Failed)


def test_the_relay_sends_a_bare_number_at_the_root() -> None:
    from partialjson.web.patches import apply_patch

    value: Any = None
    for raw in partialjson.relay(partialjson.stream(chat("1", "7"), int), heartbeat=None):
        lines = raw.decode().splitlines()
        if "event: patch" in lines:
            data = next(line[6:] for line in lines if line.startswith("data: "))
            value = apply_patch(value, json.loads(data))
    assert value == 17

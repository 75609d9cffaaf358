"""What the command line's views show, in-process: the form and its statuses, updates of kinds
the views do not know, and the live view drawn by rich."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any, List

import pytest
from pydantic import BaseModel, Field

import partialjson
from partialjson import Update
from partialjson.cli.board import Board, describe
from partialjson.cli.errors import InputError
from partialjson.cli.form import Form
from partialjson.cli.inputs import DOCUMENT, SSE, Input
from partialjson.cli.jsonout import Encoders, update_record
from partialjson.cli.session import Session
from partialjson.samples import Invoice, LineItem, invoice_stream, invoice_text


class Order(BaseModel):
    id: str = Field(alias="orderId")
    lines: List[LineItem]


def statuses(form: Form) -> dict[str, str]:
    return {row.label: row.status for row in form.rows()}


def form_of(text: str, model: Any = None) -> Form:
    """The form of a response stream that has read ``text`` (one delta)."""
    chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    response = partialjson.stream([chunk] if text else [], model)
    for _ in response:
        pass
    form = Form(response, model)
    form.sync()
    return form


def test_the_form_knows_pending_fields_from_the_model_and_keys_by_alias() -> None:
    assert statuses(form_of("", Order)) == {"orderId": "pending", "lines": "pending"}
    form = form_of('{"orderId": "A-1", "lines": [{"sku": "KB", "description": "Key', Order)
    rows = {row.label: row for row in form.rows()}
    assert rows["orderId"].status == "complete" and rows["orderId"].text == "A-1"
    table = rows["lines"]
    assert table.columns == ["sku", "description", "quantity", "unit_price"]
    assert [(c.text, c.status) for c in table.cells[0]] == [
        ("KB", "complete"),
        ("Key", "streaming"),
        ("", "pending"),
        ("", "pending"),
    ]


def test_a_value_that_fails_its_field_is_invalid_with_the_reason() -> None:
    form = form_of('{"sku": "KB", "quantity": 0, ', LineItem)
    [row] = [row for row in form.rows() if row.label == "quantity"]
    assert row.status == "invalid" and "greater than 0" in row.issue
    assert row.text == "0"  # the value it got, though kept out of the partial value


def test_without_a_model_the_form_follows_the_value() -> None:
    assert form_of("").rows() == []
    form = form_of('{"a": {"b": [1, 2]}, "rows": [{"x": 1}, {"y": "z')
    assert [(r.depth, r.label, r.header) for r in form.rows()] == [
        (0, "a", True),
        (1, "b", False),
        (0, "rows", False),
    ]
    assert form.rows()[-1].columns == ["x", "y"]
    assert [c.status for c in form.rows()[-1].cells[1]] == ["pending", "streaming"]
    prose = form_of("I'll call a tool.")
    assert prose.error is not None and prose.rows() == []
    assert prose.text == "I'll call a tool."


def test_the_form_reads_the_stream_and_never_parses_the_text_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every byte is parsed once, by the stream: the views never join or re-parse the text
    (the demo on a 20K-character answer would otherwise redo its whole text per frame)."""
    import partialjson.typed.parser as typed_parser

    made = []
    real = typed_parser.TypedParser.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        made.append(args)
        real(self, *args, **kwargs)

    monkeypatch.setattr(typed_parser.TypedParser, "__init__", counting)
    session = bundled_session()  # (the stream makes its parser when it is made)
    monkeypatch.setattr(
        type(session.response), "text", property(lambda self: pytest.fail("text re-joined"))
    )
    board = Board(session, "test")
    for _, update in session:
        board.apply(update)
        board.sync()
        board.form.rows()
    assert len(made) == 1  # the stream's own parser
    assert board.form.value == json.loads(invoice_text())
    assert statuses(board.form)["total"] == "complete"


@dataclass(frozen=True)
class ReasoningDelta(Update):
    """An update kind the views were not written for (as other layers add them)."""

    delta: str
    item: Any = None


def bundled_session(model: Any = Invoice) -> Session:
    input_ = Input("invoice_stream.sse", io.BytesIO(invoice_stream()), live=False)
    assert input_.sniff() == SSE
    return Session(input_, SSE, model=model)


def test_updates_of_unknown_kinds_are_shown_generically_never_an_error() -> None:
    update = ReasoningDelta("thinking…", item={"id": 1})
    assert describe(update) == 'reasoning_delta delta="thinking…" item={"id": 1}'
    record = update_record(update, 1.5, Encoders())
    assert record == {"kind": "reasoning_delta", "t": 1.5, "delta": "thinking…", "item": {"id": 1}}
    json.dumps(record)
    board = Board(bundled_session(), "test")
    board.apply(update)
    assert board.notes == [describe(update)]


def test_the_live_view_draws_every_state_of_the_bundled_stream() -> None:
    pytest.importorskip("rich")
    from rich.console import Console

    from partialjson.cli.live import render, render_final

    session = bundled_session()
    board = Board(session, "partialjson demo")
    console = Console(file=io.StringIO(), width=100, record=True)
    frames = []
    board.apply(ReasoningDelta("hm"))
    for n, (_, update) in enumerate(session):
        board.apply(update)
        if n % 12 == 0 or session.response.state.terminal:  # a frame now and then
            board.sync()
            console.print(render(board))
            frames.append(console.export_text(clear=True))
    console.print(render_final(board))
    end = console.export_text()
    assert any("… streaming" in f and "· pending" in f for f in frames)
    assert any("held until complete" in f for f in frames)
    assert "✓ complete: released" in frames[-1] and "reasoning_delta" in frames[-1]
    assert "✓ validated Invoice" in end and "total=224.99" in end


def test_a_document_that_is_not_json_names_the_line_and_column() -> None:
    input_ = Input("answer.json", io.BytesIO(b'{"a": 1,\n "b": tru}'), live=False)
    assert input_.sniff() == DOCUMENT
    session = Session(input_, DOCUMENT)
    for _ in session:
        pass
    with pytest.raises(InputError, match=r"^answer\.json:2:10: not JSON: "):
        session.check()

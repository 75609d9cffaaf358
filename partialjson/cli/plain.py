"""The plain-text view: one line per thing worth reading, as it happens.

Used when standard output is not a terminal, when ``rich`` is not installed, with ``--plain``,
and for ``replay``'s human output. A line for the start, one for each value of the answer as it
becomes complete (with the time), tool calls as they start and are released, anything else
described generically, then the terminal state and the validated value.
"""

from __future__ import annotations

import json
import time
from typing import Any, TextIO

from pydantic import BaseModel

from ..core.events import Path
from ..lifecycle.updates import (
    FieldCompleted,
    Started,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from .board import Board
from .form import INVALID, shown
from .jsonout import jsonable


def label(path: Path) -> str:
    """``("items", 0, "sku")`` as ``items[0].sku``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(answer)"


_BATCH = 0.05  #: seconds


class PlainView:
    def __init__(self, board: Board, out: TextIO, *, width: int = 100) -> None:
        self.board = board
        self.out = out
        self.width = width
        self._announced: set[str] = set()
        # Completed values wait a moment to be printed in a batch: a complete value never
        # changes, and one catch-up of the form per batch keeps a long stream linear.
        self._completed: list[tuple[float, Path]] = []
        self._flushed = 0.0

    def _print(self, text: str) -> None:
        self._flush()
        self._line(text)

    def _line(self, text: str) -> None:
        if len(text) > self.width:
            text = text[: self.width - 1] + "…"
        print(text, file=self.out, flush=True)

    def start(self) -> None:
        pass

    def show(self, t: float, update: Update) -> None:
        board = self.board
        notes = len(board.notes)
        board.apply(update)
        if isinstance(update, Started):
            parts = [board.title, board.session.provider, update.model, update.response_id]
            self._print("● started  " + " · ".join(str(p) for p in parts if p))
        elif isinstance(update, FieldCompleted) and update.choice == 0:
            self._completed.append((t, update.path))
            if time.monotonic() - self._flushed >= _BATCH:
                self._flush()
        elif isinstance(update, ToolCallProgress):
            key = update.call_id or update.name
            if key not in self._announced:
                self._announced.add(key)
                self._print(f"  … tool call {update.name} {update.call_id}: arguments streaming")
        elif isinstance(update, ToolCallReady):
            call = update.call
            arguments = json.dumps(jsonable(call.arguments), ensure_ascii=False)
            self._print(f"  ✓ tool call {call.name} released {t:6.2f}s  {arguments}")
        elif isinstance(update, ToolCallRejected):
            error = type(update.error).__name__
            self._print(f"  ✗ tool call {update.name} rejected ({error}): not run")
        elif len(board.notes) > notes:  # a kind of update this view does not know
            self._print(f"  · {board.notes[-1]}")

    def _flush(self) -> None:
        self._flushed = time.monotonic()
        if not self._completed:
            return
        completed, self._completed = self._completed, []
        self.board.sync()
        if self.board.form.error is None:
            for t, path in completed:
                self._field(t, path)

    def _field(self, t: float, path: Path) -> None:
        form = self.board.form
        try:
            value: Any = form.value
            for part in path:
                value = value[part]
        except (KeyError, IndexError, TypeError):
            return
        if isinstance(value, (dict, list)):
            return  # its members were shown as they completed
        mark = "✗" if form.status(path) == INVALID else "✓"
        self._line(f"  {mark} {label(path):<28} {t:6.2f}s  {shown(value)}")

    def finish(self) -> None:
        board = self.board
        self._flush()
        board.sync()
        if board.session.input.error is not None:
            self._print("● stopped: bad input")  # said on stderr, with where
            return
        if board.refusal:
            self._print(f"  refusal: {board.refusal}")
        if board.form.error is not None and board.form.text.strip():
            self._print(f"  answer (text, not JSON): {' '.join(board.form.text.split())}")
        self._print(f"● {board.state_text()}  {board.progress()}")
        ok, final = board.final()
        if ok:
            name = type(final).__name__ if isinstance(final, BaseModel) else "value"
            print(f"validated {name}:" if board.session.model else "final value:", file=self.out)
            print(json.dumps(jsonable(final), ensure_ascii=False, indent=2), file=self.out)
        elif board.response.state.value != "completed" or board.form.started:
            self._print(f"  {final}")
            partial = board.response.partial
            if partial and board.response.state.value != "completed":
                shown = json.dumps(jsonable(partial), ensure_ascii=False)
                self._print(f"  partial value, for display only: {shown}")
        self.out.flush()

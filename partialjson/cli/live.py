"""The live terminal view (``rich``): the typed form filling in, tool calls, state, progress.

Imported only when ``rich`` is installed and standard output is a terminal. The board is
redrawn at most 30 times a second, so a fast replay costs no more than a slow one; the last
frame stays on screen, followed by the validated value (or why there is none).
"""

from __future__ import annotations

import io
import os
import time
from typing import Optional

from rich import box
from rich.console import Console, Group, RenderableType
from rich.constrain import Constrain
from rich.json import JSON
from rich.live import Live
from rich.panel import Panel
from rich.pretty import Pretty
from rich.table import Table
from rich.text import Text

from ..lifecycle.updates import Update
from .board import REJECTED, RELEASED, Board
from .form import COMPLETE, INVALID, PENDING, STREAMING, Cell, Row

_FRAME = 1 / 30
WIDTH = 100  #: at most this wide: a form reads better compact than stretched
_STATUS = {
    PENDING: ("·", "pending", "dim"),
    STREAMING: ("…", "streaming", "yellow"),
    COMPLETE: ("✓", "complete", "green"),
    INVALID: ("✗", "invalid", "bold red"),
}
_STATE_STYLE = {
    "pending": "dim",
    "streaming": "bold yellow",
    "completed": "bold green",
    "incomplete": "bold dark_orange",
    "refused": "bold magenta",
    "failed": "bold red",
    "cancelled": "bold red",
}
_CURSOR = "▌"


def status_text(status: str) -> Text:
    mark, word, style = _STATUS.get(status, ("?", status, "cyan"))
    return Text(f"{mark} {word}", style=style)


def value_text(text: str, status: str) -> Text:
    if status == PENDING and not text:
        return Text("—", style="dim")
    style = _STATUS.get(status, ("", "", ""))[2] if status != COMPLETE else ""
    out = Text(text, style=style)
    if status == STREAMING:
        out.append(_CURSOR, style="yellow")
    return out


def _cell(cell: Cell) -> Text:
    return value_text(cell.text, cell.status)


def render_form(board: Board) -> RenderableType:
    form = board.form
    if form.error is not None:  # not JSON: prose beside tool calls, or plain text
        return Panel(Text(form.text), title="answer (text)", title_align="left", box=box.ROUNDED)
    rows = form.rows()
    if not rows:
        if form.text.strip():  # e.g. an object with no members yet
            return Text(f"  {' '.join(form.text.split())[:200]}")
        if board.response.state.terminal:
            return Text("  no answer", style="dim")
        return Text("  waiting for the answer…", style="dim")
    grid = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    grid.add_column("field", style="bold", no_wrap=True)
    grid.add_column("value", ratio=1, overflow="ellipsis", no_wrap=True)
    grid.add_column("status", no_wrap=True, width=11)
    for row in rows:
        name = Text("  " * row.depth + row.label)
        if row.header:
            grid.add_row(name, "", status_text(row.status))
        elif row.columns:
            grid.add_row(name, _table(row), status_text(row.status))
        else:
            value = value_text(row.text, row.status)
            if row.issue:
                value.append(f"  {row.issue}", style="red")
            grid.add_row(name, value, status_text(row.status))
    return Panel(grid, title=f"[bold]{form.title}[/]", title_align="left", box=box.ROUNDED)


def _table(row: Row) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        pad_edge=False,
        header_style="dim",
        show_edge=False,
        expand=True,
    )
    for index, column in enumerate(row.columns):
        # Columns as wide as what they hold (up to a point); the widest give way first.
        widest = max([len(column)] + [len(cells[index].text) + 1 for cells in row.cells])
        if widest <= 12:  # ids, numbers: always whole
            table.add_column(column, overflow="ellipsis", no_wrap=True, min_width=widest)
        else:  # prose: takes the room there is
            table.add_column(column, overflow="ellipsis", no_wrap=True, ratio=1)
    for cells in row.cells:
        table.add_row(*(_cell(cell) for cell in cells))
    if not row.cells:
        table.add_row(*(Text("—", style="dim") for _ in row.columns))
    return table


def render_calls(board: Board) -> Optional[RenderableType]:
    if not board.calls:
        return None
    grid = Table(box=None, show_header=False, padding=(0, 1), expand=True)
    grid.add_column("name", style="bold cyan", no_wrap=True)
    grid.add_column("arguments", ratio=1, overflow="fold")
    grid.add_column("status", no_wrap=True, width=26)
    for call in board.calls.values():
        if call.status == RELEASED:
            status = Text("✓ complete: released", style="green")
            arguments = Text(call.arguments_text)
        elif call.status == REJECTED:
            status = Text(f"✗ rejected ({call.error})", style="bold red")
            arguments = Text(call.arguments_text, style="red")
        else:
            status = Text("… held until complete", style="yellow")
            arguments = value_text(call.arguments_text, STREAMING)
        grid.add_row(call.name or "?", arguments, status)
    return Panel(grid, title="[bold]tool calls[/]", title_align="left", box=box.ROUNDED)


def render_header(board: Board) -> RenderableType:
    response = board.response
    state = response.state.value
    line = Text(f" {board.title}", style="bold", no_wrap=True, overflow="ellipsis")
    line.append("  ● ", style=_STATE_STYLE.get(state, "bold"))
    line.append(board.state_text(), style=_STATE_STYLE.get(state, "bold"))
    line.append("   " + board.progress())
    source = [os.path.basename(board.session.input.name), board.session.provider]
    if board.started is not None:
        source += [board.started.model, board.started.response_id]
    shown = " · ".join(str(s) for s in source if s)
    return Group(line, Text(f" {shown}", style="dim", no_wrap=True, overflow="ellipsis"))


def render(board: Board) -> RenderableType:
    parts: list[RenderableType] = [render_header(board), render_form(board)]
    calls = render_calls(board)
    if calls is not None:
        parts.append(calls)
    if board.refusal:
        parts.append(Panel(Text(board.refusal), title="refusal", border_style="magenta"))
    for note in board.notes[-3:]:
        parts.append(Text(f" · {note}", style="dim"))
    return Constrain(Group(*parts), WIDTH)


def render_final(board: Board) -> RenderableType:
    if board.session.input.error is not None:
        return Text(f" ✗ stopped: bad input ({board.session.input.error.message})", style="red")
    ok, final = board.final()
    if ok:
        if board.session.model is not None:
            body: RenderableType = Pretty(final)
            title = f"✓ validated {getattr(board.session.model, '__name__', 'value')}"
        else:
            body, title = JSON.from_data(final, ensure_ascii=False), "✓ final value (JSON)"
        panel = Panel(body, title=title, title_align="left", border_style="green")
        return Constrain(panel, WIDTH)
    response = board.response
    state = response.state.value
    if state == "completed" and board.session.model is None:
        # Tool calls, perhaps with prose beside them: nothing to validate, nothing wrong.
        calls = len(response.tool_calls)
        text = "no answer text" if not board.form.text.strip() else "the answer is text, not JSON"
        return Text(f" ✓ {board.state_text()}: {calls} tool call(s) released; {text}", "green")
    why = Text(final)
    if response.message:
        why.append(f"\n{response.message}", style="dim")
    style = _STATE_STYLE.get(state, "red").replace("bold ", "")
    title = f"no final value: {board.state_text()}"
    return Constrain(Panel(why, title=title, title_align="left", border_style=style), WIDTH)


class LiveView:
    """Redraws the board in place while the stream runs."""

    def __init__(self, board: Board, console: Optional[Console] = None) -> None:
        self.board = board
        self.console = console or Console()
        self._live = Live(console=self.console, auto_refresh=False, transient=False)
        self._drawn = 0.0

    def start(self) -> None:
        self._live.start()
        self._draw()

    def _draw(self) -> None:
        self.board.sync()
        self._live.update(render(self.board), refresh=True)
        self._drawn = time.monotonic()

    def show(self, t: float, update: Update) -> None:
        self.board.apply(update)
        if time.monotonic() - self._drawn >= _FRAME:
            self._draw()

    def finish(self) -> None:
        self._draw()
        self._live.stop()
        self.console.print(render_final(self.board))


def capture_svg(board: Board, path: str, *, final: bool = True, width: int = WIDTH) -> None:
    """Draw the screen as a terminal shows it — the frame, and at the end the validated
    value — into an SVG (``rich``'s ``Console.save_svg``), e.g. for the README."""
    console = Console(record=True, width=width, force_terminal=True, file=io.StringIO())
    board.sync()
    console.print(render(board))
    if final:
        console.print(render_final(board))
    console.save_svg(path, title=board.title)

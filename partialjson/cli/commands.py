"""The three commands: ``demo`` and ``watch`` (a live view for people) and ``replay`` (for
scripts and benchmark suites). Each returns its exit status; bad input is raised as
:class:`~.errors.InputError` for :func:`partialjson.cli.main` to report."""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import sys
from collections.abc import Mapping
from typing import Any, Optional, TextIO

from ..samples import Invoice, SendInvoice, invoice_stream
from .board import Board
from .errors import EXIT_INTERRUPTED, InputError, exit_status
from .inputs import Input, Pace
from .jsonout import Encoders, line, terminal_record, update_record
from .plain import PlainView, label
from .session import TERMINAL, LogCapture, Session

BUNDLED = "invoice_stream.sse (bundled)"


class UsageError(Exception):
    """A command line that cannot run (exit status 2), said in one line."""


def rich_available() -> bool:
    return importlib.util.find_spec("rich") is not None


# -- demo and watch --------------------------------------------------------------------------


def demo(
    *,
    speed: float,
    stream: Optional[str],
    model: Optional[str],
    tools: list[str],
    plain: bool,
    save_svg: Optional[str],
    verbose: bool,
    svg_after: Optional[int] = None,
) -> int:
    if save_svg and not rich_available():
        raise UsageError("--save-svg needs rich: pip install 'partialjson-stream[rich]'")
    if stream is None:
        input_ = Input(BUNDLED, io.BytesIO(invoice_stream()), live=False)
        type_: Any = Invoice if model is None else load_object(model, "--model")
        tool_types = {"send_invoice": SendInvoice, **load_tools(tools)}
    else:
        input_ = Input.open(stream)
        type_ = None if model is None else load_object(model, "--model")
        tool_types = load_tools(tools)
    return show(
        input_,
        title="partialjson demo",
        model=type_,
        tools=tool_types,
        pace=Pace(speed),
        plain=plain,
        save_svg=save_svg,
        svg_after=svg_after,
        verbose=verbose,
    )


def watch(*, model: Optional[str], tools: list[str], plain: bool, verbose: bool) -> int:
    if sys.stdin.isatty():
        raise UsageError(
            "watch reads a stream on standard input: pipe one in, e.g. "
            "curl -N ... | partialjson watch"
        )
    type_ = None if model is None else load_object(model, "--model")
    return show(
        Input.open("-"),
        title="partialjson watch",
        model=type_,
        tools=load_tools(tools),
        pace=None,
        plain=plain,
        save_svg=None,
        verbose=verbose,
    )


def show(
    input_: Input,
    *,
    title: str,
    model: Any,
    tools: Mapping[str, Any],
    pace: Optional[Pace],
    plain: bool,
    save_svg: Optional[str],
    verbose: bool,
    svg_after: Optional[int] = None,
) -> int:
    """Run a stream through a human view: live with rich on a terminal, else plain lines."""
    try:
        kind = input_.sniff()
        with LogCapture(verbose):
            session = Session(input_, kind, model=model, tools=tools, pace=pace)
            board = Board(session, title)
            view: Any
            if not plain and sys.stdout.isatty() and rich_available():
                from .live import LiveView

                view = LiveView(board)
            else:
                view = PlainView(board, sys.stdout)
            interrupted = False
            view.start()
            try:
                for t, update in session:
                    view.show(t, update)
                    if save_svg and svg_after and session.response.metrics.deltas >= svg_after:
                        _capture(board, save_svg, final=False)
                        save_svg = None
            except KeyboardInterrupt:
                interrupted = True
                view.show(session.elapsed(), session.cancel())
            finally:
                view.finish()
    finally:
        input_.close()
    if save_svg:
        _capture(board, save_svg, final=True)
    if interrupted:
        return EXIT_INTERRUPTED
    return finish(session)


def _capture(board: Board, path: str, *, final: bool) -> None:
    from .live import capture_svg

    capture_svg(board, path, final=final)


def finish(session: Session) -> int:
    """After a stream: bad input raises; a failure gets its one stderr line; the status."""
    session.check()
    problem = session.problem()
    if problem:
        print(f"partialjson: {problem}", file=sys.stderr)
    return exit_status(session.response.state)


# -- replay ----------------------------------------------------------------------------------


def replay(path: str, *, as_json: bool, stats: bool, verbose: bool) -> int:
    input_ = Input.open(path)
    out = sys.stdout
    try:
        kind = input_.sniff()
        with LogCapture(verbose):
            session = Session(input_, kind)
            try:
                if stats:
                    for _ in session:
                        pass
                elif as_json:
                    _json_lines(session, out, flush=path == "-")
                else:
                    view = PlainView(Board(session, "replay"), out)
                    for t, update in session:
                        view.show(t, update)
                    view.finish()
            except KeyboardInterrupt:
                session.cancel()
                if as_json:
                    print(line(terminal_record(session.terminal, session.elapsed(), session)))
                return EXIT_INTERRUPTED
            except InputError as error:
                if as_json:  # the last line is still the state it got to
                    record = terminal_record(None, session.elapsed(), session)
                    print(line(_bad_input(record, error)), file=out)
                raise
        if stats:
            _print_stats(session, out, as_json)
    finally:
        input_.close()
    return finish(session)


def _json_lines(session: Session, out: TextIO, *, flush: bool) -> None:
    encoders = Encoders()
    terminal: Any = None
    last = 0.0
    for t, update in session:
        last = t
        if isinstance(update, TERMINAL):
            terminal = update
            continue
        print(line(update_record(update, t, encoders)), file=out, flush=flush)
    print(line(_last_record(session, terminal, last)), file=out, flush=True)


def _last_record(session: Session, terminal: Any, t: float) -> dict[str, Any]:
    """The last ``--json`` line: the terminal state, or bad input when the exit status will be
    2 (the line and the status never disagree)."""
    record = terminal_record(terminal, t, session)
    error = session.bad_input()
    return record if error is None else _bad_input(record, error)


def _bad_input(record: dict[str, Any], error: InputError) -> dict[str, Any]:
    record.update(kind="failed", state="failed", reason="bad_input", value=None)
    record["no_value"] = "no final value: bad input"
    record["message"] = error.message
    record["error"] = str(error)
    return record


def _print_stats(session: Session, out: TextIO, as_json: bool) -> None:
    stats = session.stats()
    if as_json:
        record = _last_record(session, session.terminal, session.elapsed())
        record["stats"] = stats
        print(line(record), file=out)
        return
    response = session.response

    def ms(seconds: Optional[float]) -> str:
        return "-" if seconds is None else f"{seconds * 1000:.3f} ms"

    reason = f" ({response.reason})" if response.reason else ""
    per_delta = stats["parse_seconds_per_delta"]
    rows = [
        ("stream", f"{session.input.name} ({session.provider or '?'}, {session.kind})"),
        ("state", f"{response.state.value}{reason}"),
        ("time to first delta", ms(stats["time_to_first_delta"])),
        ("time to first complete field", ms(stats["time_to_first_complete_field"])),
        ("duration", ms(stats["duration"])),
        ("deltas", f"{stats['deltas']:,}"),
        ("bytes", f"{stats['bytes']:,}"),
        ("characters", f"{stats['characters']:,}"),
        ("events", f"{stats['events']:,} ({stats['unknown_events']} unknown)"),
        ("parse time", ms(stats["parse_seconds"])),
        ("parse time per delta", "-" if per_delta is None else f"{per_delta * 1e6:.1f} µs"),
    ]
    for name, value in rows:
        print(f"{name:<30}{value}", file=out)
    if stats["fields"]:
        print("field completion times:", file=out)
        for field in stats["fields"]:
            print(f"  {ms(field['seconds']):>12}  {label(tuple(field['path']))}", file=out)


# -- loading types ---------------------------------------------------------------------------


def load_object(spec: str, option: str) -> Any:
    """``package.module:Class`` (or ``path/to/file.py:Class``) as the object it names."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise UsageError(f"{option} {spec!r}: expected module:Class, e.g. myapp.models:Invoice")
    try:
        if module_name.endswith(".py"):
            location = importlib.util.spec_from_file_location("_partialjson_model", module_name)
            if location is None or location.loader is None:
                raise ImportError(f"cannot load {module_name}")
            module = importlib.util.module_from_spec(location)
            location.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path and "" not in sys.path:
                sys.path.insert(0, os.getcwd())  # as `python -m` would: models of this project
            module = importlib.import_module(module_name)
    except FileNotFoundError:
        raise UsageError(f"{option} {spec!r}: no such file {module_name}") from None
    except Exception as error:
        raise UsageError(
            f"{option} {spec!r}: cannot import {module_name}: {type(error).__name__}: {error}"
        ) from None
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise UsageError(f"{option} {spec!r}: {module_name} has no {attribute}") from None
    return found


def load_tools(specs: list[str]) -> dict[str, Any]:
    tools = {}
    for spec in specs:
        name, _, target = spec.partition("=")
        if not name or not target:
            raise UsageError(f"--tool {spec!r}: expected NAME=module:Class")
        tools[name] = load_object(target, "--tool")
    return tools

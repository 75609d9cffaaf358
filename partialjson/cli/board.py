"""What the human views show, kept up to date from the updates: the views only draw it.

A :class:`Board` follows one :class:`~.session.Session`: the answer as a :class:`~.form.Form`,
the tool calls (arguments taking shape, then released or rejected), a refusal's text, and any
other update — including kinds added to the library later — described generically, never an
error. Progress (deltas, bytes, elapsed) and the lifecycle state are read from the session.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Optional

from pydantic import BaseModel

from ..lifecycle.updates import (
    FieldCompleted,
    PartialUpdate,
    RefusalDelta,
    Started,
    ToolCallProgress,
    ToolCallReady,
    ToolCallRejected,
    Update,
)
from ..typed.parser import FinalValueError
from .form import Form
from .jsonout import jsonable, kind_of
from .session import TERMINAL, Session

STREAMING, RELEASED, REJECTED = "streaming", "released", "rejected"


@dataclass
class Call:
    call_id: str
    name: str
    arguments: Any = None
    status: str = STREAMING
    error: str = ""

    @property
    def arguments_text(self) -> str:
        arguments = self.arguments
        if arguments is None:
            return ""
        if isinstance(arguments, BaseModel):  # a partial view: only what has arrived
            arguments = arguments.model_dump(mode="json", by_alias=True, exclude_unset=True)
        return json.dumps(jsonable(arguments), ensure_ascii=False)


def describe(update: Update, width: int = 80) -> str:
    """Any update in one line: its kind and fields (for kinds the views do not know)."""
    fields: list[str] = []
    if dataclasses.is_dataclass(update):
        for f in dataclasses.fields(update):
            value = getattr(update, f.name)
            if value is None or value == "" or f.name == "choice":
                continue
            shown = json.dumps(jsonable(value), ensure_ascii=False)
            fields.append(f"{f.name}={shown}")
    text = " ".join([kind_of(update), *fields])
    return text if len(text) <= width else text[: width - 1] + "…"


class Board:
    """The state a human view draws, from a session's updates."""

    def __init__(self, session: Session, title: str) -> None:
        self.session = session
        self.title = title
        self.form = Form(session.response, session.model)
        self.calls: dict[str, Call] = {}
        self.refusal = ""
        self.notes: list[str] = []
        self.started: Optional[Started] = None
        self.terminal: Optional[Update] = None

    @property
    def response(self) -> Any:
        return self.session.response

    def apply(self, update: Update) -> None:
        if isinstance(update, (PartialUpdate, FieldCompleted)):
            pass  # the form reads the stream's partial value and statuses (see sync)
        elif isinstance(update, Started):
            self.started = update
        elif isinstance(update, ToolCallProgress):
            call = self._call(update.call_id, update.name)
            call.arguments = update.arguments
        elif isinstance(update, ToolCallReady):
            call = self._call(update.call.call_id, update.call.name)
            call.arguments, call.status = update.call.arguments, RELEASED
        elif isinstance(update, ToolCallRejected):
            call = self._call(update.call_id, update.name)
            call.status, call.error = REJECTED, f"{type(update.error).__name__}"
        elif isinstance(update, RefusalDelta):
            self.refusal += update.delta
        elif isinstance(update, TERMINAL):
            self.terminal = update
        else:  # a kind this view does not know (yet): shown, never an error
            self.notes.append(describe(update))

    def _call(self, call_id: str, name: str) -> Call:
        key = call_id or name
        call = self.calls.get(key)
        if call is None:
            call = self.calls[key] = Call(call_id, name)
        if name and not call.name:
            call.name = name
        return call

    def sync(self) -> None:
        """Bring the form up to the stream (call before drawing)."""
        self.form.sync()

    def final(self) -> tuple[bool, Any]:
        """``(True, value)`` for a validated final value, else ``(False, why there is none)``."""
        try:
            return True, self.response.final
        except FinalValueError as error:
            return False, str(error)

    def progress(self) -> str:
        metrics = self.response.metrics
        return (
            f"{metrics.deltas} deltas · {_size(self.session.input.position)} · "
            f"{self.session.elapsed():.1f} s"
        )

    def state_text(self) -> str:
        response = self.response
        reason = f" ({response.reason})" if response.reason else ""
        return f"{response.state.value}{reason}"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"

"""The answer as a form: every field's value and status, laid out for the terminal views.

:class:`Form` reads what the response stream already knows — ``partial``, ``status(path)``
and ``issues`` — so every byte of the answer is parsed once, by the stream; a refresh costs
no re-join and no re-parse of the text. It lays the fields out from the model's JSON schema
(so fields that have not arrived yet are shown as *pending*) or, without a model, from the
value as it grows. A list of objects becomes a table, one row per element.

>>> import partialjson
>>> from partialjson.samples import Customer
>>> chunk = {"choices": [{"index": 0, "delta": {"content": '{"name": "Zoë", "email": "zo'}}]}
>>> response = partialjson.stream([chunk], Customer)
>>> for update in response:
...     pass
>>> form = Form(response, Customer)
>>> form.sync()
>>> [(row.label, row.text, row.status) for row in form.rows()]
[('name', 'Zoë', 'complete'), ('email', 'zo', 'streaming'), ('vip', '', 'pending')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from pydantic import BaseModel, TypeAdapter
from pydantic_core import PydanticSerializationError, to_jsonable_python

from ..core.errors import IncompleteJSONError, ParseError
from ..core.events import Path
from ..streaming.response import ResponseStream

PENDING, STREAMING, COMPLETE, INVALID = "pending", "streaming", "complete", "invalid"
_MISSING: Any = object()


@dataclass
class Cell:
    text: str
    status: str


@dataclass
class Row:
    """One line of the form: a field (``text``), a section header, or a table of objects."""

    depth: int
    label: str
    status: str
    text: str = ""
    header: bool = False
    columns: list[str] = field(default_factory=list)
    cells: list[list[Cell]] = field(default_factory=list)
    #: Why a complete value failed its field's validation.
    issue: str = ""


def shown(value: Any) -> str:
    """A value as a form shows it: strings bare, on one line; the rest as compact JSON."""
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "↵").replace("\n", "↵")
    return json.dumps(value, ensure_ascii=False, default=str)


class Form:
    """The answer's fields and their status, read from a response stream (choice 0)."""

    def __init__(self, response: ResponseStream, model: Any = None) -> None:
        self.response = response
        self.model = model
        self.title = getattr(model, "__name__", None) or (str(model) if model else "answer")
        self._schema, self._defs = _schema_of(model)
        self._value: Any = _MISSING  # the partial value as JSON data, taken once per sync
        self._issue_map: Optional[dict[Path, str]] = None
        self._rejected: dict[tuple[Path, int], Any] = {}  # each issue's value, read once

    def sync(self) -> None:
        """Catch up with the stream (call before drawing): what was read is read again lazily,
        at most once per sync."""
        self._value = _MISSING
        self._issue_map = None

    @property
    def error(self) -> Optional[ParseError]:
        """Set when the text is not JSON (e.g. prose beside tool calls): shown as text."""
        error = self.response.choices[0].error
        if isinstance(error, ParseError) and not isinstance(error, IncompleteJSONError):
            return error  # (a truncated answer is still shown as a form)
        return None

    @property
    def text(self) -> str:
        """The answer's raw text (joined on each call: for text that is not JSON)."""
        return self.response.text

    @property
    def started(self) -> bool:
        return self.response.partial is not None or self.error is not None

    @property
    def value(self) -> Any:
        """The partial value so far as JSON data, by the JSON's keys (``None`` before it
        starts)."""
        if self._value is _MISSING:
            partial = self.response.partial
            # untyped: the stream's own value (no copy); typed: its view as JSON data, with
            # the values that failed validation (kept out of the view) shown where they were
            self._value = partial if self.model is None else self._with_rejected(_plain(partial))
        return self._value

    def _with_rejected(self, value: Any) -> Any:
        for issue in self.response.issues:
            key = (issue.path, issue.position)
            if key not in self._rejected:  # a complete value: its text is read once
                self._rejected[key] = _value_at(self.response.text, issue.position)
            rejected = self._rejected[key]
            if rejected is _MISSING or not issue.path:
                continue
            parent = value
            try:
                for part in issue.path[:-1]:
                    parent = parent[part]
                last = issue.path[-1]
                in_list = isinstance(parent, list) and isinstance(last, int) and last < len(parent)
                if in_list or isinstance(parent, dict):
                    parent[last] = rejected
            except (KeyError, IndexError, TypeError):
                continue
        return value

    def status(self, path: Path) -> str:
        if path in self._issues():
            return INVALID
        return str(self.response.status(path).value)

    def _issues(self) -> dict[Path, str]:
        if self._issue_map is None:
            self._issue_map = {issue.path: issue.message for issue in self.response.issues}
        return self._issue_map

    def rows(self) -> list[Row]:
        rows: list[Row] = []
        value = self.value if self.started and self.error is None else _MISSING
        if value is _MISSING and self._schema is None:
            return rows
        self._walk(self._schema, value, (), 0, "", rows)
        return rows

    # -- layout ----------------------------------------------------------------------

    def _resolve(self, schema: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
        while schema is not None:
            if "$ref" in schema:
                schema = self._defs.get(schema["$ref"].rsplit("/", 1)[-1])
                continue
            variants = schema.get("anyOf") or schema.get("oneOf")
            if variants:
                real = [v for v in variants if v.get("type") != "null"]
                schema = real[0] if len(real) == 1 else None
                continue
            return schema
        return None

    def _walk(
        self, schema: Any, value: Any, path: Path, depth: int, label: str, rows: list[Row]
    ) -> None:
        schema = self._resolve(schema)
        status = self.status(path)
        properties = (schema or {}).get("properties")
        if properties is not None or (schema is None and isinstance(value, dict)):
            if path:
                rows.append(Row(depth, label, status, header=True))
            members = dict(properties or {})
            if isinstance(value, dict):
                members.update((key, None) for key in value if key not in members)
            for key, child in members.items():
                child_value = value.get(key, _MISSING) if isinstance(value, dict) else _MISSING
                self._walk(child, child_value, (*path, key), depth + bool(path), key, rows)
            return
        if _is_table(schema, value, self._resolve):
            rows.append(self._table(schema, value, path, depth, label, status))
            return
        issue = self._issues().get(path, "")
        rows.append(Row(depth, label or "value", status, shown(value), issue=issue))

    def _table(
        self, schema: Any, value: Any, path: Path, depth: int, label: str, status: str
    ) -> Row:
        item = self._resolve((schema or {}).get("items"))
        columns = list((item or {}).get("properties") or {})
        elements = value if isinstance(value, list) else []
        for element in elements:
            if isinstance(element, dict):
                columns.extend(key for key in element if key not in columns)
        cells = [
            [
                Cell(
                    shown(element.get(key, _MISSING) if isinstance(element, dict) else _MISSING),
                    self.status((*path, index, key)),
                )
                for key in columns
            ]
            for index, element in enumerate(elements)
        ]
        return Row(depth, label or "items", status, columns=columns, cells=cells)


def _is_table(schema: Any, value: Any, resolve: Any) -> bool:
    if schema is not None:
        if schema.get("type") != "array":
            return False
        item = resolve(schema.get("items"))
        return item is not None and "properties" in item
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _schema_of(model: Any) -> tuple[Optional[dict[str, Any]], dict[str, Any]]:
    """The model's JSON schema (by the keys the JSON uses), or ``None`` to follow the value."""
    if model is None:
        return None, {}
    try:
        schema = TypeAdapter(model).json_schema(mode="validation")
    except Exception:  # a type pydantic cannot describe: lay out what arrives instead
        return None, {}
    return schema, schema.get("$defs", {})


def _value_at(text: str, position: int) -> Any:
    """The JSON value that starts at ``position`` of ``text`` (``_MISSING`` if none does)."""
    try:
        return json.JSONDecoder().raw_decode(text, position)[0]
    except (ValueError, IndexError):
        return _MISSING


def _plain(value: Any) -> Any:
    """A typed partial value as JSON data: models by their JSON keys, with only the fields
    that have arrived (a field not set yet is pending, not ``null``)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    try:
        return to_jsonable_python(value, by_alias=True)
    except (PydanticSerializationError, ValueError):
        return str(value)

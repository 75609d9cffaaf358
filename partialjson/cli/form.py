"""The answer as a form: every field's value and status, laid out for the terminal views.

:class:`Form` follows the answer's text with its own :class:`~partialjson.TypedParser` (the
public API: ``status(path)`` and ``issues``), and lays the fields out from the model's JSON
schema — so fields that have not arrived yet are shown as *pending* — or, without a model,
from the value as it grows. A list of objects becomes a table, one row per element.

>>> from partialjson.samples import Customer
>>> form = Form(Customer)
>>> form.sync('{"name": "Zoë", "email": "zo')
>>> [(row.label, row.text, row.status) for row in form.rows()]
[('name', 'Zoë', 'complete'), ('email', 'zo', 'streaming'), ('vip', '', 'pending')]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from pydantic import TypeAdapter

from ..core.errors import ParseError
from ..core.events import Path
from ..typed.parser import TypedParser

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
    """The answer's fields and their status, fed the answer's text as it grows."""

    def __init__(self, model: Any = None) -> None:
        self.model = model
        self.title = getattr(model, "__name__", None) or (str(model) if model else "answer")
        self._parser: TypedParser[Any] = TypedParser(model if model is not None else Any)
        self._fed = 0
        self._schema, self._defs = _schema_of(model)
        #: Set when the text is not JSON (e.g. prose beside tool calls): shown as text.
        self.error: Optional[ParseError] = None
        self.text = ""

    def sync(self, text: str) -> None:
        """Catch up with the answer's text so far (``response.text``)."""
        new, self._fed, self.text = text[self._fed :], len(text), text
        if new and self.error is None:
            try:
                self._parser.feed(new)
            except ParseError as error:
                self.error = error

    @property
    def started(self) -> bool:
        return bool(self.text)

    @property
    def value(self) -> Any:
        """The raw JSON value so far (``None`` before it starts)."""
        return self._parser.parser.value

    def status(self, path: Path) -> str:
        if path in self._issues():
            return INVALID
        return str(self._parser.status(path).value)

    def _issues(self) -> dict[Path, str]:
        return {issue.path: issue.message for issue in self._parser.issues}

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

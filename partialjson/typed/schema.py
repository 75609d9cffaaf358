"""The JSON Schema to request structured output in OpenAI's strict mode.

Theory of operation
===================

pydantic writes the schema (``TypeAdapter(T).json_schema()``); this module rewrites it into
the subset that strict structured outputs accept, the same rules the OpenAI SDK applies, plus
the ones it leaves to the API to reject:

* every object lists all its properties in ``required`` and has ``additionalProperties: false``
  (an optional field stays optional as a union with ``null``: ``Optional[X]`` is
  ``anyOf: [X, null]``);
* ``oneOf`` (pydantic's discriminated unions) becomes ``anyOf``, without ``discriminator``;
* a ``$ref`` with sibling keywords is inlined; a one-entry ``allOf`` is merged; ``default: null``
  is dropped;
* what strict mode cannot say is an error that names the place: a root that is not an object,
  an object with free-form keys (``dict[str, X]``).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Optional

from pydantic import TypeAdapter

__all__ = ["json_schema", "response_format", "text_format"]

_NAME = re.compile(r"[^a-zA-Z0-9_-]")
_VALID_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def json_schema(type_: Any, *, strict: bool = True) -> dict[str, Any]:
    """The JSON Schema of ``type_``; with ``strict=True``, in the form strict mode accepts.

    >>> from partialjson import json_schema
    >>> from partialjson.samples import Customer
    >>> schema = json_schema(Customer)
    >>> schema["required"], schema["additionalProperties"]
    (['name', 'email', 'vip'], False)
    """
    schema = TypeAdapter(type_).json_schema()
    if not strict:
        return schema
    if schema.get("type") != "object" and "$ref" not in schema:
        raise ValueError(
            f"strict structured output needs an object at the root, and {_type_name(type_)} is "
            "not one: wrap it in a model (e.g. a field `items: list[...]`)"
        )
    return _strict(copy.deepcopy(schema), path="#", root=schema)


def text_format(
    type_: Any,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    strict: bool = True,
) -> dict[str, Any]:
    """The Responses API's ``text.format`` parameter for ``type_``.

    >>> from partialjson import text_format
    >>> from partialjson.samples import Customer
    >>> fmt = text_format(Customer)
    >>> fmt["type"], fmt["name"], fmt["strict"]
    ('json_schema', 'Customer', True)
    """
    if name is not None and not _VALID_NAME.fullmatch(name):
        raise ValueError(f"name {name!r} must be 1 to 64 letters, digits, '_' or '-'")
    out: dict[str, Any] = {"type": "json_schema", "name": name or _schema_name(type_)}
    if description:
        out["description"] = description
    out["schema"] = json_schema(type_, strict=strict)
    out["strict"] = strict
    return out


def response_format(
    type_: Any,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    strict: bool = True,
) -> dict[str, Any]:
    """Chat Completions' ``response_format`` parameter for ``type_``.

    >>> from partialjson import response_format
    >>> from partialjson.samples import Customer
    >>> fmt = response_format(Customer)
    >>> fmt["type"], sorted(fmt["json_schema"])
    ('json_schema', ['name', 'schema', 'strict'])
    """
    inner = text_format(type_, name=name, description=description, strict=strict)
    del inner["type"]
    return {"type": "json_schema", "json_schema": inner}


def _strict(schema: dict[str, Any], *, path: str, root: dict[str, Any]) -> dict[str, Any]:
    for key in ("$defs", "definitions"):
        for name, sub in schema.get(key, {}).items():
            schema[key][name] = _strict(sub, path=f"{path}/{key}/{name}", root=root)
    if "oneOf" in schema:
        schema["anyOf"] = schema.pop("oneOf")
        schema.pop("discriminator", None)
    if schema.get("type") == "object":
        extra = schema.get("additionalProperties")
        if extra not in (None, False):
            raise ValueError(
                f"strict structured output cannot express free-form keys (a dict) at {path}: "
                "use a model with named fields, or a list of key/value objects"
            )
        schema["additionalProperties"] = False
        properties = schema.setdefault("properties", {})
        schema["required"] = list(properties)
        for name, sub in properties.items():
            properties[name] = _strict(sub, path=f"{path}/properties/{name}", root=root)
    if isinstance(schema.get("items"), dict):
        schema["items"] = _strict(schema["items"], path=f"{path}/items", root=root)
    if "anyOf" in schema:
        schema["anyOf"] = [
            _strict(sub, path=f"{path}/anyOf/{i}", root=root)
            for i, sub in enumerate(schema["anyOf"])
        ]
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        schema.pop("allOf")
        schema.update(_strict(all_of[0], path=f"{path}/allOf/0", root=root))
    elif isinstance(all_of, list):
        schema["allOf"] = [
            _strict(sub, path=f"{path}/allOf/{i}", root=root) for i, sub in enumerate(all_of)
        ]
    if "default" in schema and schema["default"] is None:
        del schema["default"]
    ref = schema.get("$ref")
    if isinstance(ref, str) and len(schema) > 1:
        # Strict mode does not allow keywords beside a $ref: inline what it points to.
        del schema["$ref"]
        resolved = copy.deepcopy(_resolve(root, ref))
        return _strict({**resolved, **schema}, path=path, root=root)
    return schema


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise ValueError(f"cannot resolve $ref {ref!r}: only local references are supported")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node  # type: ignore[no-any-return]


def _type_name(type_: Any) -> str:
    return type_.__name__ if isinstance(type_, type) else repr(type_)


def _schema_name(type_: Any) -> str:
    """A name the APIs accept: letters, digits, ``_`` and ``-``, at most 64 characters."""
    return _NAME.sub("_", _type_name(type_))[:64] or "response"

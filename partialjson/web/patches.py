"""Minimal patches: the partial value's changes as JSON Patch operations, O(delta) per update.

Theory of operation
===================

A :class:`~partialjson.PartialUpdate` carries the live partial value and the paths the delta
changed. :class:`PatchEncoder` keeps a *mirror*: the value as the browser has rebuilt it from
the patches sent so far (containers of its own, leaves shared with the live value, so it costs
no copy). For each changed path it looks at the live value and at the mirror there:

* a path the mirror does not have yet: ``add`` its value (a container that just opened is
  small; what it already holds goes with it);
* a string that grew: ``append`` the new tail only — a long string is never re-sent; strings
  only grow in a partial value, and the encoder checks the last characters it sent before
  trusting that (all of them for text a moderator produced: it may redact far back);
* anything else that differs: ``replace``; a container that is already there is left alone
  (its members are changed paths of their own).

Values go out as JSON that every browser can take: lone surrogates become U+FFFD, numbers
outside the float range become ``null``, and nesting deeper than a JSON library would take is
encoded without recursion.

``add`` and ``replace`` are RFC 6902; ``append`` concatenates a string to the string at
``path``. :func:`apply_patch` applies a patch in Python (stores use it to fold events into a
snapshot; tests use it to check the law: the patches rebuild the partial value after every
update).

    >>> encoder = PatchEncoder()
    >>> encoder.encode({"name": "Ada"}, [(), ("name",)])
    [{'op': 'replace', 'path': '', 'value': {'name': 'Ada'}}]
    >>> encoder.encode({"name": "Ada Lovelace"}, [("name",)])
    [{'op': 'append', 'path': '/name', 'value': ' Lovelace'}]
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Final, Optional, Union

from pydantic import BaseModel
from pydantic_core import PydanticSerializationError, to_json, to_jsonable_python

from ..core.events import Path
from .moderation import HeldFields, Moderator

__all__ = [
    "PatchEncoder",
    "apply_patch",
    "dumps",
    "dumps_completed",
    "dumps_ops",
    "dumps_result",
    "jsonable",
    "merge_ops",
    "pointer",
    "sse_append",
    "sse_completed",
    "sse_patch",
]

Op = dict[str, Any]

# (Module constants are Final: the compiled build then reads them from C statics, not the
# module's dict.)
_LONE_SURROGATE: Final = re.compile(
    f"[{chr(0xD800)}-{chr(0xDFFF)}]"
)  # (mypyc: no surrogate literals)
_TAIL: Final = 16  # characters of a string checked before appending to it
#: Below this length a string the mirror takes from the live value is shared, not copied (its
#: first growth copies it anyway), and :meth:`PatchEncoder.grown` compares all of it (a memcmp,
#: cheaper than cutting out its last characters to compare).
_COPIED: Final = 1024
#: JSON text for a string: the standard library's encoder escapes as pydantic-core does
#: (quotes, backslashes, control characters; the rest as UTF-8).
_quoted: Final[Callable[[str], str]] = json.encoder.encode_basestring
_CACHED: Final = 4096  # entries of each cache below (emptied when full)


def _remember(cache: dict[Any, str], key: Any, text: str) -> str:
    """``text``, kept for ``key`` in ``cache`` (one of the bounded caches below)."""
    if len(cache) >= _CACHED:
        cache.clear()
    cache[key] = text
    return text


def pointer(path: Iterable[Union[str, int]]) -> str:
    """A path as a JSON Pointer (RFC 6901).

    >>> pointer(("items", 0, "a/b~c"))
    '/items/0/a~1b~0c'
    """
    if type(path) is not tuple:
        return _pointer(path)
    known = _POINTERS.get(path)
    return known if known is not None else _remember(_POINTERS, path, _pointer(path))


def _pointer(path: Iterable[Union[str, int]]) -> str:
    ptr = ""
    for part in path:
        text = part if type(part) is str else str(part)
        if "~" in text or "/" in text:
            text = text.replace("~", "~0").replace("/", "~1")
        ptr += "/" + text
    return ptr


#: Pointers made (a string is appended to, and completes, at the same path delta after delta).
_POINTERS: Final[dict[Any, str]] = {}


def _quoted_once(text: str) -> str:
    """``text`` as JSON text, made once per text: for pointers and keys, which repeat."""
    known = _QUOTED.get(text)
    return known if known is not None else _remember(_QUOTED, text, _quoted(text))


_QUOTED: Final[dict[str, str]] = {}


def _append_head(ptr: str) -> str:
    """What an ``append`` event at ``ptr`` holds between its id and its text, made once per
    pointer."""
    known = _HEADS.get(ptr)
    return known if known is not None else _remember(_HEADS, ptr, _append(ptr))


def _append(ptr: str) -> str:
    return f'\nevent: patch\ndata: [{{"op":"append","path":{_quoted(ptr)},"value":'


_HEADS: Final[dict[str, str]] = {}


def _unpointer(ptr: str) -> list[str]:
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {ptr!r}")
    return [part.replace("~1", "/").replace("~0", "~") for part in ptr[1:].split("/")]


def clean_text(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8 cannot carry) replaced by U+FFFD."""
    if text.isascii():  # the usual: no surrogate can be there (a scan in C, no regex)
        return text
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def jsonable(value: Any) -> Any:
    """``value`` (a partial view, a model, plain data) as JSON-ready plain data: dicts, lists,
    ``str``, ``int``, finite ``float``, ``bool``, ``None`` — always encodable."""
    kind = type(value)
    if kind is str:  # the usual leaves, as pydantic-core would give them, without the call
        return clean_text(value)
    if value is None or kind is bool or kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    try:
        plain = to_jsonable_python(value, inf_nan_mode="null")
    except (PydanticSerializationError, RecursionError, ValueError):
        # Too deep, or not serializable by pydantic: cleaned by hand (into containers of its
        # own: ``value``'s are the caller's).
        return _clean(value)
    # pydantic-core's containers are new ones, and they are almost always clean already (no
    # lone surrogate): checked, not copied.
    return plain if _is_clean(plain) else _clean(plain)


def _is_clean(plain: Any) -> bool:
    """Whether plain data holds only what :func:`_clean` returns unchanged: dicts with ``str``
    keys, lists, strings without lone surrogates, ``int``, ``bool``, ``None`` and finite
    floats (exact types: a check costs a type test per node, no copy; no recursion)."""
    stack: list[Any] = [plain]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            members: dict[Any, Any] = node
            for k, v in members.items():
                if type(k) is not str or not _is_clean_leaf(k):
                    return False
                if type(v) is dict or type(v) is list:
                    stack.append(v)
                elif not _is_clean_leaf(v):
                    return False
        elif kind is list:
            items: list[Any] = node
            for v in items:
                if type(v) is dict or type(v) is list:
                    stack.append(v)
                elif not _is_clean_leaf(v):
                    return False
        elif not _is_clean_leaf(node):
            return False
    return True


def _is_clean_leaf(value: Any) -> bool:
    kind = type(value)
    if kind is str:
        text: str = value
        return text.isascii() or _LONE_SURROGATE.search(text) is None
    if value is None or kind is int or kind is bool:
        return True
    return kind is float and math.isfinite(value)


def _clean(value: Any) -> Any:
    """Replace what JSON text cannot carry, without recursion (any depth)."""
    if isinstance(value, str):
        return clean_text(value)
    if not isinstance(value, (dict, list, tuple, BaseModel)) and not isinstance(value, Mapping):
        return _clean_leaf(value)
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(root, 0, value)]
    while stack:
        parent, key, node = stack.pop()
        kind = type(node)
        # The usual nodes first, by their exact type: ``isinstance(node, BaseModel)`` costs
        # as much as ten of these (pydantic's metaclass hooks it), and it was asked per node.
        if kind is str:
            parent[key] = clean_text(node)
            continue
        if node is None or kind is int or kind is bool:
            parent[key] = node
            continue
        if kind is not dict and kind is not list and isinstance(node, BaseModel):
            node = dict(node.__dict__)
        if type(node) is dict or isinstance(node, Mapping):
            out_map: dict[str, Any] = {}
            parent[key] = out_map
            for k, v in node.items():
                out_map[clean_text(str(k))] = None
                stack.append((out_map, clean_text(str(k)), v))
        elif kind is list or isinstance(node, (list, tuple)):
            out_list: list[Any] = [None] * len(node)
            parent[key] = out_list
            stack.extend((out_list, i, v) for i, v in enumerate(node))
        elif isinstance(node, str):
            parent[key] = clean_text(node)
        else:
            parent[key] = _clean_leaf(node)
    return root[0]


def _clean_leaf(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    try:
        plain = to_jsonable_python(value, inf_nan_mode="null")
    except (PydanticSerializationError, ValueError):
        return clean_text(str(value))
    return plain if not isinstance(plain, str) else clean_text(plain)


def dumps(value: Any) -> bytes:
    """``value`` as compact JSON bytes that are always valid (see :func:`jsonable`)."""
    try:
        return to_json(value, inf_nan_mode="null")
    except (PydanticSerializationError, RecursionError, ValueError):
        pass
    plain = _clean(value)
    try:
        return to_json(plain)
    except (PydanticSerializationError, RecursionError, ValueError):
        return _dumps_deep(plain)


def dumps_result(value: Any, reason: Optional[str]) -> bytes:
    """A ``completed`` event's data, ``{"value": jsonable(value), "reason": reason}`` as
    :func:`dumps` writes it, with the value serialized once: written by pydantic-core directly,
    not first made plain data (the same JSON: :func:`jsonable` is ``to_jsonable_python``
    cleaned, and what needs cleaning, a lone surrogate, makes ``to_json`` refuse the value).

    >>> dumps_result({"a": [1, 2.5]}, "stop")
    b'{"value":{"a":[1,2.5]},"reason":"stop"}'
    """
    try:
        text = to_json(value, inf_nan_mode="null")
    except (PydanticSerializationError, RecursionError, ValueError):
        return dumps({"value": jsonable(value), "reason": reason})
    if reason is None:
        return b'{"value":' + text + b',"reason":null}'
    return b'{"value":' + text + b',"reason":' + dumps(reason) + b"}"


def dumps_ops(ops: list[Op]) -> bytes:
    """A patch as :func:`dumps` writes it. The usual ones (the operations this module makes, of
    small plain values) are written directly, as pydantic-core writes them (see
    :func:`_ops_text`), at a fraction of the cost.

    >>> dumps_ops([{"op": "append", "path": "/a", "value": "é 1"}])
    b'[{"op":"append","path":"/a","value":"\\xc3\\xa9 1"}]'
    """
    text = _ops_text(ops)
    if text is not None:
        try:
            return text.encode()
        except UnicodeEncodeError:  # a lone surrogate: dumps() replaces it
            pass
    return dumps(ops)


def sse_patch(seq: int, ops: list[Op]) -> bytes:
    """A ``patch`` event with id ``seq`` as SSE bytes, as
    :meth:`~partialjson.web.wire.RelayEvent.encode` writes it (data: :func:`dumps_ops`); the
    usual one, a single operation, in one go.

    >>> sse_patch(7, [{"op": "append", "path": "/a", "value": "b"}])
    b'id: 7\\nevent: patch\\ndata: [{"op":"append","path":"/a","value":"b"}]\\n\\n'
    """
    return _sse_ops(seq, ops, False)


def _sse_ops(seq: int, ops: list[Op], ours: bool) -> bytes:
    """:func:`sse_patch`; ``ours``: the operations are :meth:`PatchEncoder.encode`'s, whose
    keys need no check (see :func:`_op_prefix`)."""
    if len(ops) == 1:
        op = ops[0]
        prefix = _op_prefix(op, ours)
        value = None if prefix is None else _json_text(op["value"], 0)
        if value is not None:
            try:
                return f"id: {seq}\nevent: patch\ndata: [{prefix}{value}}}]\n\n".encode()
            except UnicodeEncodeError:  # a lone surrogate: dumps() replaces it
                pass
    return _sse_event(str(seq), "patch", dumps_ops(ops))


#: The names of the operations this module makes, and their keys, in order.
_OP_NAMES: Final = ("add", "replace", "append")
_OP_KEYS: Final[tuple[str, str, str]] = ("op", "path", "value")
#: The longest JSON text :func:`_json_text` writes: past it, pydantic-core is the faster.
_SMALL: Final = 2048
_BIG_INT: Final = 2**63


def _ops_text(ops: list[Op]) -> Optional[str]:
    """A patch's JSON text as ``to_json`` writes it, when it is the usual one: operations
    ``{"op", "path", "value"}`` (in that order, see :func:`_op_prefix`) of small plain values
    (:func:`_json_text`); else None (then :func:`dumps`). Lone surrogates are left in: the
    UTF-8 encoding finds them (then :func:`dumps`, which replaces them).

    Written directly because the general serializer costs several times the text it writes
    here, on every delta that is not an ``append`` alone."""
    texts: list[str] = []
    for op in ops:
        prefix = _op_prefix(op, False)
        value = None if prefix is None else _json_text(op["value"], 0)
        if value is None:
            return None
        texts.append(f"{prefix}{value}}}")
    return "[" + ",".join(texts) + "]"


def _op_prefix(op: Any, ours: bool) -> Optional[str]:
    """An operation's JSON text up to its value (``{"op":"add","path":"/a","value":``) when it
    is one this module makes: a dict of ``op`` (a known name), ``path`` (a ``str``) and
    ``value``, in that order (``to_json`` writes a dict's keys in its order); else None. Made
    once per operation name and pointer. ``ours``: the operation is one
    :class:`PatchEncoder` made (a dict literal with those keys, in that order: not checked)."""
    if not ours:
        if type(op) is not dict or len(op) != 3:
            return None
        for position, key in enumerate(op):
            if key != _OP_KEYS[position]:
                return None
    fields: dict[str, Any] = op
    kind, path = fields["op"], fields["path"]
    if type(path) is not str:
        return None
    prefixes = _PREFIXES.get(kind) if type(kind) is str else None
    if prefixes is None:
        return None
    known = prefixes.get(path)
    if known is None:
        if len(prefixes) >= _CACHED:
            prefixes.clear()
        known = prefixes[path] = f'{{"op":"{kind}","path":{_quoted(path)},"value":'
    return known


#: Per operation name, the prefixes made so far (:func:`_op_prefix`), per pointer.
_PREFIXES: Final[dict[str, dict[str, str]]] = {name: {} for name in _OP_NAMES}


def _json_text(value: Any, depth: int) -> Optional[str]:
    """JSON text for small plain data, exactly as pydantic-core's ``to_json`` writes it, or None
    for anything else (then the caller uses :func:`dumps`): ``str`` (the standard library's
    ``encode_basestring`` escapes as pydantic-core does), ``None``, ``bool``, ``int``, floats
    whose ``repr`` has no exponent (both write the shortest round-trip digits; their exponent
    forms differ: ``1e-07`` vs ``1e-7``), and dicts with ``str`` keys and lists of these, up to
    :data:`_SMALL` characters (a bound on the work wasted when it gives up). Exact types only:
    a subclass (an ``IntEnum``) may serialize otherwise. Tests check it against ``to_json``."""
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:  # (a huge one: str() may refuse it, to_json does not)
        return str(value) if -_BIG_INT < value < _BIG_INT else None
    if kind is float:
        text: str = repr(value)  # (nan and inf have an "n": dumps writes them as null)
        return text if "e" not in text and "n" not in text else None
    if depth >= 16:
        return None
    parts: list[str] = []
    size = 0
    if kind is list:
        items: list[Any] = value
        for item in items:
            part = _json_text(item, depth + 1)
            if part is None:
                return None
            size += len(part) + 1
            if size > _SMALL:
                return None
            parts.append(part)
        return "[" + ",".join(parts) + "]"
    if kind is dict:
        members: dict[Any, Any] = value
        for key, item in members.items():
            if type(key) is not str:
                return None
            part = _json_text(item, depth + 1)
            if part is None:
                return None
            part = f"{_quoted_once(key)}:{part}"  # (keys repeat: made once)
            size += len(part) + 1
            if size > _SMALL:
                return None
            parts.append(part)
        return "{" + ",".join(parts) + "}"
    return None


def sse_append(seq: int, path: str, text: str) -> bytes:
    """The usual ``patch`` event, a single ``append`` of ``text`` at ``path`` (a string grew),
    as :func:`sse_patch` writes it, in one go: the standard library's string encoder escapes
    as pydantic-core does (quotes, backslashes, control characters; the rest as UTF-8). Lone
    surrogates, which UTF-8 cannot carry, go out as U+FFFD (as :func:`dumps` writes them).

    >>> sse_append(7, "/a", "b")
    b'id: 7\\nevent: patch\\ndata: [{"op":"append","path":"/a","value":"b"}]\\n\\n'
    """
    try:
        return f"id: {seq}{_append_head(path)}{_quoted(text)}}}]\n\n".encode()
    except UnicodeEncodeError:  # a lone surrogate, which UTF-8 cannot carry: dumps() replaces it
        return _sse_event(str(seq), "patch", dumps([{"op": "append", "path": path, "value": text}]))


def _sse_event(event_id: str, event: str, data: bytes) -> bytes:
    """One server-sent event's bytes (``data`` never contains a line break): the one place the
    relay's wire framing is written (but for :func:`sse_append`'s event, written in one go)."""
    return f"id: {event_id}\nevent: {event}\ndata: ".encode() + data + b"\n\n"


def dumps_completed(path: str, choice: int) -> bytes:
    """A ``field_completed`` event's data, as :func:`dumps` writes it (directly: it is sent for
    every value that completes).

    >>> dumps_completed("/a", 0)
    b'{"path":"/a","choice":0}'
    """
    if type(choice) is int:
        try:
            return f'{{"path":{_quoted_once(path)},"choice":{choice}}}'.encode()
        except UnicodeEncodeError:  # a lone surrogate: dumps() replaces it
            pass
    return dumps({"path": path, "choice": choice})


def sse_completed(seq: int, path: str, choice: int) -> bytes:
    """A ``field_completed`` event with id ``seq`` as SSE bytes, as
    :meth:`~partialjson.web.wire.RelayEvent.encode` writes it (data: :func:`dumps_completed`),
    in one go.

    >>> sse_completed(3, "/a", 0)
    b'id: 3\\nevent: field_completed\\ndata: {"path":"/a","choice":0}\\n\\n'
    """
    if type(choice) is int:
        try:
            if choice == 0:  # the usual: the event but for its id, made once per pointer
                return f"id: {seq}{_completed_tail(path)}".encode()
            return (
                f'id: {seq}\nevent: field_completed\ndata: {{"path":{_quoted_once(path)},'
                f'"choice":{choice}}}\n\n'
            ).encode()
        except UnicodeEncodeError:  # a lone surrogate: dumps() replaces it
            pass
    return _sse_event(str(seq), "field_completed", dumps_completed(path, choice))


def _completed_tail(ptr: str) -> str:
    """What a ``field_completed`` event at ``ptr`` (choice 0) holds after its id, made once
    per pointer."""
    known = _COMPLETED_TAILS.get(ptr)
    return known if known is not None else _remember(_COMPLETED_TAILS, ptr, _completed(ptr))


def _completed(ptr: str) -> str:
    return f'\nevent: field_completed\ndata: {{"path":{_quoted(ptr)},"choice":0}}\n\n'


_COMPLETED_TAILS: Final[dict[str, str]] = {}


def _dumps_deep(value: Any) -> bytes:
    """JSON text for plain data of any depth, without recursion."""
    out: list[str] = []
    stack: list[Any] = [value]
    close = object()
    while stack:
        node = stack.pop()
        if node is close:
            continue
        if isinstance(node, _Token):
            out.append(node.text)
        elif isinstance(node, dict):
            out.append("{")
            items = list(node.items())
            stack.append(_Token("}"))
            for i in range(len(items) - 1, -1, -1):
                k, v = items[i]
                stack.append(v)
                stack.append(_Token(("," if i else "") + json.dumps(k) + ":"))
        elif isinstance(node, list):
            out.append("[")
            stack.append(_Token("]"))
            for i in range(len(node) - 1, -1, -1):
                stack.append(node[i])
                if i:
                    stack.append(_Token(","))
        else:
            out.append(json.dumps(node, ensure_ascii=False))
    return "".join(out).encode()


class _Token:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_ABSENT: Final[Any] = object()


_MODEL_CLASSES: Final[dict[type, bool]] = {}


def _is_model(cls: type) -> bool:
    """Whether instances of ``cls`` are pydantic models. ``isinstance(x, BaseModel)`` costs ten
    times a plain ``isinstance`` (pydantic's metaclass hooks it), and it is asked per level of
    every changed path: asked once per class instead (a bounded cache)."""
    known = _MODEL_CLASSES.get(cls)
    if known is None:
        if len(_MODEL_CLASSES) >= 1024:
            _MODEL_CLASSES.clear()
        known = _MODEL_CLASSES[cls] = issubclass(cls, BaseModel)
    return known


def _child(node: Any, key: Union[str, int]) -> Any:
    """The member ``key`` of a live node (dict, list, partial model), or ``_ABSENT``."""
    if isinstance(node, list):
        if isinstance(key, int) and 0 <= key < len(node):
            return node[key]
        return _ABSENT
    if type(node) is dict:
        return node.get(key, _ABSENT) if isinstance(key, str) else _ABSENT
    if _is_model(type(node)):
        if isinstance(key, str):
            attribute = _attributes(node.__class__).get(key, key)
            return node.__dict__.get(attribute, _ABSENT)
        return _ABSENT
    if isinstance(node, Mapping):
        return node.get(key, _ABSENT) if isinstance(key, str) else _ABSENT
    return _ABSENT


@functools.lru_cache(maxsize=1024)
def _dumped_keys(cls: type[BaseModel]) -> dict[str, str]:
    """Every name a model's field is read by (its attribute, alias, validation aliases) mapped
    to the key it is dumped under, which the mirror uses (``populate_by_name``, ``AliasChoices``:
    the JSON may have used any of them)."""
    keys: dict[str, str] = {}
    for name, info in cls.model_fields.items():
        alias = info.serialization_alias or info.alias
        dumped = alias if isinstance(alias, str) else name
        names = [name, dumped]
        choices = info.validation_alias
        for choice in getattr(choices, "choices", [choices]):
            if isinstance(choice, str):
                names.append(choice)
        keys.update(dict.fromkeys(names, dumped))
    return keys


@functools.lru_cache(maxsize=1024)
def _model_names(cls: type[BaseModel]) -> dict[str, tuple[str, str]]:
    """Every name a model's field is read by, mapped to the key it is dumped under and the
    attribute that holds it: one look-up per level of a changed path."""
    attributes = _attributes(cls)
    return {
        name: (shown, attributes.get(shown, shown)) for name, shown in _dumped_keys(cls).items()
    }


def _names_of(cls: type[BaseModel]) -> dict[str, tuple[str, str]]:
    """:func:`_model_names` from a dict of its own: a walk asks it per level of every path it
    follows into a model, and a dict look-up of a class costs a tenth of an lru_cache call."""
    known = _NAMES.get(cls)
    if known is None:
        if len(_NAMES) >= 1024:
            _NAMES.clear()
        known = _NAMES[cls] = _model_names(cls)
    return known


_NAMES: Final[dict[type, dict[str, tuple[str, str]]]] = {}


@functools.lru_cache(maxsize=1024)
def _attributes(cls: type[BaseModel]) -> dict[str, str]:
    """A model's JSON keys (serialization aliases) and the attributes that hold them. A path
    the relay cannot follow into a view (a key it does not find) is re-sent from its parent:
    correct, but not minimal."""
    keys: dict[str, str] = {}
    for name, info in cls.model_fields.items():
        alias = info.serialization_alias or info.alias
        if isinstance(alias, str):
            keys[alias] = name
    return keys


#: The held fields of an encoder that holds none (most): shared, as nothing changes it (only
#: a held field is ever released). An encoder is made per stream, and each object it keeps is
#: walked by every full collection of the garbage collector while the stream lasts.
_NO_HOLD: Final = HeldFields()


class PatchEncoder:
    """Turns partial updates into minimal patches; see the module docstring.

    ``moderate`` and ``hold`` are the moderation hook and the held fields of
    :mod:`partialjson.web.moderation`."""

    def __init__(self, moderate: Optional[Moderator] = None, hold: Iterable[str] = ()) -> None:
        self._root: list[Any] = [None]  # the mirror, in a box so the root has a parent
        self._moderate = moderate
        held = _NO_HOLD if hold == () else HeldFields(hold)
        self._held = held if held else _NO_HOLD  # (no patterns: the shared one)
        self._holding = self._held is not _NO_HOLD
        self._filtering = moderate is not None or self._holding
        #: The last walk that reached its leaf, reused while its path and containers stay.
        self._hot: Optional[_Walk] = None
        self._reuse = True  # tests turn the reuse off to compare with the walk

    @property
    def filtering(self) -> bool:
        """Whether a moderator or held fields may change what goes out."""
        return self._filtering

    @property
    def value(self) -> Any:
        """The value as the patches sent so far rebuild it."""
        self._settle()
        return self._root[0]

    def encode(self, value: Any, changed: Iterable[Path]) -> list[Op]:
        """The operations that take the mirror to ``value`` at the ``changed`` paths."""
        self._settle()
        ops: list[Op] = []
        held = self._held if self._holding else None
        hot = self._hot
        for path in changed:
            if hot is not None and path is hot.path:
                leaf = hot.leaf(value)
                if leaf is not _ABSENT:  # (not held: it was not, and held fields only open)
                    self._update(hot.parent, hot.key, leaf, hot.shown, ops, False)
                    continue
            if type(path) is not tuple:
                path = tuple(path)
            if held is not None and held.held(path) is not None:
                continue
            self._path(value, path, ops, False)
            hot = self._hot
        return ops

    def grown(self, value: Any, changed: Iterable[Path]) -> Optional[str]:
        """The usual update in one step: when ``changed`` is the one path the last update
        changed (the same tuple, as the parsers give it) and the string there grew, the text
        appended to it, already in the mirror, and :attr:`hot_pointer` its place; else None
        and nothing done (:meth:`encode` then). The patch is
        ``[{"op": "append", "path": hot_pointer, "value": clean_text(text)}]``, what
        :meth:`encode` would have returned; :func:`sse_append` writes it from the text as it
        is (the lone surrogates ``clean_text`` replaces are rare, and the UTF-8 encoding finds
        them anyway).

        >>> encoder, live, title = PatchEncoder(), {"title": "Ada"}, ("title",)
        >>> encoder.encode(live, [(), title])
        [{'op': 'replace', 'path': '', 'value': {'title': 'Ada'}}]
        >>> live["title"] += " Love"
        >>> encoder.encode(live, [title])
        [{'op': 'append', 'path': '/title', 'value': ' Love'}]
        >>> live["title"] += "lace"
        >>> encoder.grown(live, (title,)), encoder.hot_pointer
        ('lace', '/title')
        """
        hot = self._hot
        if hot is None or type(changed) is not tuple or self._moderate is not None:
            return None
        paths: tuple[Any, ...] = changed  # (as updates carry them)
        if len(paths) != 1 or paths[0] is not hot.path:
            return None
        live = hot.leaf(value)
        if type(live) is not str:
            return None
        mirror = hot.text
        if mirror is None:  # the walk takes the mirror's text (see _Walk.text)
            kept = hot.parent[hot.key]
            if type(kept) is not str:
                return None
            mirror = kept
        text: str = live
        sent = len(mirror)
        if len(text) <= sent or not (
            # All of a short string is compared (a memcmp, no slice made); when that fails,
            # the last characters decide, as _update's test does (the same answer).
            (sent < _COPIED and text.startswith(mirror))
            or mirror.endswith(text[max(0, sent - _TAIL) : sent])
        ):
            return None  # (encode then, which replaces the string)
        tail = text[sent:]
        # Grown in place (once the walk's copy is its only reference): no new string, and no
        # container to store it in (see _Walk.text).
        grown: str = mirror
        mirror = hot.text = None
        grown += tail
        hot.text = grown if grown is not live else _own(live)  # ("" + live is live)
        return tail

    @property
    def hot_pointer(self) -> str:
        """The JSON Pointer of the path :meth:`grown` appended to."""
        hot = self._hot
        if hot is None:
            return ""
        if hot.pointer is None:
            hot.pointer = pointer(hot.shown)
        return hot.pointer

    def _sse_grown(self, seq: int, text: str) -> bytes:
        """:func:`sse_append` at :attr:`hot_pointer` (after :meth:`grown`), with the event's
        head kept on the walk (made once per string, not looked up per delta)."""
        hot = self._hot
        head = None if hot is None else hot.head
        if hot is None or head is None:
            ptr = self.hot_pointer
            head = _append_head(ptr)
            if hot is not None:
                hot.head = head
        try:
            return f"id: {seq}{head}{_quoted(text)}}}]\n\n".encode()
        except UnicodeEncodeError:  # a lone surrogate: sse_append replaces it
            return sse_append(seq, self.hot_pointer, text)

    def complete(self, value: Any, path: Path) -> list[Op]:
        """The operations for a value that just completed: a held field is released whole, and
        a moderated string is shown as the moderator lets it be shown when complete."""
        self._settle()
        path = tuple(path)
        held = self._held
        if held and held.is_held_root(path):
            held.release(path)
        elif self._moderate is None or held.held(path) is not None:
            return []
        ops: list[Op] = []
        self._path(value, path, ops, True)
        return ops

    def hidden(self, path: Path) -> bool:
        """Whether ``path`` lies inside a held field that was not released (not the field
        itself)."""
        held = self._held.held(tuple(path)) if self._held else None
        return held is not None and len(held) < len(path)

    def outgoing(
        self, value: Any, path: Path = (), complete: bool = True, holding: bool = True
    ) -> Any:
        """``value`` (at ``path``) as plain data to send: moderated, held fields left out
        (``holding=False``: none held, for a value sent whole once complete); ``None`` if
        the whole of it is held back."""
        shown = self._shown(value, path, complete, holding)
        return None if shown is _HOLD else shown

    def _shown(self, value: Any, path: Path, complete: bool, holding: bool = True) -> Any:
        """:meth:`outgoing`, with :data:`_HOLD` for a value held back whole."""
        plain = jsonable(value)
        return self._filter(plain, path, complete, holding) if self._filtering else plain

    def _settle(self) -> None:
        """Put the text :meth:`grown` grew back in the mirror (see :attr:`_Walk.text`): every
        reader of the mirror but :meth:`grown` calls this first."""
        hot = self._hot
        if hot is not None:
            text = hot.text
            if text is not None:
                hot.text = None
                hot.parent[hot.key] = text

    def _path(self, value: Any, path: Path, ops: list[Op], complete: bool) -> None:
        # A walk may change the mirror above its leaf (an add, a replace): the last walk's
        # containers may be gone from it, so it is forgotten; this one is kept if it reaches
        # its leaf (which is all _update changes).
        self._hot = None
        given = path
        live = value
        mirror_parent: Any = self._root
        mirror_key: Union[str, int] = 0
        steps: list[Any] = []  # (flat: see _Walk)
        for depth, key in enumerate(path):
            mirror = mirror_parent[mirror_key]
            cls = type(live)
            if type(key) is str and cls is not dict and _is_model(cls):
                names = _names_of(cls).get(key)  # (cls: type(live), as _is_model was asked)
                if names is None:
                    names = (key, _attributes(live.__class__).get(key, key))
                shown, attribute = names
                if shown != key:  # the JSON used another of the field's names
                    key, path = shown, (*path[:depth], shown, *path[depth + 1 :])
                fields: dict[str, Any] = live.__dict__  # (typed: a dict look-up, not a call)
                live_child = fields.get(attribute, _ABSENT)
                steps += (live, attribute, True)
            else:
                live_child = _child(live, key)
                steps += (live, key, False)
            if live_child is _ABSENT:  # cannot follow (an alias, a dropped value): resend here
                self._set(mirror_parent, mirror_key, live, path[:depth], ops, complete)
                return
            if type(mirror) is dict:  # the mirror's containers are our own dicts and lists
                has = key in mirror
            elif type(mirror) is list:
                has = type(key) is int and 0 <= key < len(mirror)
            else:
                has = False
            if not has:
                if isinstance(mirror, (dict, list)) and _can_add(mirror, key):
                    self._add(mirror, key, live_child, path[: depth + 1], ops, complete)
                else:
                    self._set(mirror_parent, mirror_key, live, path[:depth], ops, complete)
                return
            live = live_child
            mirror_parent, mirror_key = mirror, key
        self._update(mirror_parent, mirror_key, live, path, ops, complete)
        if self._reuse:
            self._hot = _Walk(given, path, steps, mirror_parent, mirror_key)

    def _update(
        self,
        parent: Any,
        key: Union[str, int],
        live: Any,
        path: Path,
        ops: list[Op],
        complete: bool,
    ) -> None:
        mirror = parent[key]
        moderated = False
        if isinstance(live, str) and self._moderate is not None:
            shown = self._moderate(pointer(path), live, complete)
            if shown is None:
                return
            live, moderated = shown, True
        if isinstance(live, str) and isinstance(mirror, str):
            sent = len(mirror)
            if len(live) > sent and (
                # a moderator may rewrite any part of the text (and already paid O(n) for
                # it): check all of it; the parser's strings only grow, so their tail will do
                live.startswith(mirror)
                if moderated
                else mirror.endswith(live[max(0, sent - _TAIL) : sent])  # its last characters
            ):
                tail = live[sent:]
                ops.append({"op": "append", "path": pointer(path), "value": clean_text(tail)})
                # The mirror grows its own copy of the text, in place: holding the view's
                # string instead would keep the view from growing it in place (an O(length)
                # copy per delta, both sides).
                grown: str = mirror
                mirror = parent[key] = None  # ``grown`` is now its only reference
                grown += tail
                parent[key] = grown if grown is not live else _own(live)  # "" + live is live
                return
            if len(live) == sent and live == mirror:
                return
            if len(live) == sent and clean_text(live) == mirror:
                parent[key] = _own(live)  # what was sent, raw: later tails are checked on it
                return
        elif isinstance(mirror, (dict, list)):
            if isinstance(live, list) == isinstance(mirror, list) and _is_container(live):
                # The container itself was reported (members it got at once: defaults filled
                # when an object closed, a union's variant chosen): send what differs.
                self._sync(parent, key, live, path, ops, complete)
                return
        elif type(live) is type(mirror) and live == mirror:
            return
        self._set(parent, key, live, path, ops, complete, moderated)

    def _sync(
        self,
        parent: Any,
        key: Union[str, int],
        live: Any,
        path: Path,
        ops: list[Op],
        complete: bool,
    ) -> None:
        """Bring the mirror's container at ``parent[key]`` to the live one: add the members it
        lacks, replace those that differ, append to strings that grew (no recursion)."""
        plain = self._shown(live, path, complete)
        if plain is _HOLD:
            return
        stack: list[tuple[Any, Any, Any, Path]] = [(parent, key, plain, path)]
        while stack:
            holder, at, new, where = stack.pop()
            old = holder[at]
            if type(old) is dict and type(new) is dict and old.keys() <= new.keys():
                for k, v in new.items():
                    if k in old:
                        stack.append((old, k, v, (*where, k)))
                    else:
                        ops.append({"op": "add", "path": pointer((*where, k)), "value": v})
                        old[k] = _share(v, v)
            elif type(old) is list and type(new) is list and len(new) >= len(old):
                for i, v in enumerate(new):
                    if i < len(old):
                        stack.append((old, i, v, (*where, i)))
                    else:
                        ops.append({"op": "add", "path": pointer((*where, i)), "value": v})
                        old.append(_share(v, v))
            elif type(old) is str and type(new) is str and new.startswith(old):
                if len(new) > len(old):
                    tail = new[len(old) :]
                    ops.append({"op": "append", "path": pointer(where), "value": tail})
                    holder[at] = _own(new)
            elif not (type(old) is type(new) and old == new):
                ops.append({"op": "replace", "path": pointer(where), "value": new})
                holder[at] = _share(new, new)

    def _set(
        self,
        parent: Any,
        key: Union[str, int],
        live: Any,
        path: Path,
        ops: list[Op],
        complete: bool,
        moderated: bool = False,
    ) -> None:
        plain = jsonable(live) if moderated else self._shown(live, path, complete)
        if plain is _HOLD:
            return
        if plain == parent[key] and type(plain) is type(parent[key]):
            return
        ops.append({"op": "replace", "path": pointer(path), "value": plain})
        parent[key] = _share(live, plain)

    def _add(
        self,
        parent: Any,
        key: Union[str, int],
        live: Any,
        path: Path,
        ops: list[Op],
        complete: bool,
    ) -> None:
        plain = self._shown(live, path, complete)
        if plain is _HOLD:
            if isinstance(parent, dict):
                return  # the key appears once there is something to show
            plain = "" if isinstance(live, str) else None  # a list keeps its indices
        ops.append({"op": "add", "path": pointer(path), "value": plain})
        if isinstance(parent, list):
            parent.append(_share(live, plain))
        else:
            parent[key] = _share(live, plain)

    def _filter(self, plain: Any, path: Path, complete: bool, holding: bool = True) -> Any:
        """Moderate the strings of ``plain`` and leave held fields out (no recursion)."""
        held = self._held if holding else _NO_HOLD
        moderate = self._moderate
        if held and held.held(path) is not None:
            return _HOLD
        if isinstance(plain, str):
            if moderate is None:
                return plain
            shown = moderate(pointer(path), plain, complete)
            return _HOLD if shown is None else clean_text(shown)
        if not isinstance(plain, (dict, list)):
            return plain
        stack: list[tuple[Any, Path]] = [(plain, path)]
        while stack:
            node, where = stack.pop()
            keys: Iterable[Any] = list(node) if isinstance(node, dict) else range(len(node))
            for k in keys:
                child_path = (*where, k)
                child = node[k]
                if held and held.held(child_path) is not None:
                    if isinstance(node, dict):
                        del node[k]
                    else:
                        node[k] = None
                elif isinstance(child, str) and moderate is not None:
                    shown = moderate(pointer(child_path), child, complete)
                    if shown is None:
                        if isinstance(node, dict):
                            del node[k]
                        else:
                            node[k] = ""
                    else:
                        node[k] = clean_text(shown)
                elif isinstance(child, (dict, list)):
                    stack.append((child, child_path))
        return plain


_HOLD: Final[Any] = object()


class _Walk:
    """A walk from the root to a changed path's leaf, kept to be taken again: the parsers
    report the same path (the same tuple) delta after delta while a string grows, and walking
    it costs a look-up per level (a model's field names) where checking it costs an identity
    test. ``steps``: per level, the live container, how its member is read (a model's
    attribute, a key, an index) and whether it is a model's attribute, three items a level in
    one flat list (each object kept is walked by every full collection while the stream
    lasts); ``parent`` and ``key``: the leaf's place in the mirror.

    Valid while every container on the way is the one it saw (checked on each use) and the
    mirror above the leaf is unchanged: only a walk changes it there, and a walk replaces the
    kept one (:meth:`PatchEncoder._path`)."""

    __slots__ = ("head", "key", "parent", "path", "pointer", "shown", "steps", "text")

    def __init__(
        self,
        path: Path,
        shown: Path,
        steps: list[Any],
        parent: Any,
        key: Union[str, int],
    ) -> None:
        self.path = path  # as given (held by this walk: its identity cannot be reused)
        self.shown = shown  # with the keys the mirror uses
        self.steps = steps
        self.parent = parent
        self.key = key
        self.pointer: Optional[str] = None  # made when first asked for
        self.head: Optional[str] = None  # its append event's head (_append_head), likewise
        #: The leaf's text as sent, while :meth:`PatchEncoder.grown` grows it: kept here, not
        #: read from and stored in ``parent`` on every delta (a look-up and a store in a
        #: container); ``parent[key]`` is then an older copy, and every other reader of the
        #: mirror puts this one back first (:meth:`PatchEncoder._settle`).
        self.text: Optional[str] = None

    def leaf(self, value: Any) -> Any:
        """The live value at the path if the way there is the one walked, else ``_ABSENT``."""
        node = value
        steps = self.steps
        for i in range(0, len(steps), 3):
            live = steps[i]
            if node is not live:
                return _ABSENT
            if steps[i + 2] is True:
                fields: dict[Any, Any] = live.__dict__
                node = fields.get(steps[i + 1], _ABSENT)
            else:
                node = _child(live, steps[i + 1])
            if node is _ABSENT:
                break
        return node


def _share(live: Any, plain: Any) -> Any:
    """What the mirror keeps: a string of its own when the live one went out unchanged (appends
    are then checked against it, and it grows with them), else a copy of the plain value sent
    (never the sent containers themselves: an operation may still be waiting to be
    serialized)."""
    if isinstance(live, str) and live == plain:
        # A short one is shared: grown copies it anyway (see _COPIED), and the view's copy
        # when it grows its own is as short.
        return _own(live) if len(live) >= _COPIED else live
    if not isinstance(plain, (dict, list)):
        return plain
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(root, 0, plain)]
    while stack:
        parent, key, node = stack.pop()
        if isinstance(node, dict):
            copied: Any = dict(node)
            stack.extend((copied, k, v) for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            copied = list(node)
            stack.extend((copied, i, v) for i, v in enumerate(node) if isinstance(v, (dict, list)))
        else:
            copied = node
        parent[key] = copied
    return root[0]


def _own(text: str) -> str:
    """A copy of ``text`` that nothing else holds (``str`` operations return the string itself
    when they can), for the mirror to grow in place."""
    return text[:1] + text[1:] if len(text) > 1 else text


def _can_add(mirror: Any, key: Union[str, int]) -> bool:
    if isinstance(mirror, list):
        return isinstance(key, int) and key == len(mirror)
    return isinstance(key, str)


def _is_container(value: Any) -> bool:
    return isinstance(value, (dict, list)) or _is_model(type(value)) or isinstance(value, Mapping)


def apply_patch(document: Any, ops: Iterable[Mapping[str, Any]]) -> Any:
    """Apply a relay patch (``add``, ``replace``, ``append``) to plain JSON data, in place where
    it can; returns the new document.

    >>> apply_patch(None, [{"op": "add", "path": "", "value": {"a": "x"}},
    ...                    {"op": "append", "path": "/a", "value": "yz"}])
    {'a': 'xyz'}
    """
    for op in ops:
        kind, parts, value = op["op"], _unpointer(op["path"]), op.get("value")
        if not parts:
            if kind == "append":
                document = document + value
            elif kind in ("add", "replace"):
                document = value
            else:
                raise ValueError(f"unknown patch operation {kind!r}")
            continue
        parent = document
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            if kind == "add":
                parent.insert(index, value)
            elif kind == "replace":
                parent[index] = value
            elif kind == "append":
                parent[index] = parent[index] + value
            else:
                raise ValueError(f"unknown patch operation {kind!r}")
        else:
            if kind in ("add", "replace"):
                if kind == "replace" and last not in parent:
                    raise KeyError(f"replace of a missing member {op['path']!r}")
                parent[last] = value
            elif kind == "append":
                parent[last] = parent[last] + value
            else:
                raise ValueError(f"unknown patch operation {kind!r}")
    return document


def merge_ops(ops: list[Op]) -> list[Op]:
    """Merge consecutive ``append`` s to the same path into one (for coalescing).

    >>> merge_ops([{"op": "append", "path": "/a", "value": "x"},
    ...            {"op": "append", "path": "/a", "value": "y"}])
    [{'op': 'append', 'path': '/a', 'value': 'xy'}]
    """
    merged: list[Op] = []
    pieces: list[str] = []
    for op in ops:
        last = merged[-1] if merged else None
        if (
            last is not None
            and op["op"] == "append"
            and last["op"] == "append"
            and last["path"] == op["path"]
        ):
            pieces.append(op["value"])
            continue
        if pieces and last is not None:
            merged[-1] = {**last, "value": last["value"] + "".join(pieces)}
            pieces = []
        merged.append(op)
    if pieces:
        merged[-1] = {**merged[-1], "value": merged[-1]["value"] + "".join(pieces)}
    return merged

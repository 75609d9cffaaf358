"""A faster ``__init__`` for the small frozen dataclasses made on every delta.

A frozen dataclass's generated ``__init__`` sets each field with ``object.__setattr__`` (its own
``__setattr__`` refuses): four times the cost of a plain class's. The signals, SSE events,
updates and relay events of a stream are made several times per delta, so :func:`fast_init`
gives them an ``__init__`` that fills the instance's ``__dict__`` directly — the same
parameters, defaults and resulting instance (still frozen: only assignment after ``__init__`` is
refused, as before).
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["fast_init"]

T = TypeVar("T")


def fast_init(cls: type[T]) -> type[T]:
    """Replace the generated ``__init__`` of the frozen dataclass ``cls`` (apply it on top of
    ``@dataclass(frozen=True)``; fields with a ``default_factory`` or ``init=False`` and a
    ``__post_init__`` are not supported, and refused)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if (
        hasattr(cls, "__post_init__")
        or "__slots__" in cls.__dict__  # no instance dict to fill
        or any(
            not f.init
            or f.default_factory is not dataclasses.MISSING
            or getattr(f, "kw_only", False) is True  # (3.10+) the parameters' order differs
            for f in fields
        )
    ):
        raise TypeError(f"fast_init cannot build {cls.__name__}.__init__")
    defaults: dict[str, Any] = {}
    params = []
    for f in fields:
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"\n    d[{f.name!r}] = {f.name}" for f in fields) or "\n    pass"
    source = f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__{body}\n"
    scope: dict[str, Any] = {}
    exec(source, defaults, scope)  # the code is made from the field names alone
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = dict(cls.__init__.__annotations__)  # signatures read as before
    setattr(cls, "__init__", init)  # noqa: B010 (mypy refuses assigning a method)
    return cls

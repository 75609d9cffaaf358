"""Which build of partialjson is loaded: the pure-Python reference or the compiled one.

The compiled build (``PARTIALJSON_COMPILE=1 pip install partialjson-stream``, see
``hatch_build.py``) compiles the modules named in :data:`COMPILED_MODULES` with mypyc, from the
same source, into extension modules installed next to their ``.py`` files. Python's import
system prefers an extension module to a source file of the same name, so with nothing else done
the compiled modules load. This module, imported first by ``partialjson/__init__.py`` (before
any of them), decides otherwise in two cases, by putting a finder in front of ``sys.meta_path``
that loads their ``.py`` sources instead:

* ``PARTIALJSON_PURE=1`` in the environment: the pure-Python reference, on request (the test
  suite runs once per build this way);
* the compiled modules are *stale*: a source file changed since they were built (an editable
  install whose sources were edited afterwards). Running old compiled code in place of the
  code on disk would be wrong in a way no test could see, so the sources load, with a warning
  that says how to rebuild.

Either way all of them load from source together, never some of each. Otherwise the compiled
modules load with the docstrings mypyc leaves out put back from the build's stamp, so that
``help()`` and doctests read the same text in both builds. :data:`COMPILED` in
:mod:`partialjson` then reports what was actually loaded (:func:`compiled`).

It imports nothing from partialjson: ``hatch_build.py`` loads this file on its own to read
:data:`COMPILED_MODULES` and write the stamp.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Callable, Optional

__all__ = ["COMPILED_MODULES", "STAMP", "compiled", "stamp"]

#: The modules the compiled build compiles, one extension module each.
COMPILED_MODULES: tuple[str, ...] = (
    "partialjson.core.builder",
    "partialjson.core.events",
    "partialjson.core.lexer",
    "partialjson.core.parser",
    "partialjson.lifecycle.choices",
    "partialjson.lifecycle.machine",
    "partialjson.providers.openai_chat",
    "partialjson.providers.sse",
    "partialjson.providers.textdelta",
    "partialjson.streaming.reader",
    "partialjson.typed.parser",
    "partialjson.typed.shapes",
    "partialjson.web.patches",
    "partialjson.web.reads",
    "partialjson.web.writer",
)
#: Written by the build next to this file (see :func:`stamp`): the digest of each compiled
#: module's source, to tell whether the compiled modules still match the sources, and the
#: docstrings mypyc leaves out of the extension modules.
STAMP = "_compiled.json"

_HERE = os.path.dirname(os.path.abspath(__file__))
#: The compiled modules' docstrings, from the stamp (module → name or "" → docstring).
_DOCSTRINGS: dict[str, dict[str, str]] = {}


def stamp(sources: dict[str, bytes]) -> str:
    """The stamp of the compiled build of ``sources`` (module name → its source text).

    mypyc keeps signatures but not docstrings: the stamp records those of each module and of
    its top-level classes and functions, which :class:`_DocumentedLoader` puts back.
    """
    docstrings: dict[str, dict[str, str]] = {}
    for module, source in sources.items():
        tree = ast.parse(source)
        found = {"": ast.get_docstring(tree, clean=False)}
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                found[node.name] = ast.get_docstring(node, clean=False)
        docstrings[module] = {name: doc for name, doc in found.items() if doc}
    digests = {module: _digest(source) for module, source in sources.items()}
    return json.dumps({"sources": digests, "docstrings": docstrings}, indent=1)


def _digest(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


def _source_path(module: str) -> str:
    return os.path.join(os.path.dirname(_HERE), *module.split(".")) + ".py"


def _read_stamp() -> dict[str, Any]:
    try:
        with open(os.path.join(_HERE, STAMP), encoding="utf-8") as file:
            recorded: dict[str, Any] = json.load(file)
    except (OSError, ValueError):
        return {}
    return recorded


def _stale_modules(recorded: dict[str, str]) -> list[str]:
    """The compiled modules whose source differs from what was compiled."""
    stale = []
    for module in COMPILED_MODULES:
        try:
            with open(_source_path(module), "rb") as source:
                digest = _digest(source.read())
        except OSError:
            continue  # no source to fall back to: the compiled module is all there is
        if recorded.get(module) != digest:
            stale.append(module)
    return stale


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' ``.py`` sources, passing over their extension modules."""

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname not in COMPILED_MODULES or not path:
            return None
        leaf = fullname.rpartition(".")[2]
        for entry in path:
            source = os.path.join(entry, leaf + ".py")
            if os.path.isfile(source):
                return importlib.util.spec_from_file_location(fullname, source)
        return None


class _DocumentedLoader(importlib.machinery.ExtensionFileLoader):
    """Loads a compiled module, then gives the compiled modules loaded so far, their classes
    and functions their docstrings (a compiled module initialises the others it imports
    itself, without asking the import system)."""

    def exec_module(self, module: ModuleType) -> None:
        super().exec_module(module)
        for name in COMPILED_MODULES:
            loaded = sys.modules.get(name)
            if loaded is None or name not in _DOCSTRINGS:
                continue
            if loaded is not module and getattr(loaded.__spec__, "_initializing", False):
                # Still running its own top level (it imported the module just loaded): its
                # classes may not exist yet. Its own exec_module documents it when it ends.
                continue
            _document(loaded, _DOCSTRINGS.pop(name))


def _document(module: ModuleType, docstrings: dict[str, str]) -> None:
    for name, doc in docstrings.items():
        if not name:
            module.__doc__ = doc
            continue
        target = getattr(module, name, None)
        if isinstance(target, type):
            target.__doc__ = doc  # a compiled class is a heap type: its doc is writable
        elif callable(target) and not hasattr(target, "__code__") and not name.startswith("_"):
            # A compiled function's is not: a plain function carrying it stands in, for the
            # public names ``help()`` is asked about (``loads``...). Never for a private
            # helper: compiled code calls a decorated one (``lru_cache``) through the module's
            # namespace, and a stand-in there would add a Python call to the hot path.
            setattr(module, name, _documented(target, doc))


def _documented(function: Callable[..., Any], doc: str) -> Callable[..., Any]:
    @functools.wraps(function)
    def documented(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    documented.__doc__ = doc
    return documented


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules as the import system would, with a :class:`_DocumentedLoader`."""

    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname not in COMPILED_MODULES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or type(spec.loader) is not importlib.machinery.ExtensionFileLoader:
            return spec
        spec.loader = _DocumentedLoader(fullname, str(spec.origin))
        return spec


def _choose() -> None:
    if os.environ.get("PARTIALJSON_PURE", "") not in ("", "0"):
        sys.meta_path.insert(0, _SourceFinder())
        return
    recorded = _read_stamp()
    if not recorded:
        return  # the pure-Python build: nothing was compiled
    stale = _stale_modules(recorded.get("sources", {}))
    if stale:
        warnings.warn(
            f"partialjson: the compiled build is older than its sources ({', '.join(stale)} "
            "changed since it was built): the pure-Python modules are loaded instead. Rebuild "
            "with `PARTIALJSON_COMPILE=1 pip install -e .`, or remove the stale build with "
            "`git clean -fX partialjson`.",
            RuntimeWarning,
            stacklevel=3,
        )
        sys.meta_path.insert(0, _SourceFinder())
        return
    _DOCSTRINGS.update(recorded.get("docstrings", {}))
    sys.meta_path.insert(0, _CompiledFinder())


def compiled() -> bool:
    """Whether the compiled modules are the ones loaded (call after importing them)."""
    return all(
        isinstance(
            getattr(getattr(sys.modules.get(name), "__spec__", None), "loader", None),
            importlib.machinery.ExtensionFileLoader,
        )
        for name in COMPILED_MODULES
    )


# Only as partialjson's own module (hatch_build.py loads this file under another name to build
# the stamp), and once, even if it is reloaded.
if __name__ == "partialjson._build" and not any(
    type(finder).__name__ in ("_SourceFinder", "_CompiledFinder") for finder in sys.meta_path
):
    _choose()

"""The two builds: ``partialjson.COMPILED`` says which is loaded, ``PARTIALJSON_PURE=1`` forces the
pure-Python one, and stale compiled modules never run in place of their sources.

The whole suite runs once per build (see the README's test command); these tests check the
switch itself, in either build.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import partialjson
from partialjson import _build

PACKAGE = Path(partialjson.__file__).resolve().parent


def _loaded_from(name: str) -> str:
    return str(sys.modules[name].__file__)


def _is_extension(path: str) -> bool:
    return path.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


def _built(package: Path) -> bool:
    """Whether extension modules of the compiled build sit next to the sources."""
    return all(
        any(
            (package.parent / name.replace(".", os.sep)).with_suffix(suffix).exists()
            for suffix in importlib.machinery.EXTENSION_SUFFIXES
        )
        for name in _build.COMPILED_MODULES
    )


PROBE = """
import json, sys, warnings
warnings.simplefilter("always")
import partialjson
from partialjson import _build
print(json.dumps({
    "compiled": partialjson.COMPILED,
    "files": {name: sys.modules[name].__file__ for name in _build.COMPILED_MODULES},
    "events": [repr(e) for e in partialjson.Parser().feed('{"a": [1, "x\\\\u00e9", null]}')],
}))
"""


def _probe(env: dict[str, str], path: Path | None = None) -> tuple[dict[str, Any], str]:
    """Import partialjson in a fresh interpreter: what it loaded, and its warnings."""
    environment = {k: v for k, v in os.environ.items() if k != "PARTIALJSON_PURE"} | env
    if path is not None:
        environment["PYTHONPATH"] = str(path)
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=str(path or PACKAGE.parent),
    )
    return json.loads(done.stdout), done.stderr


def test_compiled_says_what_is_loaded() -> None:
    files = [_loaded_from(name) for name in _build.COMPILED_MODULES]
    assert partialjson.COMPILED is all(_is_extension(f) for f in files)
    if not partialjson.COMPILED:
        assert all(f.endswith(".py") for f in files)
    assert "COMPILED" in partialjson.__all__


def test_the_built_modules_load_unless_pure_python_is_asked_for() -> None:
    """A compiled build that is installed is the one loaded (it never silently turns pure)."""
    if os.environ.get("PARTIALJSON_PURE", "") not in ("", "0"):
        assert not partialjson.COMPILED
    elif _built(PACKAGE):
        assert partialjson.COMPILED, "the compiled modules are installed but not loaded"
    else:
        assert not partialjson.COMPILED


def test_compiled_classes_are_native_when_compiled() -> None:
    from partialjson.core.lexer import Lexer
    from partialjson.core.parser import Parser

    # mypyc turns methods into builtin functions: no Python code object behind them.
    assert hasattr(Parser.feed, "__code__") is not partialjson.COMPILED
    assert hasattr(Lexer.feed, "__code__") is not partialjson.COMPILED


def test_public_functions_keep_their_docstrings_and_private_ones_stay_direct() -> None:
    from partialjson.core import parser
    from partialjson.web import patches

    assert parser.loads.__doc__ and ">>>" in parser.loads.__doc__
    # Compiled code calls an lru_cache'd private helper through the module's namespace: no
    # stand-in function may sit in between (one more Python call per delta).
    assert isinstance(patches._model_names, functools._lru_cache_wrapper)


def test_pure_python_is_loaded_on_request() -> None:
    pure, warnings = _probe({"PARTIALJSON_PURE": "1"})
    assert pure["compiled"] is False
    assert all(f.endswith(".py") for f in pure["files"].values())
    assert "RuntimeWarning" not in warnings
    # Both builds parse alike (the whole suite runs on each; this is the quick cross-check).
    here = [repr(e) for e in partialjson.Parser().feed('{"a": [1, "x\\u00e9", null]}')]
    assert pure["events"] == here


def test_zero_means_off() -> None:
    default, _ = _probe({"PARTIALJSON_PURE": "0"})
    assert default["compiled"] is _built(PACKAGE)


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the installed package (with its compiled modules, if built)."""
    shutil.copytree(
        PACKAGE, tmp_path / "partialjson", ignore=shutil.ignore_patterns("__pycache__", "static")
    )
    runtime = importlib.util.find_spec("partialjson__mypyc")
    if runtime is not None and runtime.origin:
        shutil.copy(runtime.origin, tmp_path)
    return tmp_path


def test_a_fresh_build_loads(package_copy: Path) -> None:
    loaded, warnings = _probe({}, package_copy)
    assert loaded["compiled"] is _built(PACKAGE)
    assert "RuntimeWarning" not in warnings


def test_stale_compiled_modules_give_way_to_their_sources(package_copy: Path) -> None:
    lexer = package_copy / "partialjson" / "core" / "lexer.py"
    stamp = package_copy / "partialjson" / _build.STAMP
    sources = {
        name: package_copy.joinpath(*name.split(".")).with_suffix(".py").read_bytes()
        for name in _build.COMPILED_MODULES
    }
    stamp.write_text(_build.stamp(sources))
    lexer.write_text(lexer.read_text() + "\n# edited after the build\n")

    loaded, warnings = _probe({}, package_copy)

    assert loaded["compiled"] is False
    assert all(f.endswith(".py") for f in loaded["files"].values())  # all of them, not just one
    assert "RuntimeWarning" in warnings and "partialjson.core.lexer changed" in warnings
    assert "PARTIALJSON_COMPILE=1 pip install" in warnings

"""Every example in a public docstring is true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import partialjson

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(partialjson.__path__, "partialjson.")
    if not name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

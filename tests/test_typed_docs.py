"""Every code block of docs/typed.md runs as shown, and prints what the text says."""

from __future__ import annotations

import contextlib
import io
import re
import sys
import types
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "typed.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_the_example_runs(code: str) -> None:
    module = types.ModuleType("docs_typed_example")  # as a script the user runs
    sys.modules[module.__name__] = module
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(DOC), "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    if "print(parser.status(" in code:
        assert out.getvalue() == "streaming streaming\ninvalid ('age',) 36\n"
    if "print(error.positions)" in code:
        assert out.getvalue() == "{(1, 'quantity'): 55}\n"

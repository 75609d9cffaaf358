"""MkDocs hook: docstrings' doctest examples render as Python code in the API reference.

Docstrings here are reStructuredText-flavoured (``docstring_style: sphinx``), whose ``>>>``
examples Markdown would read as nested block quotes. This hook adds a Markdown preprocessor that
wraps each run of doctest lines — ``>>>`` and ``...`` lines and the output under them, up to a
blank line — in a ``pycon`` code fence. It runs before mkdocstrings reads the Markdown
extensions, so the docstrings mkdocstrings renders get it too.
"""

from __future__ import annotations

import re
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.plugins import event_priority

_PROMPT = re.compile(r"^(\s*)>>>( |$)")
_FENCE = re.compile(r"^\s*(```|~~~)")


class _DoctestBlocks(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        in_fence = False
        index = 0
        while index < len(lines):
            line = lines[index]
            if _FENCE.match(line):
                in_fence = not in_fence
            prompt = None if in_fence else _PROMPT.match(line)
            if prompt is None:
                out.append(line)
                index += 1
                continue
            indent = prompt.group(1)
            out += ["", f"{indent}```pycon"]
            while index < len(lines) and lines[index].strip():
                out.append(lines[index])
                index += 1
            out += [f"{indent}```", ""]
        return out


class DoctestBlocksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(_DoctestBlocks(md), "doctest_blocks", 40)


@event_priority(100)  # before mkdocstrings copies the Markdown extensions for docstrings
def on_config(config: Any) -> Any:
    config.markdown_extensions.append(DoctestBlocksExtension())
    return config

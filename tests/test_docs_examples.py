"""Every Python block in README.md and docs/ runs as shown and prints what the page says.

The blocks of one page run in order in one namespace, as a reader pastes them one after the
other. A ``#> ...`` comment under a ``print`` is the output the page promises: it is checked
(``pytest-examples``). The official clients are swapped for replaying ones (``docs_replay``), so
``OpenAI()`` needs no key and answers from a recorded stream. A block fenced as
```` ```python {test="skip"} ```` is shown but not run: only for code that needs a real key
and says so in the text around it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_examples import CodeExample, EvalExample, find_examples

from .docs_replay import replay_clients

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _python_blocks(page: Path) -> list[CodeExample]:
    return [
        example
        for example in find_examples(page)
        if example.prefix.split(" ")[0] in ("py", "python")
        and example.prefix_settings().get("test") != "skip"
    ]


@pytest.mark.parametrize(
    "page",
    [page for page in PAGES if _python_blocks(page)],
    ids=lambda page: str(page.relative_to(ROOT)),
)
def test_page_examples_run(
    page: Path, eval_example: EvalExample, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = _python_blocks(page)
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    with replay_clients(monkeypatch):
        for block in blocks:
            failure = None
            try:
                run = (
                    eval_example.run_print_update  # pytest --update-examples rewrites the #> lines
                    if eval_example.update_examples
                    else eval_example.run_print_check
                )
                namespace = run(block, module_globals=namespace)
            except Exception as error:
                failure = f"{page.relative_to(ROOT)}:{_line_of(error, block)}: {error!r}"
            if failure:  # reported outside the handler: the example's frames confuse pytest's
                pytest.fail(failure, pytrace=False)  # traceback printer


def _line_of(error: BaseException, block: CodeExample) -> int:
    """The page line where ``error`` was raised, as far as the example's own frames say."""
    line = block.start_line
    trace = error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename.endswith(f"{block.module_name}.py"):
            line = trace.tb_lineno  # the example is run padded to its page lines
        trace = trace.tb_next
    return line

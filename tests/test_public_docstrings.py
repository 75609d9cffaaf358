"""Every public name has a docstring with an example that runs with only the imports it shows.

Each name of ``partialjson.__all__`` is imported from ``partialjson``; its docstring must hold a
``>>>`` example, and the example is run in an empty namespace (not its module's globals, as
``tests/test_docstrings.py`` runs it), so a reader who pastes it needs nothing it does not show.
"""

from __future__ import annotations

import doctest
import inspect

import pytest

import partialjson

#: Not classes or functions: nothing to attach a docstring to.
NOT_DOCUMENTABLE = {
    "COMPILED",  # a bool (its docstring, in the API reference, says which build is loaded)
    "Path",  # a type alias (tuple of keys and indexes), documented in the API reference's text
    "__version__",  # a string
}


NAMES = sorted(name for name in partialjson.__all__ if name not in NOT_DOCUMENTABLE)


def _examples(name: str) -> list[doctest.Example]:
    docstring = inspect.getdoc(getattr(partialjson, name)) or ""
    return doctest.DocTestParser().get_examples(docstring)


def _failures(name: str) -> str:
    """The doctest report of the name's example run in an empty namespace ("" if it passes)."""
    test = doctest.DocTestParser().get_doctest(
        inspect.getdoc(getattr(partialjson, name)) or "", {}, f"partialjson.{name}", None, 0
    )
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    report: list[str] = []
    runner.run(test, out=report.append)
    return "".join(report)


def _problem(name: str) -> str | None:
    if not _examples(name):
        return "no >>> example in its docstring"
    report = _failures(name)
    if report:
        return "its example fails in an empty namespace:\n" + report
    return None


@pytest.mark.parametrize("name", NAMES)
def test_public_name_has_a_runnable_example(name: str) -> None:
    problem = _problem(name)
    assert problem is None, f"partialjson.{name}: {problem}"


def test_every_public_name_is_checked() -> None:
    assert set(partialjson.__all__) == set(NAMES) | NOT_DOCUMENTABLE

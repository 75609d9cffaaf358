"""The pure-Python parser beside the compiled one, in the same process.

When the compiled build is loaded, ``partialjson.core`` is compiled; to time the pure-Python
reference side by side in one run, its sources are loaded again as a separate package
(``_partialjson_pure``), from the same files, with none of the extension modules. It is the
same code the pure build (``PARTIALJSON_PURE=1``) runs; its events are other classes than
``partialjson``'s, which the benchmarks do not mind.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

import partialjson

ALIAS = "_partialjson_pure"
CORE = Path(partialjson.__file__).resolve().parent / "core"


class _PureCore(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Optional[Sequence[str]] = None,
        target: Optional[ModuleType] = None,
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname == ALIAS:
            return importlib.util.spec_from_file_location(
                fullname, CORE / "__init__.py", submodule_search_locations=[]
            )
        if fullname.startswith(ALIAS + "."):
            source = CORE / (fullname[len(ALIAS) + 1 :] + ".py")
            return importlib.util.spec_from_file_location(fullname, source)
        return None


def parser_class() -> Any:
    """``Parser`` of the pure-Python sources, whichever build ``partialjson`` loaded."""
    if not any(isinstance(finder, _PureCore) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PureCore())
    module = importlib.import_module(ALIAS + ".parser")
    return module.Parser

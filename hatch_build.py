"""The optional compiled build: hatchling's build hook that compiles the hot modules with mypyc.

Off by default: a plain ``pip install .`` (wheel or sdist) builds the pure-Python package and
never needs a compiler. With ``PARTIALJSON_COMPILE=1`` in the environment, building a wheel

* asks for mypy (which ships mypyc) and setuptools in the build environment (``dependencies``),
* compiles the modules ``partialjson/_build.py`` lists (``COMPILED_MODULES``) from the same
  source, with the C compiler and Python headers of the machine, into one extension module per
  module plus a shared ``partialjson__mypyc`` library,
* and ships them next to the ``.py`` sources (which stay: ``PARTIALJSON_PURE=1`` loads them),
  with a stamp of the sources they were built from, in a wheel tagged for this interpreter and
  platform.

An editable install (``pip install -e .``) builds them in place, next to the sources in the
working tree (ignored by git); ``partialjson/_build.py`` loads the sources instead, with a
warning, once a compiled module's source has changed since. If compiling is asked for and
fails, the build fails: it never quietly falls back to the pure build.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SWITCH = "PARTIALJSON_COMPILE"
#: What the compiled modules' types come from, installed into the build environment too: mypyc
#: type-checks them (strictly) and compiles to their types, so they must be the runtime's.
_TYPES = ["pydantic>=2", "typing-extensions>=4.6"]


def _wanted() -> bool:
    return os.environ.get(SWITCH, "") not in ("", "0")


def _build_module(root: str) -> Any:
    """``partialjson/_build.py``, loaded on its own (the package is not importable here)."""
    path = Path(root, "partialjson", "_build.py")
    spec = importlib.util.spec_from_file_location("_partialjson_build", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Under this name it only defines its constants: it chooses a build only as partialjson's.
    spec.loader.exec_module(module)
    return module


class CompiledBuildHook(BuildHookInterface):
    """``[tool.hatch.build.targets.wheel.hooks.custom]``: see the module docstring."""

    PLUGIN_NAME = "custom"

    def dependencies(self) -> list[str]:
        return ["mypy>=1.10", "setuptools>=61", *_TYPES] if _wanted() else []

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if not _wanted() or self.target_name != "wheel":
            return
        build = _build_module(self.root)
        sources = [
            Path(self.root, *module.split(".")).with_suffix(".py")
            for module in build.COMPILED_MODULES
        ]
        in_place = version == "editable"
        out = Path(self.root) if in_place else Path(self.directory, "mypyc-lib")
        if not in_place:
            shutil.rmtree(out, ignore_errors=True)
        built = _compile(self.root, [str(s.relative_to(self.root)) for s in sources], out)
        stamp_path = out / "partialjson" / build.STAMP
        stamp_path.parent.mkdir(parents=True, exist_ok=True)
        stamp_path.write_text(
            build.stamp(dict(zip(build.COMPILED_MODULES, (s.read_bytes() for s in sources)))),
            encoding="utf-8",
        )
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if not in_place:
            for path in [*built, stamp_path]:
                build_data["force_include"][str(path)] = path.relative_to(out).as_posix()
        self.app.display_info(
            f"partialjson: compiled {len(sources)} modules with mypyc "
            f"({', '.join(p.relative_to(out).as_posix() for p in built)})"
        )


def _compile(root: str, paths: list[str], out: Path) -> list[Path]:
    """Compile ``paths`` (relative to ``root``) with mypyc; the extension files, under ``out``.

    Any failure raises: asked for a compiled build, one gets it or an error.
    """
    from mypyc.build import mypycify
    from setuptools import Distribution

    cwd = os.getcwd()
    temp = tempfile.mkdtemp(prefix="partialjson-mypyc-")
    try:
        os.chdir(root)  # mypyc names modules after their paths relative to here
        extensions = mypycify(
            [
                *paths,
                # Only the compiled modules are type-checked strictly; what they import is
                # followed for its types only (the build environment has none of the extras).
                "--follow-imports=silent",
                "--ignore-missing-imports",
            ],
            opt_level=os.environ.get("PARTIALJSON_COMPILE_OPT", "3"),
            group_name="partialjson",
            target_dir=os.path.join(temp, "c"),
        )
        dist = Distribution({"name": "partialjson-stream", "ext_modules": extensions})
        command: Any = dist.get_command_obj("build_ext")
        command.build_lib = str(out)
        command.build_temp = os.path.join(temp, "obj")
        dist.run_command("build_ext")
        return [Path(path) for path in command.get_outputs()]
    finally:
        os.chdir(cwd)
        shutil.rmtree(temp, ignore_errors=True)
